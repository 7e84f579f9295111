/**
 * Figures 2 and 4: runs bench/app-worker.ts in child processes (one seeds 30 days of history into a
 * SQLite file, a fresh one opens it and measures) and returns what they measured. The worker is
 * bundled with esbuild and run by plain `node` (as in production, `node dist/...`): under tsx the
 * loader's hook thread alone adds tens of MB of RSS that production never has. It gets the node
 * flags `npm start` and the container use (`--optimize-for-size`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_DIR, productionNodeFlags, startWorker } from './lib.js';

async function bundle(): Promise<string | null> {
  try {
    const esbuild = await import('esbuild');
    const outdir = path.join(BENCH_DIR, '.out');
    const outfile = path.join(outdir, 'app-worker.js');
    // Split at dynamic imports, as production (tsc output, one module per file) loads them: without
    // it esbuild hoists the chat platforms' libraries to the top of one file and loads them all.
    await esbuild.build({
      entryPoints: [path.join(BENCH_DIR, 'app-worker.ts')],
      outdir,
      outExtension: { '.js': '.js' },
      splitting: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    return outfile;
  } catch {
    return null;
  }
}

export async function benchMemoryAndStatus(o: { urls: string[]; log: (line: string) => void }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pantau-bench-'));
  const base = { urls: o.urls, days: 30, cycles: 3, renders: 50, commands: 500, timeoutSeconds: 3, dir, wal: true };
  const bundled = await bundle();
  const nodeFlags = productionNodeFlags();
  const run = async (mode: 'seed' | 'measure') => {
    const worker = await startWorker<Record<string, unknown>>(bundled ?? 'app-worker.ts', { BENCH_ARGS: JSON.stringify({ ...base, mode }) }, 100_000, nodeFlags);
    await worker.close();
    return worker.ready;
  };
  try {
    const seed = await run('seed');
    const measured = await run('measure');
    const runtime = `${bundled ? 'node (esbuild bundle)' : 'tsx'}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}`;
    const r: Record<string, unknown> = { runtime, ...measured, seed };
    o.log(`  peak RSS ${String(r.peakRssMb)} MB, status page p95 ${String(r.statusPageP95Ms)} ms, /status p99 ${String(r.statusCommandP99Ms)} ms`);
    return r;
  } finally {
    if (bundled) rmSync(path.dirname(bundled), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
