/**
 * Retention is enforced: SQLite, PostgreSQL and memory never expire keys themselves (Keyv keeps
 * `expires` inside the value and checks it only when the key is read again), so `Store.sweep`
 * deletes them; Redis expires them itself. Incidents are capped per portal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckSample } from '../../src/core/stats.js';
import type { Incident } from '../../src/core/types.js';
import { createHistoryStore } from '../../src/store/history-store.js';
import type { Store } from '../../src/store/open-store.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { availableBackends, useTestStores } from '../helpers/stores.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Adapter = { query?: (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>> } & Map<string, unknown>;

/** Keys (without the namespace) under `prefix`, read straight from the table or the Map. */
async function keysUnder(store: Store, prefix: string): Promise<string[]> {
  const adapter = store.keyv.store as Adapter;
  const full = `pantau:${prefix}`;
  let keys: string[];
  if (store.kind === 'memory') keys = [...adapter.keys()];
  else if (store.kind === 'sqlite') keys = (await adapter.query!('SELECT key FROM keyv')).map((row) => String(row.key));
  else keys = (await adapter.query!('SELECT key FROM pantau_keyv')).map((row) => String(row.key));
  return keys.filter((key) => key.startsWith(full)).map((key) => key.slice('pantau:'.length));
}

/** Rows of the whole table (every namespace), or entries of the memory Map. */
async function rowCount(store: Store): Promise<number> {
  const adapter = store.keyv.store as Adapter;
  if (store.kind === 'memory') return adapter.size;
  if (store.kind === 'sqlite') return Number((await adapter.query!('SELECT count(*) AS n FROM keyv'))[0]!.n);
  return Number((await adapter.query!('SELECT count(*) AS n FROM pantau_keyv'))[0]!.n);
}

afterEach(() => {
  vi.useRealTimers();
});

