/**
 * Figures 2 and 4 in a process of their own: the app in catalog mode (the built-in 600-portal
 * catalog, its addresses pointed at the fake farm) on a SQLite store holding 30 days of synthetic
 * history, a few full check cycles, then the status page (in process and over loopback HTTP) and
 * `/status <portal>` answers. RSS is sampled every 50 ms from the first line on.
 */
import { failWorker, serveWorker } from './lib.js';

const MB = 2 ** 20;
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
const marks: Record<string, number> = { start: Math.round(peakRss / MB) };
const startedAt = performance.now();
const mark = (name: string) => {
  const rss = process.memoryUsage.rss();
  peakRss = Math.max(peakRss, rss);
  marks[name] = Math.round(rss / MB);
  const usage = process.memoryUsage();
  const mb = (n: number) => Math.round(n / MB);
  process.stderr.write(
    `  app-worker: ${name} at ${((performance.now() - startedAt) / 1000).toFixed(1)} s, rss ${marks[name]} MB (heap ${mb(usage.heapUsed)}/${mb(usage.heapTotal)}, external ${mb(usage.external)}, arrayBuffers ${mb(usage.arrayBuffers)})\n`,
  );
};

interface Args {
  urls: string[];
  days: number;
  cycles: number;
  renders: number;
  commands: number;
  timeoutSeconds: number;
  /** `seed` writes the history and exits; `measure` opens the seeded store and measures. */
  mode: 'seed' | 'measure';
  dir: string;
  /** Bench-side store tuning: journal_mode=WAL, synchronous=NORMAL (see the report). */
  wal: boolean;
}

