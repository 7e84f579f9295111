import { afterEach, describe, expect, it } from 'vitest';
import { createChecker } from '../../../src/core/checker.js';
import { classify } from '../../../src/core/classifier.js';
import { StoreError, type TenderStore } from '../../../src/core/ports.js';
import { createTenderCollector, type TenderCollector, type TenderCollectorSettings, type TenderTarget } from '../../../src/core/tenders/collector.js';
import { createTenderHttp } from '../../../src/core/tenders/http.js';
import type { OutageWindow, TenderErrorCause } from '../../../src/core/tenders/types.js';
import type { PortalState } from '../../../src/core/types.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createTenderStore } from '../../../src/store/tender-store.js';
import { createFakeSpse, fakePackages, fakeTenderSchedule, type FakePackage, type FakeSpse } from '../../fakes/fake-spse.js';
import { captureLogger } from '../../helpers/stores.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 1, 10, 1, 0); // 10 Feb 2026 08:00 WIB

interface Harness {
  spse: FakeSpse;
  collector: TenderCollector;
  store: TenderStore;
  rawStore: Store;
  clock: { now(): number; advance(ms: number): void; set(ms: number): void };
  health: Map<string, PortalState>;
  errors: Array<{ portalId: string; cause: TenderErrorCause }>;
  lines: Array<Record<string, unknown>>;
  target: TenderTarget;
  /** Runs rounds a minute apart (as the app does) for `ms` of fake time. */
  runFor(ms: number, targets?: TenderTarget[]): Promise<{ requests: number; refreshed: string[] }>;
  /** Runs rounds until the portal's refresh finished (at most `maxRounds`). */
  refresh(maxRounds?: number): Promise<number>;
  restart(): Promise<TenderCollector>;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function setup(
  options: {
    packages?: FakePackage[];
    settings?: Partial<TenderCollectorSettings>;
    timeoutMs?: number;
    outagesOf?: (portalId: string) => OutageWindow[];
    wrapStore?: (store: TenderStore) => TenderStore;
  } = {},
): Promise<Harness> {
  let now = START;
  const clock = { now: () => now, advance: (ms: number) => void (now += ms), set: (ms: number) => void (now = ms) };
  const spse = await createFakeSpse({
    now: clock.now,
    portals: [{ slug: 'gresikkab', name: 'LPSE Kabupaten Gresik', packages: options.packages ?? [] }],
  });
  const rawStore = await openStore('memory://');
  const http = createTenderHttp({ timeoutMs: options.timeoutMs ?? 2_000, maxBodyBytes: 2_000_000, maxRedirects: 3, userAgent: 'Mozilla/5.0 pantau-lpse-test' });
  open.push(() => spse.close(), () => rawStore.close(), () => http.close());
  const baseStore = createTenderStore(rawStore.keyv);
  const store = options.wrapStore ? options.wrapStore(baseStore) : baseStore;
  const health = new Map<string, PortalState>();
  const errors: Harness['errors'] = [];
  const { logger, lines } = captureLogger('info');
  const make = () =>
    createTenderCollector({
      fetch: http.fetch,
      clock,
      store,
      portalHealth: (id) => health.get(id) ?? 'up',
      logger,
      countError: (portalId, cause) => errors.push({ portalId, cause }),
      // Waiting moves the fake clock: hours of collection run in milliseconds.
      sleep: async (ms) => clock.advance(ms),
      ...(options.outagesOf ? { outagesOf: options.outagesOf } : {}),
      settings: options.settings ?? {},
    });
  const harness: Harness = {
    spse,
    collector: make(),
    store,
    rawStore,
    clock,
    health,
    errors,
    lines,
    target: { id: 'gresikkab', url: spse.urlOf('gresikkab') },
    async runFor(ms, targets) {
      const until = clock.now() + ms;
      let requests = 0;
      const refreshed: string[] = [];
      while (clock.now() < until) {
        const report = await harness.collector.runRound(targets ?? [harness.target]);
        requests += report.requests;
        refreshed.push(...report.refreshed);
        clock.set(Math.max(clock.now(), Math.floor(clock.now() / MINUTE) * MINUTE + MINUTE));
      }
      return { requests, refreshed };
    },
    async refresh(maxRounds = 100) {
      for (let round = 1; round <= maxRounds; round++) {
        const report = await harness.collector.runRound([harness.target]);
        clock.set(Math.floor(clock.now() / MINUTE) * MINUTE + MINUTE);
        if (report.refreshed.includes('gresikkab')) return round;
      }
      throw new Error(`no refresh finished within ${maxRounds} rounds`);
    },
    async restart() {
      harness.collector = make();
      await harness.collector.recover();
      return harness.collector;
    },
  };
  await harness.collector.recover();
  return harness;
}

/** 40 tenders and 10 non-tenders announced over the last 40 days: some running, some done. */
function somePackages(): FakePackage[] {
  return [
    ...fakePackages({ count: 40, kind: 'tender', from: START - 30 * DAY, to: START + 2 * DAY }),
    ...fakePackages({ count: 10, kind: 'nontender', from: START - 8 * DAY, to: START + DAY }),
  ];
}

const running = (packages: FakePackage[], at: number) => packages.filter((p) => Math.max(...p.schedule.map((s) => s.end ?? 0)) > at);
const causes = (errors: Harness['errors']) => [...new Set(errors.map((e) => e.cause))].sort();

describe('collecting a portal’s tenders', () => {
  it('reads both lists and the schedule of every running package, and answers which stages end soon', async () => {
    const packages = somePackages();
    const h = await setup({ packages });
    await h.refresh();

    const active = running(packages, START);
    const byEndpoint = h.spse.requests.byEndpoint('gresikkab');
    expect(byEndpoint).toEqual(expect.objectContaining({ lelang: 1, 'dt-lelang': 1, 'dt-pl': 1 }));
    expect(byEndpoint['jadwal-lelang'] + byEndpoint['jadwal-nontender']).toBe(active.length);
    expect(h.collector.index.packages('gresikkab')).toHaveLength(active.length);
    expect(h.errors).toEqual([]);

    // The answer matches the fake's schedules exactly.
    const from = h.clock.now();
    const expected = active
      .flatMap((p) => p.schedule.filter((s) => s.end! >= from && s.end! <= from + DAY).map((s) => `${p.kode}:${s.stage}:${s.end}`))
      .sort();
    const found = h.collector.index.stagesEndingBetween('gresikkab', from, from + DAY);
    expect(found.map((o) => `${o.kode}:${o.stage}:${o.end}`).sort()).toEqual(expected);
    expect(found.map((o) => o.end)).toEqual([...found.map((o) => o.end)].sort((a, b) => a - b));
    const bid = found.find((o) => o.stage === 'Upload Dokumen Penawaran');
    if (bid) expect(bid.bidSubmission).toBe(true);
  });

  it('sends what the real lists want: POST with the token and cookie, Referer, X-Requested-With, ordered by kode', async () => {
    const h = await setup({ packages: somePackages() });
    const seen: Array<{ url: string; headers: Record<string, string>; body?: string }> = [];
    const http = createTenderHttp({ timeoutMs: 2_000, maxBodyBytes: 2_000_000, maxRedirects: 3, userAgent: 'test' });
    open.push(() => http.close());
    const collector = createTenderCollector({
      fetch: (request) => {
        seen.push({ url: request.url, headers: request.headers ?? {}, ...(request.body !== undefined ? { body: request.body } : {}) });
        return http.fetch(request);
      },
      clock: h.clock,
      store: h.store,
      portalHealth: () => 'up',
      logger: captureLogger().logger,
      sleep: async (ms) => h.clock.advance(ms),
    });
    await collector.runRound([h.target]);
    const list = seen.find((r) => r.url.includes('/dt/lelang'))!;
    expect(list.url).toBe(`${h.spse.urlOf('gresikkab')}/dt/lelang?tahun=2026`);
    expect(list.headers).toEqual(expect.objectContaining({ referer: `${h.spse.urlOf('gresikkab')}/lelang`, 'x-requested-with': 'XMLHttpRequest' }));
    expect(list.headers.cookie).toMatch(/^SPSE_SESSION=/);
    const form = new URLSearchParams(list.body);
    expect(form.get('order[0][column]')).toBe('0');
    expect(form.get('length')).toBe('100');
    expect(form.get('authenticityToken')).toMatch(/^[0-9a-f]{40}$/);
    const schedule = seen.find((r) => r.url.endsWith('/jadwal'))!;
    expect(schedule.headers.referer).toBe(`${h.spse.urlOf('gresikkab')}/lelang`);
  });

  it('pages through a list until a page comes back shorter than 100 rows', async () => {
    const h = await setup({
      packages: [
        ...fakePackages({ count: 200, kind: 'tender', from: START - 60 * DAY, to: START - 40 * DAY }),
        ...fakePackages({ count: 150, kind: 'nontender', from: START - 60 * DAY, to: START - 40 * DAY }),
      ],
    });
    await h.refresh();
    // 100 + 100 + 0: the third page is the short one; 100 + 50.
    expect(h.spse.requests.byEndpoint('gresikkab')).toEqual(expect.objectContaining({ 'dt-lelang': 3, 'dt-pl': 2 }));
    expect(h.errors).toEqual([]);
  });

  it('keeps every tender request to an origin at least requestIntervalMs after the one before, one at a time', async () => {
    const h = await setup({ packages: somePackages() });
    h.spse.addPortal({ slug: 'surabayakota', packages: somePackages() });
    const targets = [h.target, { id: 'surabayakota', url: h.spse.urlOf('surabayakota') }];
    await h.runFor(30 * MINUTE, targets);
    const times = h.spse.requests.log.map((r) => r.at);
    expect(times.length).toBeGreaterThan(50);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1500);
  });

  it('refreshes every hour, and then reads only the schedules that may have moved', async () => {
    const packages = somePackages();
    const h = await setup({ packages });
    await h.refresh();
    h.spse.requests.clear();
    const { requests, refreshed } = await h.runFor(HOUR);
    expect(refreshed).toEqual(['gresikkab']);
    const byEndpoint = h.spse.requests.byEndpoint('gresikkab');
    expect(byEndpoint.lelang).toBe(1);
    // Schedules again only for packages whose row changed (a stage began or ended) or whose next stage ends within a day.
    const schedules = byEndpoint['jadwal-lelang'] + byEndpoint['jadwal-nontender'];
    expect(schedules).toBeLessThan(running(packages, START).length);
    expect(requests).toBe(h.spse.requests.count('gresikkab'));
  });

  it('reads a package’s schedule again when its row changes, and notices the moved end', async () => {
    const packages = fakePackages({ count: 3, kind: 'tender', from: START - 2 * DAY, to: START - DAY });
    const h = await setup({ packages });
    await h.refresh();
    const kode = packages[0]!.kode;
    const oldEnd = packages[0]!.schedule[3]!.end!;
    h.spse.extendStage('gresikkab', kode, 'Upload Dokumen Penawaran', oldEnd + 3 * DAY);
    h.spse.updatePackage('gresikkab', kode, { badges: ['Tender Ulang'] });
    h.clock.advance(HOUR);
    await h.refresh();
    const pkg = h.collector.index.package('gresikkab', kode)!;
    expect(pkg.schedule[3]).toEqual(expect.objectContaining({ stage: 'Upload Dokumen Penawaran', end: oldEnd + 3 * DAY, changes: 1 }));
    expect(pkg.scheduleChanges).toBe(1);
    expect(pkg.badges).toEqual(['Tender Ulang']);
    expect(pkg.endChanges).toEqual([expect.objectContaining({ stage: 'Upload Dokumen Penawaran', previousEnd: oldEnd, end: oldEnd + 3 * DAY })]);
  });

  it('adds packages that appear between refreshes', async () => {
    const h = await setup({ packages: somePackages() });
    await h.refresh();
    const before = h.collector.index.size();
    h.spse.addPackages('gresikkab', fakePackages({ count: 5, kind: 'tender', from: START, to: START + HOUR, firstKode: 90_000_064 }));
    h.clock.advance(HOUR);
    await h.refresh();
    expect(h.collector.index.size()).toBe(before + 5);
    expect(h.collector.index.package('gresikkab', '90000064')?.schedule).toHaveLength(12);
  });

  it.each<PortalState>(['down', 'blocked', 'maintenance', 'unknown'])('collects nothing while the portal is %s', async (state) => {
    const h = await setup({ packages: somePackages() });
    h.health.set('gresikkab', state);
    expect((await h.runFor(2 * HOUR)).requests).toBe(0);
    expect(h.spse.requests.count()).toBe(0);
    h.health.set('gresikkab', 'degraded');
    expect((await h.runFor(5 * MINUTE)).requests).toBeGreaterThan(0);
  });

  it('stops in the middle of a refresh while the portal is down, and goes on from there when it is back', async () => {
    const h = await setup({ packages: somePackages() });
    await h.collector.runRound([h.target]);
    const before = h.spse.requests.count();
    h.health.set('gresikkab', 'down');
    await h.runFor(30 * MINUTE);
    expect(h.spse.requests.count()).toBe(before);
    h.health.set('gresikkab', 'up');
    await h.refresh();
    // It went on with the schedules: the lists were not read again.
    expect(h.spse.requests.byEndpoint('gresikkab')['dt-lelang']).toBe(1);
  });

  it('forgets a package 30 days after its last stage ended', async () => {
    const packages = fakePackages({ count: 4, kind: 'tender', from: START - 2 * DAY, to: START - DAY });
    const h = await setup({ packages });
    await h.refresh();
    expect(h.collector.index.size()).toBe(4);
    const lastEnd = Math.max(...packages.flatMap((p) => p.schedule.map((s) => s.end!)));
    h.clock.set(lastEnd + 29 * DAY);
    await h.runFor(2 * HOUR);
    expect(h.collector.index.size()).toBe(4);
    h.clock.set(lastEnd + 31 * DAY);
    await h.runFor(2 * HOUR);
    expect(h.collector.index.size()).toBe(0);
    expect(await h.store.all()).toEqual([]);
  });

  it('tells a stage that ended inside an outage and was extended afterwards ("diperpanjang")', async () => {
    const announced = START - 5 * DAY;
    const pkg: FakePackage = { kode: '10012345064', kind: 'tender', name: 'Rehabilitasi Gedung', schedule: fakeTenderSchedule(announced) };
    const uploadEnd = pkg.schedule[3]!.end!;
    const outages: OutageWindow[] = [];
    const h = await setup({ packages: [pkg], outagesOf: () => outages });
    h.clock.set(uploadEnd - 3 * HOUR);
    await h.refresh();
    // The portal goes down an hour before the bid deadline and comes back an hour after it.
    outages.push({ id: 'gresikkab:12', startedAt: new Date(uploadEnd - HOUR).toISOString(), endedAt: null });
    h.health.set('gresikkab', 'down');
    await h.runFor(2 * HOUR);
    outages[0] = { ...outages[0]!, endedAt: new Date(uploadEnd + HOUR).toISOString() };
    h.health.set('gresikkab', 'up');
    // The committee extends the upload stage by two days.
    h.spse.extendStage('gresikkab', pkg.kode, 'Upload Dokumen Penawaran', uploadEnd + 2 * DAY);
    await h.runFor(2 * HOUR);
    const extensions = h.collector.index.extensions('gresikkab', pkg.kode, outages);
    expect(extensions).toEqual([expect.objectContaining({ stage: 'Upload Dokumen Penawaran', bidSubmission: true, previousEnd: uploadEnd, end: uploadEnd + 2 * DAY, outageId: 'gresikkab:12' })]);
  });

  it('reads again the schedule of a package whose stage ended inside an outage, even when nothing else says so', async () => {
    const end = START + 3 * HOUR;
    // A row whose text never changes, and no other stage ending within a day of the outage.
    const pkg: FakePackage = {
      kode: '10012345064',
      kind: 'tender',
      name: 'Rehabilitasi Gedung',
      stage: 'Evaluasi Penawaran',
      schedule: [
        { stage: 'Upload Dokumen Penawaran', start: START - 5 * DAY, end },
        { stage: 'Evaluasi Penawaran', start: end, end: end + 5 * DAY },
      ],
    };
    const outage: OutageWindow = { id: 'gresikkab:3', startedAt: end - HOUR, endedAt: end + HOUR };
    for (const outagesOf of [undefined, () => [outage]]) {
      const h = await setup({ packages: [structuredClone(pkg)], ...(outagesOf ? { outagesOf } : {}) });
      await h.refresh();
      h.spse.extendStage('gresikkab', pkg.kode, 'Upload Dokumen Penawaran', end + DAY);
      h.clock.set(end + 2 * HOUR);
      await h.runFor(2 * HOUR);
      const extensions = h.collector.index.extensions('gresikkab', pkg.kode, [outage]);
      // Without the outages the collector has no reason to look again; with them it does.
      expect(extensions.map((e) => e.end)).toEqual(outagesOf ? [end + DAY] : []);
    }
  });

  it('reads a portal of 2,000 packages over several rounds, each within its budget, and finishes within its refreshes', async () => {
    const packages = [
      ...fakePackages({ count: 1_600, kind: 'tender', from: START - 200 * DAY, to: START + 5 * DAY }),
      ...fakePackages({ count: 400, kind: 'nontender', from: START - 40 * DAY, to: START + 2 * DAY }),
    ];
    const h = await setup({ packages });
    const budget = h.collector.settings.roundBudgetMs;
    let rounds = 0;
    let maxRoundMs = 0;
    let finished = 0;
    const active = running(packages, START).length;
    while (rounds < 400 && h.collector.index.packages('gresikkab').filter((p) => p.scheduleFetchedAt !== null && p.active).length < active - 5) {
      const report = await h.collector.runRound([h.target]);
      rounds++;
      maxRoundMs = Math.max(maxRoundMs, report.durationMs);
      finished += report.refreshed.length;
      h.clock.set(Math.floor(h.clock.now() / MINUTE) * MINUTE + MINUTE);
    }
    expect(active).toBeGreaterThan(300);
    expect(maxRoundMs).toBeLessThanOrEqual(budget);
    expect(rounds).toBeGreaterThan(5);
    // More running packages than one refresh reads (300): the next refresh continues.
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(h.clock.now() - START).toBeLessThan(3 * HOUR);
    expect(h.spse.requests.byEndpoint('gresikkab')['dt-lelang']).toBeLessThanOrEqual(17 * (finished + 1));
  });

  it('never runs two rounds at once', async () => {
    const h = await setup({ packages: somePackages() });
    const first = h.collector.runRound([h.target]);
    const second = await h.collector.runRound([h.target]);
    expect(second.overlapped).toBe(true);
    expect((await first).overlapped).toBe(false);
  });

  it('starts again from the store after a restart: the packages and the hour of the last refresh', async () => {
    const h = await setup({ packages: somePackages() });
    await h.refresh();
    const size = h.collector.index.size();
    const collector = await h.restart();
    expect(collector.index.size()).toBe(size);
    h.spse.requests.clear();
    await h.runFor(10 * MINUTE);
    expect(h.spse.requests.count()).toBe(0);
  });
});

