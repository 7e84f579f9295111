/** Small helpers shared by the bench sections and their worker processes. */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0–100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const round = (n: number, digits = 3) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/** Rejects after `ms` (the bench must never hang). */
export async function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The fake portals' seeded PRNG (mulberry32), so bench data is the same every run. */
export { seededRandom as seeded } from '../test/fakes/fake-portal.js';

export interface WorkerMessage {
  type: 'ready' | 'res' | 'error';
  id?: number;
  result?: unknown;
  error?: string;
}

/** A bench worker (a .ts file under bench/) in its own Node process, spoken to over IPC. */
export interface Worker<R = unknown> {
  child: ChildProcess;
  ready: R;
  request<T>(cmd: string, arg?: unknown, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
  stderr(): string;
}

/**
 * The flags `npm start` gives node (package.json is the one place they are written; the Dockerfile
 * and CI repeat them, and a test holds all of them to it), so that the bench measures the runtime
 * people run.
 */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(BENCH_DIR, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const command = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/main\.js/.exec(pkg.scripts.start);
  if (!command) throw new Error(`package.json: cannot find "node … dist/src/main.js" in the start script: ${pkg.scripts.start}`);
  return command[1]!.trim().split(/\s+/).filter(Boolean);
}

/**
 * `script` is a .ts file under bench/ (run through tsx) or an absolute path to plain JavaScript;
 * `nodeFlags` go to node before the script.
 */
export async function startWorker<R>(
  script: string,
  env: Record<string, string> = {},
  readyTimeoutMs = 60_000,
  nodeFlags: string[] = [],
): Promise<Worker<R>> {
  const plain = path.isAbsolute(script);
  const child = fork(plain ? script : path.join(BENCH_DIR, script), [], {
    execArgv: [...nodeFlags, ...(plain ? [] : ['--import', 'tsx'])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    // Worker progress lines go to our stderr (stdout stays clean for --json).
    process.stderr.write(d);
    err = (err + d.toString()).slice(-8000);
  });
  child.stdout?.on('data', () => undefined);
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited = false;
  const ready = await withDeadline(
    `${script} start`,
    readyTimeoutMs,
    new Promise<R>((resolve, reject) => {
      child.on('message', (raw) => {
        const msg = raw as WorkerMessage;
        if (msg.type === 'ready') resolve(msg.result as R);
        else if (msg.type === 'error' && msg.id === undefined) reject(new Error(`${script}: ${msg.error}`));
        else if (msg.id !== undefined) {
          const w = waiting.get(msg.id);
          waiting.delete(msg.id);
          if (msg.type === 'error') w?.reject(new Error(`${script}: ${msg.error}`));
          else w?.resolve(msg.result);
        }
      });
      child.on('exit', (code, signal) => {
        exited = true;
        const error = new Error(`${script} exited (code ${code}, signal ${signal}); stderr: ${err.slice(-2000)}`);
        reject(error);
        for (const w of waiting.values()) w.reject(error);
        waiting.clear();
      });
    }),
  ).catch((error: unknown) => {
    if (!exited) child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    ready,
    stderr: () => err,
    request<T>(cmd: string, arg?: unknown, timeoutMs = 120_000) {
      const id = nextId++;
      return withDeadline(
        `${script} ${cmd}`,
        timeoutMs,
        new Promise<T>((resolve, reject) => {
          if (exited) return reject(new Error(`${script} is not running`));
          waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
          child.send({ id, cmd, arg });
        }),
      );
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        child.send({ id: 0, cmd: 'close' });
      } catch {
        /* already gone */
      }
      await Promise.race([gone, sleep(5000)]);
      if (!exited) {
        child.kill('SIGKILL');
        await Promise.race([gone, sleep(2000)]);
      }
    },
  };
}

/** Worker side: answers IPC requests with `handlers`; `close` ends the process after `onClose`. */
export function serveWorker(ready: unknown, handlers: Record<string, (arg: unknown) => Promise<unknown> | unknown>, onClose: () => Promise<void>) {
  process.on('message', (raw) => {
    const msg = raw as { id: number; cmd: string; arg?: unknown };
    if (msg.cmd === 'close') {
      void onClose().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${msg.cmd}`);
        return handler(msg.arg);
      })
      .then(
        (result) => process.send?.({ type: 'res', id: msg.id, result }),
        (error: unknown) => process.send?.({ type: 'error', id: msg.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
      );
  });
  // The parent gone (crash, Ctrl-C): do not linger.
  process.on('disconnect', () => void onClose().finally(() => process.exit(0)));
  process.send?.({ type: 'ready', result: ready });
}

export function failWorker(error: unknown): never {
  process.send?.({ type: 'error', error: error instanceof Error ? error.stack ?? error.message : String(error) });
  setTimeout(() => process.exit(1), 100);
  throw error;
}
