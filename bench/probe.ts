/**
 * The probe's memory: a probe process checking 600 portals of the fake farm at a short interval
 * for a few rounds, reporting to a fake hub in this process, its peak RSS read from the kernel
 * (/proc/<pid>/status VmHWM). The probe is bundled with esbuild (split at dynamic imports, as tsc's
 * output loads them) and run by plain `node` with the flags of `npm run probe`, as in production.
 * The bundle's static imports are checked too: a probe must not load the store, the chat platforms,
 * metrics or the HTTP pages.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFakeHub } from '../test/probe/fake-hub.js';
import { BENCH_DIR, round, sleep } from './lib.js';

/** Packages and source folders a probe never needs; loading one of them costs memory for nothing. */
export const PROBE_FORBIDDEN = ['keyv', '@keyv/', 'grammy', 'discord.js', 'prom-client', 'node-cron', 'sqlite3', 'src/store/', 'src/http/', 'src/app.ts', 'src/leadership.ts', 'src/metrics.ts', 'commands/'];

export interface ProbeBenchOptions {
  /** Portal addresses (the farm's); the probe checks each. */
  urls: string[];
  rounds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  log: (line: string) => void;
}

/** The node flags of `npm run probe` (package.json is the one place they are written). */
export function probeNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(BENCH_DIR, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts.probe ?? '';
  const command = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/probe\/main\.js/.exec(script);
  if (!command) throw new Error(`package.json: cannot find "node … dist/src/probe/main.js" in the probe script: ${script}`);
  return command[1]!.trim().split(/\s+/).filter(Boolean);
}

/**
 * Bundles src/probe/main.ts into `outdir` (when given) and lists what it loads at start: the
 * packages and source files reachable through static imports (dynamic imports are loaded only
 * when called: the chat platforms behind config.ts's loadPlatforms never are in a probe).
 */
export async function bundleProbe(outdir: string | null): Promise<{ entry: string | null; packages: string[]; sources: string[]; forbidden: string[] }> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(BENCH_DIR, '..', 'src', 'probe', 'main.ts')],
    outdir: outdir ?? path.join(tmpdir(), 'pantau-probe-bundle'),
    outExtension: { '.js': '.js' },
    absWorkingDir: path.join(BENCH_DIR, '..'),
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    metafile: true,
    write: outdir !== null,
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entryName = Object.keys(outputs).find((name) => outputs[name]!.entryPoint === 'src/probe/main.ts')!;
  const packages = new Set<string>();
  const sources = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const output = outputs[name]!;
    for (const input of Object.keys(output.inputs)) sources.add(input);
    for (const imported of output.imports) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) packages.add(imported.path);
      else walk(imported.path);
    }
  };
  walk(entryName);
  const loaded = [...packages, ...sources];
  const forbidden = loaded.filter((name) => PROBE_FORBIDDEN.some((bad) => name === bad || name.startsWith(bad)));
  return {
    entry: outdir ? path.join(path.join(BENCH_DIR, '..'), entryName) : null,
    packages: [...packages].sort(),
    sources: [...sources].sort(),
    forbidden,
  };
}

/** Peak and current resident memory of a process, MB (Linux: the kernel's own high-water mark), and its CPU time. */
function usageOf(pid: number): { peakMb: number; rssMb: number; cpuMs: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    // utime and stime, in clock ticks (100 a second on Linux), after the command name in parentheses.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
    return { peakMb: round(kb('VmHWM') / 1024, 1), rssMb: round(kb('VmRSS') / 1024, 1), cpuMs };
  } catch {
    return null;
  }
}

/**
 * V8 settings that cut a probe's peak, measured beside the script's: `--liftoff-only` keeps V8 from
 * optimizing undici's WebAssembly HTTP parser at the first request (a ~35 MB transient), `--no-opt`
 * keeps TurboFan's compile zones away (~10 MB under load). Shown for a decision, not applied.
 */
export const LEAN_FLAGS = ['--liftoff-only', '--no-opt'];

interface RunResult {
  flags: string[];
  probeRssMb: number | null;
  probeRssEndMb: number | null;
  cpuMsPerCheck: number | null;
  rounds: number;
  observations: number;
  observationsPerSecond: number;
  reports: number;
  invalidReports: number;
  dropped: number;
  stopMs: number;
  exitCode: number | null;
  wallSeconds: number;
}

