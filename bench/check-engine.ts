/**
 * Figure 1: a full check cycle through the real engine (createApp → monitor.runCycle) against a bare
 * undici loop doing the same GETs with the same concurrency and timeout. The farm runs in another
 * process, so process.cpuUsage() here is the client's alone.
 */
import pino from 'pino';
import { Agent, request } from 'undici';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { median, round } from './lib.js';

export interface FarmPortalInfo {
  id: string;
  url: string;
  kind: string;
}

export interface CheckEngineOptions {
  portals: FarmPortalInfo[];
  timeoutMs: number;
  maxConcurrency: number;
  maxConcurrentPerHost: number;
  runs: number;
  /** Runs of the no-hang comparison (default `runs`). */
  noHangRuns?: number;
  log: (line: string) => void;
}

interface Sample {
  ms: number;
  cpuMs: number;
  checks: number;
}

async function buildApp(portals: FarmPortalInfo[], o: CheckEngineOptions): Promise<App> {
  const file = {
    check: {
      timeoutSeconds: o.timeoutMs / 1000,
      maxConcurrentPerHost: o.maxConcurrentPerHost,
      maxConcurrency: o.maxConcurrency,
      maxRequestsPerSecondPerHost: 10_000,
    },
    portals: portals.map((p) => ({ id: p.id, name: `LPSE Bench ${p.id}`, url: p.url })),
  };
  const config = loadConfig(JSON.stringify(file), { STORE_URL: 'memory://', LOG_LEVEL: 'silent', HTTP_PORT: '0' }, 'bench');
  // The schema refuses Infinity (JSON cannot say it either); the checker takes it and skips the spacing.
  config.check.maxRequestsPerSecondPerHost = Infinity;
  config.check.referenceUrls = [];
  // Started (it takes the lease, a local one, and may act), its cycles driven by hand.
  const app = await createApp(config, { logger: pino({ level: 'silent' }), ticker: { start: () => undefined, stop: async () => undefined } });
  await app.start();
  return app;
}

function createBare(o: CheckEngineOptions) {
  const agent = new Agent({
    connections: o.maxConcurrentPerHost,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
  });
  async function one(url: string): Promise<number> {
    const signal = AbortSignal.timeout(o.timeoutMs);
    try {
      const res = await request(url, { method: 'GET', dispatcher: agent, signal, headers: { 'user-agent': 'bench', accept: 'text/html' } });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
      Buffer.concat(chunks).toString('utf8');
      return res.statusCode;
    } catch {
      return 0;
    }
  }
  return {
    async cycle(urls: string[]): Promise<number> {
      let next = 0;
      let done = 0;
      const workers = Array.from({ length: Math.min(o.maxConcurrency, urls.length) }, async () => {
        while (next < urls.length) {
          const url = urls[next++]!;
          await one(url);
          done++;
        }
      });
      await Promise.all(workers);
      return done;
    },
    close: () => agent.close(),
  };
}

async function measure(work: () => Promise<number>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const checks = await work();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, checks };
}

async function compare(label: string, portals: FarmPortalInfo[], o: CheckEngineOptions) {
  const app = await buildApp(portals, o);
  const bare = createBare(o);
  const urls = portals.map((p) => p.url);
  const engineRun = () => measure(async () => (await app.monitor.runCycle({ all: true })).checked);
  const bareRun = () => measure(() => bare.cycle(urls));
  try {
    // Warm-up: connections opened, JIT warmed, states created (first cycle writes every state).
    await engineRun();
    await bareRun();
    const engine: Sample[] = [];
    const plain: Sample[] = [];
    for (let i = 0; i < o.runs; i++) {
      // Alternate, starting with the other one each round, so drift hits both alike.
      const order = i % 2 === 0 ? ([engineRun, bareRun] as const) : ([bareRun, engineRun] as const);
      for (const run of order) {
        const s = await run();
        (run === engineRun ? engine : plain).push(s);
        o.log(`  ${label} ${run === engineRun ? 'engine' : 'bare  '} run ${i + 1}: ${s.ms.toFixed(0)} ms, cpu ${s.cpuMs.toFixed(0)} ms, ${s.checks} checks`);
      }
    }
    const engineMs = median(engine.map((s) => s.ms));
    const bareMs = median(plain.map((s) => s.ms));
    const engineCpuPerCheck = median(engine.map((s) => s.cpuMs / s.checks));
    const bareCpuPerCheck = median(plain.map((s) => s.cpuMs / s.checks));
    return {
      portals: portals.length,
      engineCycleMs: round(engineMs, 1),
      bareCycleMs: round(bareMs, 1),
      ratio: round(engineMs / bareMs),
      engineCpuMsPerCheck: round(engineCpuPerCheck, 4),
      bareCpuMsPerCheck: round(bareCpuPerCheck, 4),
      cpuRatio: round(engineCpuPerCheck / bareCpuPerCheck),
      engineRunsMs: engine.map((s) => round(s.ms, 1)),
      bareRunsMs: plain.map((s) => round(s.ms, 1)),
    };
  } finally {
    await app.stop().catch(() => undefined);
    await bare.close().catch(() => undefined);
  }
}

export async function benchCheckEngine(o: CheckEngineOptions) {
  const full = await compare('all', o.portals, o);
  // Without the hanging portals both loops end long before the timeout, so the engine's own
  // overhead is not hidden behind the 3 s wait.
  const answering = o.portals.filter((p) => p.kind !== 'hang' && p.kind !== 'hang-body');
  // A no-hang cycle takes a fraction of a second and its CPU varies from run to run by more than the
  // difference measured (garbage one loop leaves is collected during the other's run): more runs.
  const noHang = await compare('no-hang', answering, { ...o, runs: o.noHangRuns ?? o.runs });
  return {
    checkCycleRatio: full.ratio,
    cpuPerCheckRatio: full.cpuRatio,
    hangDelaySeconds: round((full.engineCycleMs - o.timeoutMs) / 1000),
    details: {
      timeoutMs: o.timeoutMs,
      maxConcurrency: o.maxConcurrency,
      maxConcurrentPerHost: o.maxConcurrentPerHost,
      maxRequestsPerSecondPerHost: 'Infinity',
      runsEach: o.runs,
      noHangRunsEach: o.noHangRuns ?? o.runs,
      hangingPortals: o.portals.length - answering.length,
      bareHangDelaySeconds: round((full.bareCycleMs - o.timeoutMs) / 1000),
      all: full,
      noHang,
    },
  };
}