describe('portals that refuse tender pages', () => {
  it('pauses collection for a portal that answers 403 on tender pages, and says it is blocked, while its health checks go on', async () => {
    const h = await setup({ packages: somePackages() });
    h.spse.fail('gresikkab', 'jadwal-lelang', 'access-denied');
    await h.runFor(MINUTE);
    expect(h.collector.blocked('gresikkab')).toBe(true);
    expect(h.collector.status('gresikkab')).toEqual(expect.objectContaining({ tendersBlocked: true, blockedCause: 'access_denied' }));
    expect(h.errors.map((e) => e.cause)).toEqual(['access_denied']);
    expect(h.lines).toContainEqual(expect.objectContaining({ component: 'tenders', portalId: 'gresikkab', cause: 'access_denied' }));

    // Paused for 15 minutes: not one tender request.
    const refused = h.spse.requests.count();
    await h.runFor(14 * MINUTE);
    expect(h.spse.requests.count()).toBe(refused);

    // The health check of the same portal still sees it up: refusing tender pages is not an outage.
    const checker = createChecker({ timeoutMs: 2_000, maxBodyBytes: 1_000_000, maxRedirects: 3, userAgent: 'test', maxConcurrentPerHost: 1, maxConcurrency: 1, maxRequestsPerSecondPerHost: Infinity });
    open.push(() => checker.close());
    const result = await checker.check({ id: 'gresikkab', url: h.spse.urlOf('gresikkab') });
    expect(classify(result, { degradedLatencyMs: 5_000, certWarningDays: 14, now: Date.now() }).state).toBe('up');

    // Tried again after the pause, refused again: the pause doubles.
    await h.runFor(2 * MINUTE);
    const blockedUntil = h.collector.status('gresikkab').blockedUntil!;
    expect(blockedUntil - h.clock.now()).toBeGreaterThan(25 * MINUTE);

    // Answered again: collection resumes and the block is lifted.
    h.spse.fail('gresikkab', 'jadwal-lelang', null);
    h.clock.set(blockedUntil);
    await h.refresh();
    expect(h.collector.blocked('gresikkab')).toBe(false);
    expect(h.collector.index.size()).toBeGreaterThan(0);
  });

  it.each([
    ['a Cloudflare challenge', 'cloudflare', 'cloudflare_challenge'],
    ['429', 'rate-limited', 'rate_limited'],
    ['403 Akses Ditolak on the list', 'access-denied', 'access_denied'],
  ] as const)('pauses on %s', async (_what, failure, cause) => {
    const h = await setup({ packages: somePackages() });
    h.spse.fail('gresikkab', 'dt-lelang', failure);
    await h.runFor(MINUTE);
    expect(h.collector.blocked('gresikkab')).toBe(true);
    expect(h.collector.status('gresikkab').blockedCause).toBe(cause);
    expect(h.errors.map((e) => e.cause)).toEqual([cause]);
    expect(h.health.get('gresikkab')).toBeUndefined();
  });

  it('doubles the pause up to six hours', async () => {
    const h = await setup({ packages: somePackages() });
    h.spse.fail('gresikkab', 'lelang', 'access-denied');
    const pauses: number[] = [];
    for (let i = 0; i < 7; i++) {
      await h.collector.runRound([h.target]);
      const until = h.collector.status('gresikkab').blockedUntil!;
      pauses.push(Math.round((until - h.clock.now()) / MINUTE));
      h.clock.set(until);
    }
    expect(pauses).toEqual([15, 30, 60, 120, 240, 360, 360]);
  });

  it('keeps the pause across a restart', async () => {
    const h = await setup({ packages: somePackages() });
    h.spse.fail('gresikkab', 'lelang', 'cloudflare');
    await h.runFor(MINUTE);
    const collector = await h.restart();
    expect(collector.blocked('gresikkab')).toBe(true);
    const before = h.spse.requests.count();
    await h.runFor(10 * MINUTE);
    expect(h.spse.requests.count()).toBe(before);
  });
});