for (const backend of availableBackends()) {
  describe.skipIf(!backend.enabled)(`retention over ${backend.name}`, () => {
    const stores = useTestStores(backend.name);

    // Redis expires keys itself: nothing to sweep, aged by its own clock.
    it.skipIf(backend.name === 'redis')('a store aged by a year keeps only 35 days of hourly buckets and 30 days of delivery markers after the sweep', async () => {
      const store = await stores.open();
      const now = Date.UTC(2026, 5, 15, 12, 30);
      const portals = ['gresikkab', 'bartimkab'];
      const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
      const outbox = createOutboxStore(store.keyv, () => Date.now());

      // A year of checks and deliveries, each written on its own day (Keyv stamps `expires` from Date.now()).
      vi.useFakeTimers({ toFake: ['Date'] });
      for (let day = 365; day >= 1; day--) {
        const at = now - day * DAY_MS;
        vi.setSystemTime(at);
        const samples = portals.flatMap((portalId) => [0, 6, 12].map((h): CheckSample => ({ portalId, at: at + h * 60_000, observed: 'up', latencyMs: 200 })));
        await history.recordChecks(samples);
        await outbox.markDone(Array.from({ length: 3 }, (_, i) => ({ key: `cycle-${day}|telegram:${i}`, result: 'sent' })));
      }
      vi.useRealTimers();

      const before = await rowCount(store);
      expect(before).toBeGreaterThanOrEqual(365 * (2 + 3));

      // Bounded: each call deletes at most `limit`, and says whether to call again.
      const calls: number[] = [];
      for (;;) {
        const result = await store.sweep(now, { limit: 500 });
        expect(result.deleted).toBeLessThanOrEqual(500);
        calls.push(result.deleted);
        if (!result.more) break;
      }
      expect(calls.length).toBeGreaterThan(2);
      expect(await store.sweep(now)).toEqual({ deleted: 0, more: false });

      // Written on day D, an hourly bucket expires 35 days later: the last 35 days remain.
      const hourlyDays = new Set((await keysUnder(store, 'hourly:')).map((key) => key.split(':')[2]!));
      const expectedDays = Array.from({ length: 35 }, (_, i) => dayOf(now - (i + 1) * DAY_MS)).sort();
      expect([...hourlyDays].sort()).toEqual(expectedDays);
      const markers = await keysUnder(store, 'outbox:done:');
      expect(markers).toHaveLength(30 * 3);

      // Bounded: buckets of 35 days, markers of 30, one daily summary per portal (and the probe-free rest).
      const after = await rowCount(store);
      expect(after).toBeLessThanOrEqual(35 * portals.length + 30 * 3 + portals.length + 5);
      expect(before - after).toBe(calls.reduce((a, b) => a + b, 0));

      // What is left still reads: 30-day uptime comes from the daily summaries, 24 h from the buckets.
      const uptime = await createHistoryStore((await stores.reopen(store)).keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 }).uptime('gresikkab', now);
      expect(uptime.d30).toBe(1);
    });

    it.skipIf(backend.name === 'redis')('the sweep deletes only expired records, also next to unreadable ones', async () => {
      const store = await stores.open();
      await store.keyv.set('hourly:a:2026-01-01', { day: '2026-01-01', hours: {} }, 1);
      await store.keyv.set('state:a', { kept: true });
      await store.keyv.set('outbox:done:x', { at: 'now', result: 'sent' }, DAY_MS);
      await (store.keyv.store as { set(key: string, value: string): unknown }).set('pantau:chat:broken', 'not json');
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await store.sweep(Date.now())).toEqual({ deleted: 1, more: false });
      expect((await keysUnder(store, '')).sort()).toEqual(['chat:broken', 'outbox:done:x', 'state:a']);
    });

    it.runIf(backend.name === 'redis')('Redis expires buckets and markers itself', async () => {
      const store = await stores.open();
      const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
      await history.recordChecks([{ portalId: 'gresikkab', at: Date.now(), observed: 'up', latencyMs: 100 }]);
      await createOutboxStore(store.keyv).markDone([{ key: 'k', result: 'sent' }]);
      const ttl = async (key: string) => Number(await stores.redis!.command(['PTTL', `${stores.redis!.namespace ?? 'pantau'}::${store.keyv.namespace}:${key}`]));
      const hourly = `hourly:gresikkab:${dayOf(Date.now())}`;
      expect(await ttl(hourly)).toBeGreaterThan(34 * DAY_MS);
      expect(await ttl(hourly)).toBeLessThanOrEqual(35 * DAY_MS);
      expect(await ttl('outbox:done:k')).toBeGreaterThan(29 * DAY_MS);
      expect(await store.sweep(Date.now())).toEqual({ deleted: 0, more: false });
    });

    it('incidents are capped per portal: the oldest closed ones go first, an open one stays', async () => {
      const store = await stores.open();
      const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35, maxIncidentsPerPortal: 1000 });
      const start = Date.now() - 300 * DAY_MS;
      const incident = (n: number, open = false): Incident => ({
        id: `gresikkab:${n}`,
        portalId: 'gresikkab',
        startedAt: new Date(start + n * HOUR_MS).toISOString(),
        endedAt: open ? null : new Date(start + n * HOUR_MS + 60_000).toISOString(),
        durationMs: open ? null : 60_000,
        cause: 'timeout',
        httpStatus: null,
        errorCode: null,
        errorCodeEstimate: null,
        detail: '',
        checksFailed: 2,
      });
      // A flapping portal: 1,200 short outages, written a few at a time as the monitor does.
      for (let n = 0; n < 1200; n += 100) await history.upsertIncidents(Array.from({ length: 100 }, (_, i) => incident(n + i)));
      await history.upsertIncidents([incident(1200, true)]);
      await history.upsertIncidents([incident(1201)]);
      await history.upsertIncidents([{ ...incident(0, false), id: 'bartimkab:1', portalId: 'bartimkab' }]);

      const list = await createHistoryStore((await stores.reopen(store)).keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 }).incidents('gresikkab');
      expect(list).toHaveLength(1000);
      expect(list[0]!.id).toBe('gresikkab:1201');
      expect(list.some((i) => i.id === 'gresikkab:1200' && i.endedAt === null)).toBe(true);
      expect(list.at(-1)!.id).toBe('gresikkab:202');
      expect(await history.incidents('bartimkab')).toHaveLength(1);
    });
  });
}
