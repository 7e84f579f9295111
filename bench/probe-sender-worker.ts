/**
 * Plays the probes of the probeIngest figure in its own process: it builds each report and posts it
 * to the hub, so the hub's process.cpuUsage() counts the hub's work alone (probes are other machines).
 */
import { request } from 'undici';
import type { ProbeReport } from '../src/core/vantage/protocol.js';
import { failWorker, serveWorker } from './lib.js';

interface Setup {
  base: string;
  probes: Array<{ id: string; token: string }>;
  portalIds: string[];
}

let setup: Setup | null = null;
let seq = 0;

function reportsOf(s: Setup) {
  return s.probes.map((probe) => {
    const at = Date.now();
    const report: ProbeReport = {
      probeId: probe.id,
      bootId: `${probe.id}-boot-0001`,
      seq: seq++,
      sentAt: new Date(at).toISOString(),
      offline: false,
      dropped: 0,
      observations: s.portalIds.map((portalId, i) => ({ portalId, at: at - i, state: 'up', cause: 'ok', httpStatus: 200, errorCode: null, detail: 'HTTP 200', latencyMs: 120 + (i % 50), networkLevel: false })),
    };
    return { probe, body: JSON.stringify(report) };
  });
}

try {
  let batch: ReturnType<typeof reportsOf> = [];
  serveWorker(
    {},
    {
      setup: (arg) => {
        setup = arg as Setup;
        return true;
      },
      /** Builds the next round's reports (before the hub's CPU is measured). */
      prepare: () => {
        if (!setup) throw new Error('setup first');
        batch = reportsOf(setup);
        return { reportBytes: batch[0]?.body.length ?? 0 };
      },
      /** Posts the prepared reports one after another; the statuses the hub answered. */
      send: async () => {
        if (!setup) throw new Error('setup first');
        const statuses: number[] = [];
        for (const { probe, body } of batch) {
          const res = await request(`${setup.base}/api/probe/reports`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-probe-id': probe.id, authorization: `Bearer ${probe.token}` } });
          await res.body.text();
          statuses.push(res.statusCode);
        }
        return statuses;
      },
    },
    async () => undefined,
  );
} catch (error) {
  failWorker(error);
}
