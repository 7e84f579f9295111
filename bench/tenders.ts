/**
 * Tender impact: what the tender collector costs a portal, and what the tender lines cost a DOWN
 * digest.
 *
 * - tenderRequestsPerHour: the collector against a fake SPSE (in this process, on loopback) with one
 *   portal of 300 running packages (and finished ones in its lists), driven by a fake clock: rounds a
 *   simulated minute apart, every wait moving the clock, the request interval as configured (1.5 s).
 *   After the first refresh, requests are counted per simulated hour: the schedules do not change,
 *   only time passes (stages begin and end, deadlines come within a day). Goal ≤ 400.
 * - tenderAlertExtraMs: the tender lines of a DOWN digest for 600 portals (now … now + 24 h, the
 *   lines worded as alerts show them), the median of repeated runs over an index of 600 portals'
 *   packages. A digest without tender lines does none of this: the extra time is this time. Goal ≤ 50.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import pino from 'pino';
import { createTenderCollector } from '../src/core/tenders/collector.js';
import { tenderLines, tenderSummaries } from '../src/core/tenders/digest.js';
import { createTenderHttp } from '../src/core/tenders/http.js';
import { createTenderIndex } from '../src/core/tenders/tender-index.js';
import type { TenderPackage } from '../src/core/tenders/types.js';
import { openStore } from '../src/store/open-store.js';
import { createTenderStore } from '../src/store/tender-store.js';
import { createFakeSpse, fakePackages, type FakeSpseEndpoint } from '../test/fakes/fake-spse.js';
import { median, percentile, round } from './lib.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Tuesday 10 February 2026, 08:00 WIB. */
const START = Date.UTC(2026, 1, 10, 1, 0);

export interface TenderBenchOptions {
  /** Running packages of the collected portal (default 300). */
  activePackages?: number;
  /** Finished packages also in its lists (default 600). */
  finishedPackages?: number;
  /** Simulated hours counted after the first refresh (default 6). */
  hours?: number;
  /** Portals of the digest (default 600) and running packages of each (default 100). */
  digestPortals?: number;
  packagesPerPortal?: number;
  /** Timed runs of the digest lines (default 30). */
  runs?: number;
  log?: (line: string) => void;
}

/** The collector in steady state against the fake: requests per simulated hour. */
async function collectorRequests(o: Required<Pick<TenderBenchOptions, 'activePackages' | 'finishedPackages' | 'hours'>>, log: (line: string) => void) {
  let now = START;
  const clock = { now: () => now };
  // Tenders live 25 days, non-tenders 6: announced over the last 24 (5) days, all still run at START.
  const tenders = Math.round(o.activePackages * 0.8);
  const packages = [
    ...fakePackages({ count: tenders, kind: 'tender', from: START - 24 * DAY, to: START }),
    ...fakePackages({ count: o.activePackages - tenders, kind: 'nontender', from: START - 5 * DAY, to: START }),
    ...fakePackages({ count: o.finishedPackages, kind: 'tender', from: START - 40 * DAY - 150 * DAY, to: START - 40 * DAY, firstKode: 30_000_064 }),
  ];
  const spse = await createFakeSpse({ now: clock.now, portals: [{ slug: 'gresikkab', name: 'LPSE Kabupaten Gresik', packages }] });
  const store = await openStore('memory://');
  const http = createTenderHttp({ timeoutMs: 20_000, maxBodyBytes: 2_000_000, maxRedirects: 5, userAgent: 'Mozilla/5.0 pantau-lpse-bench' });
  const errors: string[] = [];
  const collector = createTenderCollector({
    fetch: http.fetch,
    clock,
    store: createTenderStore(store.keyv),
    portalHealth: () => 'up',
    logger: pino({ level: 'silent' }),
    countError: (_portal, cause) => errors.push(cause),
    sleep: async (ms) => {
      now += ms;
    },
  });
  const target = { id: 'gresikkab', url: spse.urlOf('gresikkab') };
  const nextMinute = () => {
    now = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  };
  try {
    await collector.recover();
    const wall0 = performance.now();
    // The first refresh: every running package's schedule is new.
    let firstRefreshRequests = 0;
    for (let rounds = 0; rounds < 600; rounds++) {
      const report = await collector.runRound([target]);
      firstRefreshRequests += report.requests;
      nextMinute();
      if (report.refreshed.length > 0) break;
    }
    const firstRefreshMinutes = (now - START) / MINUTE;
    // Steady state: count per simulated hour, from the first refresh's hour on.
    spse.requests.clear();
    const perHour: number[] = [];
    const countedFrom = now;
    for (let hour = 0; hour < o.hours; hour++) {
      let requests = 0;
      const until = countedFrom + (hour + 1) * HOUR;
      while (now < until) {
        requests += (await collector.runRound([target])).requests;
        nextMinute();
      }
      perHour.push(requests);
    }
    const byEndpoint = spse.requests.byEndpoint('gresikkab');
    const schedules = byEndpoint['jadwal-lelang'] + byEndpoint['jadwal-nontender'];
    const active = collector.index.packages('gresikkab').filter((p) => p.active).length;
    log(`  collector: ${active} running packages, first refresh ${firstRefreshRequests} requests in ${firstRefreshMinutes} simulated min; then per hour ${perHour.join(', ')}`);
    return {
      tenderRequestsPerHour: round(perHour.reduce((a, b) => a + b, 0) / perHour.length, 1),
      tenderRequestsMaxHour: Math.max(...perHour),
      firstRefreshRequests,
      firstRefreshMinutes,
      steadySchedulesPerHour: round(schedules / o.hours, 1),
      steadyListPagesPerHour: round((byEndpoint['dt-lelang'] + byEndpoint['dt-pl']) / o.hours, 1),
      requestsByEndpoint: Object.fromEntries(Object.entries(byEndpoint).filter(([, n]) => n > 0)) as Partial<Record<FakeSpseEndpoint, number>>,
      runningPackages: active,
      collectorErrors: errors.length,
      collectorWallSeconds: round((performance.now() - wall0) / 1000, 1),
    };
  } finally {
    await http.close();
    await spse.close();
    await store.close();
  }
}

