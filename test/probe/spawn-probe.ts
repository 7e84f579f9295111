/**
 * The probe as a real process (`node --import tsx src/probe/main.ts`), with only the environment a
 * test gives it. Its output is collected; every child is killed when the test worker exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ProbeProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far, parsed (other lines skipped). */
  logs(): Array<Record<string, unknown> & { msg?: string; level?: number }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line whose message matches. */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<Record<string, unknown>>;
  alive(): boolean;
  /** Kills it hard (teardown). */
  kill(): Promise<void>;
}

/** A `check:` config file for the probe in a temporary directory; returns its path. */
export function probeConfigFile(check: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pantau-probe-')), 'probe.yaml');
  writeFileSync(file, JSON.stringify({ check }));
  return file;
}

export function spawnProbe(env: Record<string, string>): ProbeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/probe/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), NO_PRETTY_LOGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let text = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const logs = () =>
    text.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    output: () => text,
    logs,
    exited,
    alive: () => exitInfo === null,
    async waitForLog(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs().find((l) => pattern.test(String(l.msg ?? '')));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-3000)}`);
        if (exitInfo) throw new Error(`the probe exited (${JSON.stringify(exitInfo)}) before logging ${pattern}; output:\n${text.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      if (exitInfo) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
