/**
 * probeIngestCpuRatio: the hub's CPU to take one interval's reports from 10 probes × 600 portals
 * (over loopback HTTP: body, JSON, schema, authentication, the views' update), against its CPU to
 * check the same 600 portals itself once. The farm and the probes (a sender process that builds and
 * posts the reports) run in other processes: the figure counts the hub's work alone.
 */
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { FarmPortalInfo } from './check-engine.js';
import { median, round, startWorker } from './lib.js';

/** CPU of one piece of work, after a pause in which the garbage of the previous one is collected. */
const cpuMs = async (work: () => Promise<unknown>) => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

export async function benchProbeIngest(o: { portals: FarmPortalInfo[]; probes?: number; rounds?: number; log: (line: string) => void }): Promise<Record<string, unknown>> {
  const probes = Array.from({ length: o.probes ?? 10 }, (_, i) => ({ id: `probe-${i}`, token: `bench-token-${i}-0123456789abcdef` }));
  const portals = o.portals.slice(0, 600).filter((p) => p.kind !== 'hang' && p.kind !== 'hang-body');
  const file = {
    check: { timeoutSeconds: 3, maxConcurrentPerHost: 50, maxConcurrency: 200, maxRequestsPerSecondPerHost: 10_000, referenceUrls: [] },
    portals: portals.map((p) => ({ id: p.id, name: `LPSE Bench ${p.id}`, url: p.url })),
  };
  const config = loadConfig(JSON.stringify(file), { STORE_URL: 'memory://', HTTP_PORT: '0', LOG_LEVEL: 'silent', PROBE_TOKENS: probes.map((p) => `${p.id}:${p.token}`).join(',') }, 'bench');
  const app = await createApp(config, { logger: pino({ level: 'silent' }), ticker: { start: () => undefined, stop: async () => undefined } });
  try {
    await app.start();
    const rounds = o.rounds ?? 5;
    const ingests: number[] = [];
    let reportBytes = 0;
    const checks: number[] = [];
    await app.monitor.runCycle({ all: true });
    for (let r = 0; r < rounds; r++) checks.push(await cpuMs(() => app.monitor.runCycle({ all: true })));

    const sender = await startWorker('probe-sender-worker.ts');
    try {
      await sender.request('setup', { base: `http://127.0.0.1:${app.port()}`, probes, portalIds: portals.map((p) => p.id) });
      const send = async () => {
        const statuses = await sender.request<number[]>('send');
        const refused = statuses.find((status) => status !== 200);
        if (refused !== undefined) throw new Error(`report answered ${refused}`);
      };
      // Steady state: a hub takes ten reports a minute, every minute.
      for (let warm = 0; warm < 3; warm++) {
        reportBytes = (await sender.request<{ reportBytes: number }>('prepare')).reportBytes;
        await send();
      }
      for (let r = 0; r < rounds; r++) {
        await sender.request('prepare');
        ingests.push(await cpuMs(send));
      }
    } finally {
      await sender.close();
    }
    const checkCpu = median(checks);
    const ingestCpu = median(ingests);
    o.log(`  probe ingest: checking ${portals.length} portals ${checkCpu.toFixed(0)} ms CPU; ${probes.length} reports × ${portals.length} observations ${ingestCpu.toFixed(0)} ms CPU`);
    return {
      probeIngestCpuRatio: round(ingestCpu / checkCpu),
      ingestCpuMs: round(ingestCpu, 1),
      checkCpuMs: round(checkCpu, 1),
      probes: probes.length,
      portals: portals.length,
      reportBytes,
    };
  } finally {
    await app.stop().catch(() => undefined);
  }
}