/** An index of `portals` portals with `perPortal` running packages each, schedules as SPSE's. */
function digestIndex(portals: number, perPortal: number) {
  const template = fakePackages({ count: perPortal, kind: 'tender', from: START - 24 * DAY, to: START });
  const packages: TenderPackage[] = [];
  for (let p = 0; p < portals; p++) {
    for (const pkg of template) {
      packages.push({
        portalId: `p${String(p).padStart(4, '0')}`,
        kode: pkg.kode,
        kind: 'tender',
        name: pkg.name,
        badges: [],
        agency: pkg.agency ?? '',
        stageText: 'Upload Dokumen Penawaran',
        active: true,
        rowFingerprint: 'bench',
        schedule: pkg.schedule.map((s) => ({ stage: s.stage, start: s.start, end: s.end, bidSubmission: s.stage === 'Upload Dokumen Penawaran', changes: 0 })),
        scheduleChanges: 0,
        scheduleFetchedAt: START,
        firstSeenAt: START,
        lastSeenAt: START,
        endChanges: [],
      });
    }
  }
  return packages;
}

/**
 * The tender lines of one DOWN digest for `portalIds`: what the alert path calls (exported so the
 * alert rendering measures the same thing).
 */
export function downDigestTenderLines(index: ReturnType<typeof createTenderIndex>, portalIds: readonly string[], now: number) {
  return tenderLines(index, portalIds, now, now + DAY, { language: 'id', timezone: 'Asia/Jakarta', now });
}

/** A full collection now, so the one the index's build owes does not land in a timed run. */
function settleHeap() {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

async function digestCost(o: Required<Pick<TenderBenchOptions, 'digestPortals' | 'packagesPerPortal' | 'runs'>>, log: (line: string) => void) {
  settleHeap();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const index = createTenderIndex({ now: () => START });
  index.replaceAll(digestIndex(o.digestPortals, o.packagesPerPortal));
  const buildMs = performance.now() - t0;
  settleHeap();
  const heapBytes = process.memoryUsage().heapUsed - heap0;
  const portalIds = index.portalIds();
  const linesMs: number[] = [];
  const queryMs: number[] = [];
  let lines = 0;
  for (let run = 0; run < o.runs + 3; run++) {
    // The digest of a DOWN alert at different hours of a day (the window moves along the schedules).
    const now = START + (run % 24) * HOUR;
    const a = performance.now();
    const result = downDigestTenderLines(index, portalIds, now);
    const b = performance.now();
    tenderSummaries(index, portalIds, now, now + DAY);
    const c = performance.now();
    if (run < 3) continue; // warm-up
    linesMs.push(b - a);
    queryMs.push(c - b);
    lines = [...result.values()].reduce((n, r) => n + r.lines.length, 0);
  }
  log(`  digest: ${o.digestPortals} portals × ${o.packagesPerPortal} packages, ${lines} lines; median ${round(median(linesMs), 2)} ms (query alone ${round(median(queryMs), 2)} ms)`);
  return {
    tenderAlertExtraMs: round(median(linesMs), 2),
    tenderAlertExtraP95Ms: round(percentile(linesMs, 95), 2),
    tenderQueryOnlyMs: round(median(queryMs), 2),
    digestLines: lines,
    digestPackages: index.size(),
    indexBuildMs: round(buildMs, 1),
    heapBytesPerPackage: Math.round(heapBytes / Math.max(1, index.size())),
  };
}

/** Both measurements; see the file's head. */
export async function benchTenders(options: TenderBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = options.log ?? (() => undefined);
  const collector = await collectorRequests(
    { activePackages: options.activePackages ?? 300, finishedPackages: options.finishedPackages ?? 600, hours: options.hours ?? 6 },
    log,
  );
  const digest = await digestCost({ digestPortals: options.digestPortals ?? 600, packagesPerPortal: options.packagesPerPortal ?? 100, runs: options.runs ?? 30 }, log);
  return { ...collector, ...digest };
}
