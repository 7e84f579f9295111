import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { productionNodeFlags } from '../bench/lib.js';

// The node flags the bot runs with are written in package.json's start script and repeated where
// the bot is started otherwise. The memory figure of the bench is only true if they all agree.
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const flagsBefore = (command: string, target: string): string[] | null => {
  const words = command.trim().split(/\s+/);
  const node = words.indexOf('node');
  const end = words.indexOf(target, node);
  return node < 0 || end < 0 ? null : words.slice(node + 1, end);
};

describe('node flags', () => {
  // What the bench reads from package.json's start script is what the others are held to.
  const start = productionNodeFlags();

  it('npm start gives node the memory flags the bench measures with', () => {
    expect(pkg.scripts.start).toContain(`node ${start.join(' ')} dist/src/main.js`);
    expect(start).toContain('--optimize-for-size');
  });

  it('the container, CI and the bench process run node with the same flags', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
    expect(cmd).not.toBeNull();
    const docker = JSON.parse(cmd![1]!) as string[];
    expect(docker).toEqual(['node', ...start, 'dist/src/main.js']);

    const ciLine = read('.ci/run').split('\n').find((line) => line.includes('dist/src/main.js') && line.includes('exec node'));
    expect(flagsBefore(ciLine!.slice(ciLine!.indexOf('exec node') + 'exec '.length), 'dist/src/main.js')).toEqual(start);

    expect(flagsBefore(pkg.scripts.bench!, '--import')).toEqual(start);
  });
});
