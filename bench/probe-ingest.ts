/**
 * probeIngestCpuRatio: the hub's CPU to take one interval's reports from 10 probes × 600 portals
 * (over loopback HTTP: body, JSON, schema, authentication, the views' update), against its CPU to
 * check the same 600 portals itself once (the farm answers in another process).
 */
import pino from 'pino';
import { request } from 'undici';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { ProbeReport } from '../src/core/vantage/protocol.js';
import type { FarmPortalInfo } from './check-engine.js';
import { median, round } from './lib.js';

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
    const checks: number[] = [];
    await app.monitor.runCycle({ all: true });
    for (let r = 0; r < rounds; r++) checks.push(await cpuMs(() => app.monitor.runCycle({ all: true })));

    let seq = 0;
    const reportsOf = () =>
      probes.map((probe) => {
        const at = Date.now();
        const report: ProbeReport = {
          probeId: probe.id,
          bootId: `${probe.id}-boot-0001`,
          seq: seq++,
          sentAt: new Date(at).toISOString(),
          offline: false,
          dropped: 0,
          observations: portals.map((p, i) => ({ portalId: p.id, at: at - i, state: 'up', cause: 'ok', httpStatus: 200, errorCode: null, detail: 'HTTP 200', latencyMs: 120 + (i % 50), networkLevel: false })),
        };
        return { probe, body: JSON.stringify(report) };
      });
    const send = async (batch: ReturnType<typeof reportsOf>) => {
      const base = `http://127.0.0.1:${app.port()}`;
      for (const { probe, body } of batch) {
        const res = await request(`${base}/api/probe/reports`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-probe-id': probe.id, authorization: `Bearer ${probe.token}` } });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`report answered ${res.statusCode}`);
      }
    };
    // Steady state: a hub takes ten reports a minute, every minute.
    for (let warm = 0; warm < 3; warm++) await send(reportsOf());
    const ingests: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const batch = reportsOf();
      ingests.push(await cpuMs(() => send(batch)));
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
      reportBytes: reportsOf()[0]!.body.length,
    };
  } finally {
    await app.stop().catch(() => undefined);
  }
}
