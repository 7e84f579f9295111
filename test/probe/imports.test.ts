import { describe, expect, it } from 'vitest';
import { bundleProbe } from '../../bench/probe.js';

describe('the probe process', () => {
  it('loads no store, chat platform, metrics, scheduler library or HTTP page at start (static imports of src/probe/main.ts)', async () => {
    const bundle = await bundleProbe(null);
    expect(bundle.forbidden).toEqual([]);
    expect(bundle.packages.filter((p) => !p.startsWith('node:'))).toEqual(['pino', 'undici', 'yaml', 'zod']);
    expect(bundle.sources).toContain('src/core/checker.ts');
    expect(bundle.sources).toContain('src/core/classifier.ts');
  });
});