async function main() {
  const args = JSON.parse(process.env.BENCH_ARGS ?? '{}') as Args;
  const path = await import('node:path');
  const { default: pino } = await import('pino');
  const { request } = await import('undici');
  const { createApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { loadBuiltInCatalog } = await import('../src/core/catalog/index.js');
  const { createPageRenderers } = await import('../src/http/page-routes.js');
  const { healthReport } = await import('../src/health.js');
  const { renderReply } = await import('../src/platforms/telegram/format.js');
  const { commands } = await import('../commands/registry.js');
  const { LATENCY_BOUNDS_MS } = await import('../src/core/stats.js');
  const { percentile, round, seeded } = await import('./lib.js');
  mark('imported');

  const dir = args.dir;
  const timings: Record<string, number> = {};
  {
    const catalogPortals = loadBuiltInCatalog().map((p, i) => ({ ...p, url: args.urls[i % args.urls.length]! }));
    const ids = catalogPortals.map((p) => p.id);
    const file = {
      check: { timeoutSeconds: args.timeoutSeconds, maxConcurrentPerHost: 50, maxConcurrency: 200, maxRequestsPerSecondPerHost: 10_000, referenceUrls: [] },
    };
    const config = loadConfig(JSON.stringify(file), { STORE_URL: `sqlite://${path.join(dir, 'pantau.sqlite')}`, LOG_LEVEL: 'silent', HTTP_PORT: '0' }, 'bench');
    const app = await createApp(config, {
      logger: pino({ level: 'silent' }),
      ticker: { start: () => undefined, stop: async () => undefined },
      catalogPortals,
    });
    mark('appCreated');
    const sql = (app.store.keyv.store as { query?: (q: string) => Promise<unknown> }).query;
    if (args.wal && sql) {
      await sql('PRAGMA journal_mode=WAL');
      await sql('PRAGMA synchronous=NORMAL');
    }
    // Count what the app writes to the store per cycle.
    const writes = { keys: 0, calls: 0 };
    const keyv = app.store.keyv;
    const origSet = keyv.set.bind(keyv);
    const origSetMany = keyv.setMany.bind(keyv);
    keyv.set = ((key: string, value: unknown, ttl?: number) => {
      writes.keys++;
      writes.calls++;
      return origSet(key, value, ttl);
    }) as typeof keyv.set;
    keyv.setMany = ((entries: Array<{ key: string; value: unknown; ttl?: number }>) => {
      writes.keys += entries.length;
      writes.calls++;
      return origSetMany(entries);
    }) as typeof keyv.setMany;
    if (args.mode === 'measure') return measure();


    // --- 30 days of history, written at the stored shape ---------------------------------------
    // What 1-minute checks leave behind: per portal and UTC day one `hourly:<id>:<day>` record
    // (24 buckets of 60 checks with a latency histogram, TTL bucketRetentionDays), one
    // `daily:<id>` list, and a few incidents. 26 M samples through recordChecks would take hours.
    const t0 = performance.now();
    const rng = seeded(42);
    const now = Date.now();
    const HOUR = 3_600_000;
    const DAY = 86_400_000;
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const ttl = config.history.bucketRetentionDays * DAY;
    // @keyv/sqlite has no setMany: Keyv falls back to one autocommitted INSERT per key (an fsync
    // each). Seeding writes the same rows Keyv would (`pantau:<key>` → {"value","expires"} JSON)
    // with multi-row INSERTs inside one transaction instead.
    const query = (app.store.keyv.store as { query: (q: string, ...p: unknown[]) => Promise<unknown> }).query;
    let records = 0;
    let pending: Array<[string, string]> = [];
    const writePending = async () => {
      if (pending.length === 0) return;
      const rows = pending;
      pending = [];
      await query(`INSERT INTO keyv (key, value) VALUES ${rows.map(() => '(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET value=excluded.value`, rows.flat());
    };
    const put = async (key: string, value: unknown, ttlMs?: number) => {
      pending.push([`pantau:${key}`, JSON.stringify({ value, expires: ttlMs ? now + ttlMs : undefined })]);
      records++;
      if (pending.length >= 200) await writePending();
    };
    await query('BEGIN');
    const bucket = (checks: number) => {
      const failures = rng() < 0.03 ? Math.floor(rng() * checks) : 0;
      const histogram = LATENCY_BOUNDS_MS.map(() => 0);
      let latencySumMs = 0;
      for (let k = 0; k < checks - failures; k++) {
        const latency = 80 + Math.floor(rng() * rng() * 3000);
        latencySumMs += latency;
        const slot = LATENCY_BOUNDS_MS.findIndex((b) => latency <= b);
        histogram[slot] = (histogram[slot] ?? 0) + 1;
      }
      return { checks, failures, latencySumMs, latencyCount: checks - failures, histogram };
    };
    for (const id of ids) {
      const daily: Array<{ day: string; checks: number; failures: number }> = [];
      for (let d = args.days - 1; d >= 0; d--) {
        const dayStart = Date.parse(`${dayOf(now - d * DAY)}T00:00:00Z`);
        const hours: Record<string, ReturnType<typeof bucket>> = {};
        let checks = 0;
        let failures = 0;
        for (let h = 0; h < 24; h++) {
          const start = dayStart + h * HOUR;
          if (start > now) break;
          const b = bucket(start + HOUR <= now ? 60 : Math.max(1, Math.floor((now - start) / 60_000)));
          hours[String(h)] = b;
          checks += b.checks;
          failures += b.failures;
        }
        await put(`hourly:${id}:${dayOf(dayStart)}`, { day: dayOf(dayStart), hours }, ttl);
        daily.push({ day: dayOf(dayStart), checks, failures });
      }
      await put(`daily:${id}`, daily);
      const incidents = Array.from({ length: 6 }, (_, k) => {
        const startedAt = now - (args.days - k * 5) * DAY + Math.floor(rng() * DAY);
        const durationMs = 60_000 * (5 + Math.floor(rng() * 240));
        return {
          id: `${id}:${k * 2 + 1}`,
          portalId: id,
          startedAt: new Date(startedAt).toISOString(),
          endedAt: new Date(startedAt + durationMs).toISOString(),
          durationMs,
          cause: 'spse_error',
          httpStatus: 500,
          errorCode: '81kep4jo9',
          errorCodeEstimate: null,
          detail: 'Maaf, terjadi error pada aplikasi SPSE',
          checksFailed: 5,
        };
      });
      await put(`incidents:${id}`, incidents);
    }
    await writePending();
    await query('COMMIT');
    // The rows read back through the app's own store and schemas.
    const check = await app.history.uptime(ids[0]!, now);
    if (check.d30 === null) throw new Error('seeded history does not read back');
    timings.seedMs = performance.now() - t0;
    mark('seeded');
    await app.stop();
    return { historyRecords: records, seedSeconds: round(timings.seedMs / 1000, 2), seedPeakRssMb: round(peakRss / MB, 1) };

    async function measure() {

    // --- leader duties, then full check cycles ------------------------------------------------
    // As in production: the app takes the lease (a local one here) and its duties with it.
    await app.start();
    mark('leader');
    const cycleMs: number[] = [];
    const writesPerCycle: number[] = [];
    let t0 = 0;
    for (let i = 0; i < args.cycles; i++) {
      writes.keys = 0;
      t0 = performance.now();
      const report = await app.monitor.runCycle({ all: true });
      cycleMs.push(performance.now() - t0);
      writesPerCycle.push(writes.keys);
      mark(`cycle${i + 1}`);
      if (report.checked !== ids.length) throw new Error(`cycle checked ${report.checked} of ${ids.length}`);
    }
    mark('cycled');

    // --- the status page ----------------------------------------------------------------------
    const renderers = createPageRenderers({ history: app.history, clock: app.clock, timezone: config.timezone, publicUrl: null });
    const ctx = {
      status: app.status,
      portal: (id: string) => app.catalog.get(id),
      health: () => healthReport(app.monitor.health(), { leader: true, startError: null }),
      registry: app.metrics.registry,
      timezone: config.timezone,
      defaultLanguage: config.language,
      logger: app.logger,
    };
    const render = async () => {
      const s = performance.now();
      const page = await renderers.statusPage!(ctx, new URL('http://localhost/'));
      if (page.status !== 200) throw new Error(`status page answered ${page.status}`);
      return { ms: performance.now() - s, bytes: Buffer.byteLength(page.body) };
    };
    for (let i = 0; i < 3; i++) await render();
    const renderMs: number[] = [];
    let pageBytes = 0;
    for (let i = 0; i < args.renders; i++) {
      const r = await render();
      renderMs.push(r.ms);
      pageBytes = r.bytes;
    }
    mark('rendered');

    // The same page over loopback HTTP through the app's own server.
    const base = `http://127.0.0.1:${app.port()}/`;
    const httpMs: number[] = [];
    for (let i = 0; i < Math.min(20, args.renders); i++) {
      const s = performance.now();
      const res = await request(base);
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET / answered ${res.statusCode}`);
      httpMs.push(performance.now() - s);
    }
    mark('http');

    // --- /status <portal> ---------------------------------------------------------------------
    const deps = app.commandDeps;
    const statusCommand = commands.find('status')!;
    const context = {
      chat: { platform: 'telegram' as const, chatId: '4242', threadId: null, guildId: null },
      kind: 'private' as const,
      title: null,
      userId: '4242',
      isAdmin: async () => true,
      isOwner: false,
    };
    const pickRng = seeded(7);
    const commandMs: number[] = [];
    let errors = 0;
    for (let i = 0; i < args.commands + 20; i++) {
      const id = ids[Math.floor(pickRng() * ids.length)]!;
      const s = performance.now();
      const reply = await statusCommand.run({ args: { portal: id }, context, language: 'id' }, deps);
      renderReply(reply, 'id');
      const ms = performance.now() - s;
      if (reply.tone === 'error') errors++;
      if (i >= 20) commandMs.push(ms);
    }
    mark('commands');

    await app.stop();
    clearInterval(sampler);
    const resource = process.resourceUsage();
    const maxRssMb = resource.maxRSS / 1024;
    return {
      peakRssMb: round(Math.max(peakRss / MB, maxRssMb), 1),
      peakRssSampledMb: round(peakRss / MB, 1),
      maxRssMb: round(maxRssMb, 1),
      rssMarksMb: marks,
      heapUsedMbAtEnd: round(process.memoryUsage().heapUsed / MB, 1),
      portals: ids.length,
      historyDays: args.days,
      sqlite: args.wal ? 'journal_mode=WAL, synchronous=NORMAL (set by the bench)' : 'defaults (rollback journal, synchronous=FULL)',
      storeKeysWrittenPerCycle: writesPerCycle,
      cycleMs: cycleMs.map((ms) => round(ms, 0)),
      statusPageP50Ms: round(percentile(renderMs, 50), 2),
      statusPageP95Ms: round(percentile(renderMs, 95), 2),
      statusPageBytes: pageBytes,
      statusPageRenders: renderMs.length,
      statusPageHttpP95Ms: round(percentile(httpMs, 95), 2),
      statusCommandP50Ms: round(percentile(commandMs, 50), 2),
      statusCommandP99Ms: round(percentile(commandMs, 99), 2),
      statusCommandRuns: commandMs.length,
      statusCommandErrors: errors,
    };
    }
  }
}

try {
  const result = await main();
  serveWorker(result, {}, async () => undefined);
} catch (error) {
  failWorker(error);
}