describe('portals that answer badly', () => {
  it('fetches a fresh token once when a list answers HTML, then counts list_not_json and goes on with the other list', async () => {
    const h = await setup({ packages: somePackages() });
    h.spse.fail('gresikkab', 'dt-lelang', 'html');
    await h.refresh();
    expect(causes(h.errors)).toEqual(['list_not_json']);
    expect(h.spse.requests.byEndpoint('gresikkab')).toEqual(expect.objectContaining({ lelang: 2, 'dt-lelang': 2, 'dt-pl': 1 }));
    // The non-tenders were read all the same.
    expect(h.collector.index.packages('gresikkab').some((p) => p.kind === 'nontender')).toBe(true);
    expect(h.lines).toContainEqual(expect.objectContaining({ portalId: 'gresikkab', cause: 'list_not_json', endpoint: 'list_tender' }));
  });

  it('recovers by itself from an expired session', async () => {
    const h = await setup({ packages: somePackages() });
    await h.collector.runRound([h.target]);
    h.spse.expireSessions();
    h.clock.advance(HOUR);
    await h.refresh();
    h.spse.expireSessions();
    await h.runFor(HOUR + MINUTE);
    expect(h.errors).toEqual([]);
  });

  it.each([
    ['an empty list', 'dt-lelang', 'empty', ['list_empty']],
    ['rows with fewer columns', 'dt-pl', 'short-rows', ['row_short']],
    ['rows with fewer cells than SPSE sends but the ones read', 'dt-lelang', 'fewer-cells', ['row_fewer_cells']],
    ['a schedule with unknown stage names', 'jadwal-lelang', 'unknown-stages', ['schedule_unknown_stage']],
    ['a schedule with unparseable dates', 'jadwal-lelang', 'bad-dates', ['schedule_bad_date']],
    ['a schedule page without the table', 'jadwal-lelang', 'no-table', ['schedule_missing']],
    ['a list page without a token', 'lelang', 'missing-token', ['token_missing']],
    ['an error status on schedule pages', 'jadwal-lelang', { kind: 'status', status: 502 }, ['http_status']],
  ] as const)('logs and counts %s, and the rest goes on', async (_what, endpoint, failure, expected) => {
    const h = await setup({ packages: somePackages() });
    h.spse.fail('gresikkab', endpoint, failure);
    await h.refresh();
    expect(causes(h.errors)).toEqual(expected);
    expect(h.lines).toContainEqual(expect.objectContaining({ portalId: 'gresikkab', cause: expected[0] }));
    expect(h.collector.blocked('gresikkab')).toBe(false);
    expect(h.health.get('gresikkab')).toBeUndefined();
    if (endpoint !== 'lelang') expect(h.collector.index.size()).toBeGreaterThan(0);
    // The next refresh works again once the portal does.
    h.spse.fail('gresikkab', endpoint, null);
    h.errors.length = 0;
    h.clock.advance(HOUR);
    await h.refresh();
    expect(h.errors).toEqual([]);
  });

  it('keeps the stages it knew when a schedule shows unknown names or unreadable dates', async () => {
    const h = await setup({ packages: fakePackages({ count: 3, kind: 'tender', from: START - DAY, to: START }) });
    await h.refresh();
    const before = h.collector.index.package('gresikkab', '10000064')!.schedule;
    h.spse.fail('gresikkab', 'jadwal-lelang', 'bad-dates');
    h.spse.updatePackage('gresikkab', '10000064', { name: 'Nama baru' });
    h.clock.advance(HOUR);
    await h.refresh();
    const after = h.collector.index.package('gresikkab', '10000064')!;
    expect(after.name).toBe('Nama baru');
    expect(after.schedule.map((s) => s.end)).toEqual(before.map((s) => s.end));
  });

  it('waits and tries again after a portal that hangs, without holding the round', async () => {
    const h = await setup({ packages: somePackages(), timeoutMs: 300 });
    h.spse.fail('gresikkab', 'dt-lelang', 'hang', { times: 1 });
    const t0 = performance.now();
    await h.collector.runRound([h.target]);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(causes(h.errors)).toEqual(['timeout']);
    expect(h.collector.status('gresikkab').refreshing).toBe(true);
    await h.runFor(10 * MINUTE);
    expect(h.collector.index.size()).toBeGreaterThan(0);
  });

  it('counts a body over the cap and reads nothing of it', async () => {
    const h = await setup({ packages: somePackages() });
    const http = createTenderHttp({ timeoutMs: 2_000, maxBodyBytes: 2_000, maxRedirects: 3, userAgent: 'test' });
    open.push(() => http.close());
    const collector = createTenderCollector({
      fetch: http.fetch,
      clock: h.clock,
      store: h.store,
      portalHealth: () => 'up',
      logger: captureLogger().logger,
      countError: (portalId, cause) => h.errors.push({ portalId, cause }),
      sleep: async (ms) => h.clock.advance(ms),
    });
    await collector.runRound([h.target]);
    expect(causes(h.errors)).toEqual(['body_too_large']);
  });

  it('goes on after the store fails, and writes when it is back', async () => {
    let failing = true;
    const h = await setup({
      packages: somePackages(),
      wrapStore: (store) => ({
        ...store,
        putMany: async (packages) => {
          if (failing) throw new StoreError('store write failed', { code: 'ECONNREFUSED' });
          return store.putMany(packages);
        },
      }),
    });
    await h.collector.runRound([h.target]);
    expect(causes(h.errors)).toEqual(['store_failed']);
    expect(h.collector.index.size()).toBe(0);
    failing = false;
    h.clock.advance(6 * MINUTE);
    await h.refresh();
    expect(h.collector.index.size()).toBeGreaterThan(0);
  });
});
