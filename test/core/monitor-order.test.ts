import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createFakePortal, type FakePortal } from '../fakes/fake-portal.js';
import { startApp } from '../helpers/app.js';

// Three portals, one check at a time, so the order requests arrive in is the order checks start.
const IDS = ['quick-a', 'quick-b', 'stuck'] as const;
let app: App;
const fakes = new Map<string, FakePortal>();

beforeAll(async () => {
  for (const id of IDS) fakes.set(id, await createFakePortal({ slug: id, mode: id === 'stuck' ? 'hang' : 'healthy' }));
  const yaml = [
    'check:',
    '  timeoutSeconds: 0.4',
    '  maxConcurrency: 1',
    'portals:',
    ...IDS.flatMap((id) => [`  - id: ${id}`, `    name: LPSE ${id}`, `    url: ${fakes.get(id)!.url}`]),
  ].join('\n');
  app = await startApp(yaml, {});
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([...fakes.values()].map((f) => f.close()));
});

const firstRequestAt = (id: string) => fakes.get(id)!.requests.list.at(-1)!.at;

describe('check order within a cycle', () => {
  it('starts the portal that hung last cycle first, so its wait overlaps the others', async () => {
    await app.monitor.runCycle({ all: true });
    // Listed order the first time: nothing is known yet.
    expect(firstRequestAt('stuck')).toBeGreaterThan(firstRequestAt('quick-b'));

    const report = await app.monitor.runCycle({ all: true });
    expect(report.checked).toBe(3);
    expect(firstRequestAt('stuck')).toBeLessThan(firstRequestAt('quick-a'));
    expect(firstRequestAt('stuck')).toBeLessThan(firstRequestAt('quick-b'));

    // Results are still reported per portal, whatever the order they were taken in.
    const states = new Map((await app.status.list()).map((view) => [view.id, view]));
    expect(states.get('stuck')?.cause).toBe('timeout');
    expect(states.get('quick-a')?.state).toBe('up');
  });
});