async function runProbe(entry: string, flags: string[], portals: Array<{ id: string; url: string; intervalSeconds: number }>, o: { rounds: number; intervalSeconds: number; timeoutSeconds: number; dir: string; log: (line: string) => void }): Promise<RunResult> {
  const token = `bench-${Math.random().toString(36).slice(2)}-token`;
  const hub = await createFakeHub({
    probes: { 'bench-probe': token },
    assignment: { version: 'bench', retryIntervalSeconds: 2, reportEverySeconds: 2, portals },
  });
  // As the bot's memory bench: a loopback farm, so the budgets are opened up (the worst case for memory).
  const configFile = path.join(o.dir, 'probe.yaml');
  writeFileSync(configFile, JSON.stringify({ check: { timeoutSeconds: o.timeoutSeconds, referenceUrls: [], maxRequestsPerSecondPerHost: 10_000, maxConcurrentPerHost: 50, maxConcurrency: 200 } }));
  const child = spawn(process.execPath, [...flags, entry], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), NO_PRETTY_LOGS: '1', LOG_LEVEL: 'warn', CONFIG_PATH: configFile, PROBE_HUB_URL: hub.url, PROBE_ID: 'bench-probe', PROBE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => resolve(void (exit = { code, signal }))));
  let polledPeakMb = 0;
  const sampler = setInterval(() => {
    const m = child.pid ? usageOf(child.pid) : null;
    if (m) polledPeakMb = Math.max(polledPeakMb, m.rssMb);
  }, 100);
  const t0 = performance.now();
  try {
    // Until every portal was observed `rounds` times (hanging ones too, as timeouts), or the deadline.
    const deadline = Date.now() + (o.rounds * o.intervalSeconds + 60) * 1000;
    const counts = new Map<string, number>();
    let counted = 0;
    for (;;) {
      for (; counted < hub.reports.length; counted++) for (const ob of hub.reports[counted]!.observations) counts.set(ob.portalId, (counts.get(ob.portalId) ?? 0) + 1);
      const done = counts.size === portals.length && [...counts.values()].every((n) => n >= o.rounds);
      if (done || exit || Date.now() > deadline) break;
      await sleep(200);
    }
    const seconds = (performance.now() - t0) / 1000;
    const usage = child.pid ? usageOf(child.pid) : null;
    const observations = hub.reports.reduce((n, r) => n + r.observations.length, 0);
    const stopAt = performance.now();
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(8000)]);
    const r: RunResult = {
      flags,
      probeRssMb: usage?.peakMb ?? (polledPeakMb || null),
      probeRssEndMb: usage?.rssMb ?? null,
      cpuMsPerCheck: usage && observations > 0 ? round(usage.cpuMs / observations, 2) : null,
      rounds: counts.size === portals.length ? Math.min(...counts.values()) : 0,
      observations,
      observationsPerSecond: round(observations / seconds, 1),
      reports: hub.reports.length,
      invalidReports: hub.invalid.length,
      dropped: hub.reports.reduce((n, rep) => n + rep.dropped, 0),
      stopMs: round(performance.now() - stopAt, 0),
      exitCode: (exit as { code: number | null } | null)?.code ?? null,
      wallSeconds: round(seconds, 1),
    };
    o.log(`  probe (node ${flags.join(' ')}): ${portals.length} portals × ${r.rounds} rounds in ${r.wallSeconds} s, peak RSS ${r.probeRssMb} MB, ${r.cpuMsPerCheck} ms CPU a check, stop ${r.stopMs} ms, exit ${r.exitCode}`);
    if (r.invalidReports > 0 || r.exitCode !== 0) o.log(`  probe output (tail):\n${output.slice(-2000)}`);
    return r;
  } finally {
    clearInterval(sampler);
    if (!exit) child.kill('SIGKILL');
    await hub.close();
  }
}

/**
 * A probe process checking the given portals every `intervalSeconds` (default 5: 600 portals make
 * 120 checks a second, ten times a real probe's 600 a minute) until each was checked `rounds` times.
 * `probeRssMb` is measured with the flags of `npm run probe`; `lean` with {@link LEAN_FLAGS} added.
 */
export async function benchProbe(o: ProbeBenchOptions): Promise<Record<string, unknown> & { probeRssMb: number | null }> {
  const rounds = o.rounds ?? 4;
  const intervalSeconds = o.intervalSeconds ?? 5;
  const timeoutSeconds = o.timeoutSeconds ?? 3;
  // Under bench/.out (ignored by git); only this subfolder is removed afterwards.
  const outdir = path.join(BENCH_DIR, '.out', 'probe');
  const dir = mkdtempSync(path.join(tmpdir(), 'pantau-bench-probe-'));
  const portals = o.urls.map((url, i) => ({ id: `p${String(i + 1).padStart(4, '0')}`, url, intervalSeconds }));
  try {
    const bundle = await bundleProbe(outdir);
    if (bundle.forbidden.length > 0) o.log(`  the probe loads what it must not: ${bundle.forbidden.join(', ')}`);
    const flags = probeNodeFlags();
    const run = { rounds, intervalSeconds, timeoutSeconds, dir, log: o.log };
    const asRun = await runProbe(bundle.entry!, flags, portals, run);
    const leanFlags = [...flags, ...LEAN_FLAGS.filter((f) => !flags.includes(f))];
    const lean = leanFlags.length > flags.length ? await runProbe(bundle.entry!, leanFlags, portals, run) : null;
    o.log(`  probe peak RSS ${asRun.probeRssMb} MB (goal ≤ 80)${lean ? `; with ${LEAN_FLAGS.join(' ')}: ${lean.probeRssMb} MB` : ''}`);
    return {
      ...asRun,
      goalMb: 80,
      runtime: `node (esbuild bundle) ${flags.join(' ')}`.trim(),
      portals: portals.length,
      intervalSeconds,
      lean: lean ? { flags: LEAN_FLAGS, probeRssMb: lean.probeRssMb, probeRssEndMb: lean.probeRssEndMb, cpuMsPerCheck: lean.cpuMsPerCheck, observationsPerSecond: lean.observationsPerSecond, exitCode: lean.exitCode } : null,
      forbiddenImports: bundle.forbidden,
      packages: bundle.packages.filter((p) => !p.startsWith('node:')),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node --import tsx bench/probe.ts`: this section alone, with a farm of its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { startWorker } = await import('./lib.js');
  const farm = await startWorker<{ portals: Array<{ url: string }> }>('farm-worker.ts', { BENCH_FARM_HOSTS: '20', BENCH_FARM_PER_HOST: '50' });
  try {
    const result = await benchProbe({ urls: farm.ready.portals.slice(0, 600).map((p) => p.url), log: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await farm.close();
  }
}
