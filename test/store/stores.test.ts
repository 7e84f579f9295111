import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { initialStatus, step } from '../../src/core/state-machine.js';
import type { CheckSample } from '../../src/core/stats.js';
import type { ChatRecord, ChatRef, Classification, Incident, OutboxBatch, PortalStatus } from '../../src/core/types.js';
import { createHistoryStore } from '../../src/store/history-store.js';
import { createMaintenanceStore } from '../../src/store/maintenance-store.js';
import { openStore, StoreError, type Store } from '../../src/store/open-store.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createStateStore } from '../../src/store/state-store.js';
import { createSubscriptionStore } from '../../src/store/subscription-store.js';
import { createRefusedPort } from '../fakes/fake-portal.js';
import { availableBackends, captureLogger, useTestStores, writeRaw } from '../helpers/stores.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pantau-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const backends = availableBackends();
for (const [name, variable] of [['redis', 'REDIS_URL'], ['postgres', 'DATABASE_URL']] as const) {
  if (!backends.find((b) => b.name === name)?.enabled) console.log(`stores.test.ts: ${name} skipped: ${variable} not set`);
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const down: Classification = {
  state: 'down',
  cause: 'spse_error',
  httpStatus: 500,
  errorCode: '81kep4jo9',
  errorCodeEstimate: '2023-05-25T08:48:09.749Z',
  detail: 'SPSE error page, Kode Error 81kep4jo9 (HTTP 500)',
  networkLevel: false,
};

/** A status with an open incident and a DOWN waiting for the outbox, as the monitor writes it. */
function downStatus(portalId: string): PortalStatus {
  const t = { failuresToDown: 1, successesToUp: 1 };
  const at = Date.UTC(2023, 4, 26, 1, 0);
  return step(initialStatus(portalId, at), { kind: 'check', at, latencyMs: 812, classification: down }, t, 'cycle-1').status;
}

function incident(id: string, startedAt: string, endedAt: string | null): Incident {
  return {
    id,
    portalId: id.slice(0, id.indexOf(':')),
    startedAt,
    endedAt,
    durationMs: endedAt === null ? null : Date.parse(endedAt) - Date.parse(startedAt),
    cause: 'spse_error',
    httpStatus: 500,
    errorCode: '81kep4jo9',
    errorCodeEstimate: null,
    detail: 'SPSE error page',
    checksFailed: 2,
  };
}

const telegram = (chatId: string, threadId: string | null = null): ChatRef => ({ platform: 'telegram', chatId, threadId, guildId: null });
const discord = (chatId: string, guildId: string): ChatRef => ({ platform: 'discord', chatId, threadId: null, guildId });
const summary = (records: ChatRecord[]) =>
  records
    .map((r) => `${r.chat.platform}:${r.chat.chatId}${r.chat.threadId ? `#${r.chat.threadId}` : ''}=${[...r.portals].sort().join(',')}`)
    .sort();

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`stores over ${backend.name}`, () => {
    // A store of this file's own: a redis-server, a PostgreSQL database, a SQLite file per test.
    const stores = useTestStores(backend.name);
    let store: Store;

    /** The same data through a new store instance (a restart); memory can only share its Keyv. */
    const reopen = () => stores.reopen(store);

    beforeEach(async () => {
      store = await stores.open();
    });

    it('opens as the right kind, with a description safe to log', () => {
      expect(store.kind).toBe(backend.name);
      expect(store.description).not.toMatch(/:[^:@/]+@/);
    });

    it('state: a status written is read back whole, also after a restart', async () => {
      const states = createStateStore(store.keyv);
      const gresik = downStatus('gresikkab');
      const bartim = downStatus('bartimkab');
      expect(await states.get('gresikkab')).toBeUndefined();
      await states.setMany([gresik, bartim]);
      expect(await states.get('gresikkab')).toEqual(gresik);

      const again = createStateStore((await reopen()).keyv);
      const many = await again.getMany(['gresikkab', 'bartimkab', 'acehprov']);
      expect([...many.keys()].sort()).toEqual(['bartimkab', 'gresikkab']);
      expect(many.get('bartimkab')).toEqual(bartim);
      expect(many.get('gresikkab')?.pendingTransitions[0]).toMatchObject({ kind: 'down', cycleId: 'cycle-1', errorCode: '81kep4jo9' });
      expect(many.get('gresikkab')?.openIncident).toMatchObject({ id: 'gresikkab:1', endedAt: null });
    });

    it('subscriptions: subscribe, unsubscribe, move and remove survive a restart', async () => {
      let clock = Date.UTC(2026, 0, 1);
      const subs = createSubscriptionStore(store.keyv, () => clock);
      await subs.load();
      expect(subs.all()).toEqual([]);

      expect(await subs.subscribe(telegram('-100'), ['gresikkab', 'bartimkab'], 'LPSE Watchers')).toEqual({ added: ['gresikkab', 'bartimkab'], already: [] });
      expect(await subs.subscribe(telegram('-100'), ['gresikkab', 'surabayakota', 'surabayakota'])).toEqual({ added: ['surabayakota'], already: ['gresikkab'] });
      await subs.subscribe(telegram('-100', '7'), ['acehprov']);
      await subs.subscribe(telegram('555'), ['gresikkab']);
      await subs.subscribe(discord('c1', 'g1'), ['gresikkab']);
      await subs.subscribe(discord('c2', 'g1'), ['bartimkab']);
      await subs.subscribe(discord('c3', 'g2'), ['gresikkab']);
      expect(await subs.unsubscribe(telegram('-100'), ['bartimkab', 'nonexistent'])).toEqual({ removed: ['bartimkab'] });
      expect(await subs.unsubscribe(telegram('999'), 'all')).toEqual({ removed: [] });
      clock += 60_000;
      const updated = await subs.update(telegram('-100'), { language: 'en', notifyDegraded: true });
      expect(updated).toMatchObject({ title: 'LPSE Watchers', language: 'en', notifyDegraded: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:01:00.000Z' });

      // A Telegram group upgraded to a supergroup: the main chat and its topic move; 555 merges into the target.
      await subs.subscribe(telegram('-100200'), ['bartimkab']);
      const moved = await subs.moveChat('telegram', '-100', '-100200');
      expect(summary(moved)).toEqual(['telegram:-100200#7=acehprov', 'telegram:-100200=bartimkab,gresikkab,surabayakota']);
      // The bot left guild g1: both of its channels go.
      const removed = await subs.removeWhere((r) => r.chat.platform === 'discord' && r.chat.guildId === 'g1');
      expect(summary(removed)).toEqual(['discord:c1=gresikkab', 'discord:c2=bartimkab']);
      expect(await subs.removeChat(telegram('555'))).toMatchObject({ portals: ['gresikkab'] });

      const expected = ['discord:c3=gresikkab', 'telegram:-100200#7=acehprov', 'telegram:-100200=bartimkab,gresikkab,surabayakota'];
      expect(summary(subs.all())).toEqual(expected);

      const again = createSubscriptionStore((await reopen()).keyv);
      await again.load();
      expect(summary(again.all())).toEqual(expected);
      expect(again.get(telegram('-100'))).toBeUndefined();
      expect(again.get(telegram('-100200'))).toMatchObject({ language: null });
      expect(summary(again.subscribersOf('gresikkab'))).toEqual(['discord:c3=gresikkab', 'telegram:-100200=bartimkab,gresikkab,surabayakota']);
      expect([...again.subscribedPortalIds()].sort()).toEqual(['acehprov', 'bartimkab', 'gresikkab', 'surabayakota']);
    });

    it('subscriptions: a chat that unsubscribed from everything keeps its settings', async () => {
      const subs = createSubscriptionStore(store.keyv);
      await subs.load();
      await subs.subscribe(telegram('42'), ['gresikkab']);
      await subs.update(telegram('42'), { language: 'en' });
      expect(await subs.unsubscribe(telegram('42'), 'all')).toEqual({ removed: ['gresikkab'] });
      expect(subs.subscribersOf('gresikkab')).toEqual([]);
      const again = createSubscriptionStore((await reopen()).keyv);
      await again.load();
      expect(again.get(telegram('42'))).toMatchObject({ portals: [], language: 'en' });
    });

    describe('history', () => {
      const NOW = Date.UTC(2025, 5, 15, 12, 30);
      const samples = (at: number, observed: CheckSample['observed'], n: number, latencyMs: number | null = 300, portalId = 'gresikkab') =>
        Array.from({ length: n }, (_, i): CheckSample => ({ portalId, at: at + i, observed, latencyMs }));

      it('uptime over 24 h, 7 and 30 days; blocked checks count for nothing', async () => {
        const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        await history.recordChecks([
          ...samples(NOW - 20 * 60_000, 'up', 90, 40),
          ...samples(NOW - 15 * 60_000, 'degraded', 8, 900),
          ...samples(NOW - 10 * 60_000, 'up', 2, 4000),
          ...samples(NOW - 5 * 60_000, 'down', 10, 20_000),
          ...samples(NOW - 4 * 60_000, 'blocked', 5, 100),
        ]);
        // Written in a second call: buckets accumulate.
        await history.recordChecks([
          ...samples(NOW - 25 * HOUR_MS, 'down', 10),
          ...samples(NOW - 3 * DAY_MS, 'down', 10),
          ...samples(NOW - 3 * DAY_MS + HOUR_MS, 'up', 10),
          ...samples(NOW - 20 * DAY_MS, 'up', 10),
          ...samples(NOW - 40 * DAY_MS, 'down', 10),
          ...samples(NOW, 'up', 1, 100, 'bartimkab'),
        ]);

        const expected = { h24: 100 / 110, d7: 110 / 140, d30: 120 / 150 };
        expect(await history.uptime('gresikkab', NOW)).toEqual(expected);
        expect(await history.uptime('acehprov', NOW)).toEqual({ h24: null, d7: null, d30: null });

        const again = createHistoryStore((await reopen()).keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        const many = await again.uptimeMany(['gresikkab', 'bartimkab'], NOW);
        expect(many.get('gresikkab')).toEqual(expected);
        expect(many.get('bartimkab')).toEqual({ h24: 1, d7: 1, d30: 1 });
        expect((await again.daily('gresikkab', NOW, 30)).map((d) => [d.day, d.checks, d.failures])).toEqual([
          ['2025-05-26', 10, 0],
          ['2025-06-12', 20, 10],
          ['2025-06-14', 10, 10],
          ['2025-06-15', 110, 10],
        ]);
      });

      it('latency percentiles and hourly averages from healthy checks only', async () => {
        const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        await history.recordChecks([
          ...samples(NOW - 20 * 60_000, 'up', 90, 40),
          ...samples(NOW - 15 * 60_000, 'degraded', 8, 900),
          ...samples(NOW - 10 * 60_000, 'up', 2, 4000),
          ...samples(NOW - 5 * 60_000, 'down', 10, 20_000),
          ...samples(NOW - 3 * HOUR_MS, 'up', 4, 100),
          ...samples(NOW - 3 * HOUR_MS, 'up', 1, null),
        ]);
        const stats = await history.latency('gresikkab', NOW);
        expect({ p50: stats.p50, p95: stats.p95, p99: stats.p99 }).toEqual({ p50: 50, p95: 1000, p99: 5000 });
        expect(stats.hourly).toHaveLength(24);
        expect(stats.hourly.at(-1)).toBeCloseTo((90 * 40 + 8 * 900 + 2 * 4000) / 100);
        expect(stats.hourly.at(-4)).toBe(100);
        expect(stats.hourly.filter((h) => h !== null)).toHaveLength(2);
        expect(await history.latency('acehprov', NOW)).toMatchObject({ p50: null, p95: null, p99: null });

        // What is stored is the documented JSON shape, and a fresh reader (nothing hot) agrees.
        const day = new Date(NOW).toISOString().slice(0, 10);
        const stored = (await store.keyv.get(`hourly:gresikkab:${day}`)) as { day: string; hours: Record<string, Record<string, unknown>> };
        const hour = String(new Date(NOW - 20 * 60_000).getUTCHours());
        expect(stored.day).toBe(day);
        expect(stored.hours[hour]).toMatchObject({ checks: 110, failures: 10, latencyCount: 100, latencySumMs: 90 * 40 + 8 * 900 + 2 * 4000 });
        expect((stored.hours[hour]!.histogram as number[]).reduce((a, b) => a + b, 0)).toBe(100);
        const again = createHistoryStore((await reopen()).keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        expect(await again.latency('gresikkab', NOW)).toEqual(stats);
      });

      it('a latency beyond the last bound reports the largest finite bound', async () => {
        const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        await history.recordChecks(samples(NOW - 60_000, 'degraded', 3, 45_000));
        expect(await history.latency('gresikkab', NOW)).toMatchObject({ p50: 20_000, p99: 20_000 });
      });

      it('incidents are upserted by id, newest first, and old closed ones expire', async () => {
        const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        const now = Date.now();
        const iso = (ms: number) => new Date(ms).toISOString();
        const ancient = incident('gresikkab:1', iso(now - 600 * DAY_MS), iso(now - 599 * DAY_MS));
        const longOpen = incident('gresikkab:3', iso(now - 500 * DAY_MS), null);
        await history.upsertIncidents([ancient, longOpen]);
        const opened = incident('gresikkab:7', iso(now - 2 * HOUR_MS), null);
        await history.upsertIncidents([opened]);
        const closed = incident('gresikkab:7', opened.startedAt, iso(now - HOUR_MS));
        await history.upsertIncidents([closed, incident('bartimkab:2', iso(now), null)]);

        const again = createHistoryStore((await reopen()).keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
        const list = await again.incidents('gresikkab');
        // One record per id (the closed version), the ancient closed one pruned, the open one kept.
        expect(list.map((i) => [i.id, i.endedAt === null ? 'open' : 'closed'])).toEqual([
          ['gresikkab:7', 'closed'],
          ['gresikkab:3', 'open'],
        ]);
        expect(list[0]).toEqual(closed);
        expect(await again.incidents('gresikkab', 1)).toEqual([closed]);
        expect((await again.incidents('bartimkab')).map((i) => i.portalId)).toEqual(['bartimkab']);
      });
    });

    describe('outbox', () => {
      const transition = downStatus('gresikkab').pendingTransitions[0]!;
      const batch = (id: string): OutboxBatch => ({
        id,
        createdAt: '2023-05-26T01:00:00.000Z',
        transitions: [transition],
        messages: [
          { key: `${id}|telegram:-100`, chat: telegram('-100'), transitionIds: [transition.id] },
          { key: `${id}|discord:c1`, chat: discord('c1', 'g1'), transitionIds: [transition.id] },
        ],
      });

      it('adds a batch once per id and remembers what was delivered across a restart', async () => {
        const outbox = createOutboxStore(store.keyv, () => Date.UTC(2023, 4, 26, 1, 1));
        expect(await outbox.add(batch('cycle-1'))).toBe(true);
        expect(await outbox.add(batch('cycle-1'))).toBe(false);
        expect(await outbox.add(batch('cycle-2'))).toBe(true);
        expect(await outbox.pendingCount()).toBe(2);
        expect(await outbox.doneKeys(batch('cycle-1'))).toEqual(new Set());

        await outbox.markDone([{ key: 'cycle-1|telegram:-100', result: 'sent' }]);

        const again = createOutboxStore((await reopen()).keyv);
        expect((await again.pendingBatches()).map((b) => b.id)).toEqual(['cycle-1', 'cycle-2']);
        expect((await again.pendingBatches())[0]).toEqual(batch('cycle-1'));
        expect(await again.doneKeys(batch('cycle-1'))).toEqual(new Set(['cycle-1|telegram:-100']));
        expect(await again.add(batch('cycle-1'))).toBe(false);

        await again.markDone([{ key: 'cycle-1|discord:c1', result: 'dropped: unknown channel' }]);
        expect((await again.doneKeys(batch('cycle-1'))).size).toBe(2);
        await again.complete('cycle-1');
        expect(await again.pendingCount()).toBe(1);
        expect((await again.pendingBatches()).map((b) => b.id)).toEqual(['cycle-2']);
        // Completed: delivery markers stay, so a replay of the same batch sends nothing twice.
        expect((await again.doneKeys(batch('cycle-1'))).size).toBe(2);
      });
    });

    it('maintenance: ad-hoc windows are listed until they end', async () => {
      const maintenance = createMaintenanceStore(store.keyv);
      const now = Date.UTC(2026, 0, 1, 10);
      await maintenance.declare({ portalId: 'gresikkab', until: '2026-01-01T12:00:00.000Z', reason: 'upgrade', by: 'telegram:1' }, now);
      await maintenance.declare({ portalId: 'gresikkab', until: '2026-01-01T14:00:00.000Z', reason: 'upgrade, lagi', by: 'telegram:1' }, now);
      await maintenance.declare({ portalId: 'bartimkab', until: '2026-01-01T11:00:00.000Z', reason: 'server', by: 'discord:2' }, now);
      const again = createMaintenanceStore((await reopen()).keyv);
      expect((await again.list(now)).map((e) => [e.portalId, e.reason])).toEqual([
        ['gresikkab', 'upgrade, lagi'],
        ['bartimkab', 'server'],
      ]);
      expect((await again.list(now + 1.5 * HOUR_MS)).map((e) => e.portalId)).toEqual(['gresikkab']);
      expect(await again.end('gresikkab', now)).toBe(true);
      expect(await again.end('gresikkab', now)).toBe(false);
      expect((await again.list(now)).map((e) => e.portalId)).toEqual(['bartimkab']);
    });

    it('lease: one holder at a time; the other takes over when it lapses, with a higher epoch', async () => {
      const other = stores.shared ? (await reopen()).lease : store.lease;
      const tag = Math.random().toString(36).slice(2, 8);
      const [a, b] = [`replica-a-${tag}`, `replica-b-${tag}`];
      // Long enough that a busy machine (the whole suite at once) cannot let it lapse between two steps.
      const ttlMs = 1500;
      try {
        // Two replicas race: exactly one wins.
        const race = await Promise.all([store.lease.tryAcquire(a, ttlMs), other.tryAcquire(b, ttlMs)]);
        expect(race.filter((epoch) => epoch !== null)).toHaveLength(1);
        const first = (race[0] ?? race[1])!;
        const [holder, holderLease, waiter, waiterLease] = race[0] !== null ? [a, store.lease, b, other] : [b, other, a, store.lease];

        expect(await waiterLease.tryAcquire(waiter, ttlMs)).toBeNull();
        expect(await holderLease.tryAcquire(holder, ttlMs)).toBe(first); // renewal keeps the epoch
        await waiterLease.release(waiter); // not the holder: no effect
        expect(await waiterLease.tryAcquire(waiter, ttlMs)).toBeNull();

        await sleep(ttlMs + 200);
        const second = await waiterLease.tryAcquire(waiter, ttlMs);
        expect(second).toBeGreaterThan(first);
        expect(await holderLease.tryAcquire(holder, ttlMs)).toBeNull();

        await waiterLease.release(waiter);
        expect(await holderLease.tryAcquire(holder, ttlMs)).toBeGreaterThan(second!);
      } finally {
        await store.lease.release(a);
        await store.lease.release(b);
      }
    });

    describe('unreadable records are set aside, not fatal', () => {
      const variants = [
        { name: 'a garbage string', plant: (key: string) => writeRaw(store, key, 'garbage{"'), raw: 'garbage{"', problem: /not JSON/ },
        {
          name: 'a schema-invalid object',
          plant: (key: string) => store.keyv.set(key, { portalId: 'x', state: 'sideways', chat: 'nobody' }),
          raw: '"sideways"',
          problem: /state|chat/,
        },
      ];
      for (const variant of variants) {
        it(`${variant.name} under state:x is skipped, kept under a quarantine key and logged`, async () => {
          const { logger, lines } = captureLogger();
          await variant.plant('state:x');
          const states = createStateStore(store.keyv, { logger });
          await states.setMany([downStatus('gresikkab')]);

          const many = await states.getMany(['x', 'gresikkab']);
          expect([...many.keys()]).toEqual(['gresikkab']);
          expect(await states.get('x')).toBeUndefined();

          const [entry, ...others] = await store.quarantined();
          expect(others).toEqual([]);
          expect(entry).toMatchObject({ originalKey: 'state:x', key: expect.stringMatching(/^quarantine:state:x:\d{4}-/) });
          expect(entry!.problem).toMatch(variant.problem);
          const kept = (await store.keyv.get(entry!.key)) as { key: string; raw: string; problem: string };
          expect(kept).toMatchObject({ key: 'state:x', problem: entry!.problem });
          expect(kept.raw).toContain(variant.raw);

          const line = lines.find((l) => l.key === 'state:x');
          expect(line).toMatchObject({ component: 'store', level: 50, quarantineKey: entry!.key });
          expect(String(line!.msg)).toContain('state:x');
          expect(String(line!.problem)).toMatch(variant.problem);

          // Set aside once: the key is free again, and a good record written there reads back.
          lines.length = 0;
          expect(await states.get('x')).toBeUndefined();
          expect(lines).toEqual([]);
          await states.setMany([{ ...downStatus('x') }]);
          expect((await states.get('x'))?.portalId).toBe('x');
          expect(await store.quarantined()).toHaveLength(1);
        });

        it(`${variant.name} under chat:telegram:1 is skipped when the chats load`, async () => {
          const { logger, lines } = captureLogger();
          const writer = createSubscriptionStore(store.keyv);
          await writer.load();
          await writer.subscribe(telegram('2'), ['gresikkab']);
          await variant.plant('chat:telegram:1');

          const subs = createSubscriptionStore((await reopen()).keyv, Date.now, { logger });
          await subs.load();
          expect(summary(subs.all())).toEqual(['telegram:2=gresikkab']);
          expect((await store.quarantined()).map((q) => q.originalKey)).toEqual(['chat:telegram:1']);
          expect(lines.find((l) => l.key === 'chat:telegram:1')).toMatchObject({ component: 'store', level: 50 });
          // The chat can subscribe again from scratch.
          await subs.subscribe(telegram('1'), ['bartimkab']);
          const again = createSubscriptionStore((await reopen()).keyv);
          await again.load();
          expect(summary(again.all())).toEqual(['telegram:1=bartimkab', 'telegram:2=gresikkab']);
        });
      }

      it('an unreadable outbox batch is set aside; the others are still sent', async () => {
        const outbox = createOutboxStore(store.keyv);
        await outbox.add({ id: 'cycle-2', createdAt: '2023-05-26T01:00:00.000Z', transitions: [], messages: [] });
        await store.keyv.set('outbox:batch:cycle-1', { id: 'cycle-1', messages: 'none' });
        await writeRaw(store, 'outbox:batch:cycle-3', '{"value":');
        expect((await outbox.pendingBatches()).map((b) => b.id)).toEqual(['cycle-2']);
        expect((await store.quarantined()).map((q) => q.originalKey).sort()).toEqual(['outbox:batch:cycle-1', 'outbox:batch:cycle-3']);
      });

      it('Keyv itself reads a record that is not JSON as a marker instead of throwing', async () => {
        await writeRaw(store, 'state:x', 'garbage');
        await expect(store.keyv.get('state:x')).resolves.toBeDefined();
        await expect(store.keyv.getMany(['state:x', 'state:y'])).resolves.toHaveLength(2);
      });
    });

    // Memory cannot be closed, and the Redis client reconnects on demand after close() by design.
    it.skipIf(backend.name === 'memory' || backend.name === 'redis')('a closed store throws instead of answering undefined', async () => {
      await createStateStore(store.keyv).setMany([downStatus('gresikkab')]);
      await store.close();
      // A failure of the store itself is never mistaken for a bad record: it throws.
      await expect(createStateStore(store.keyv).get('gresikkab')).rejects.toThrow(StoreError);
    });
  });
}

describe('openStore', () => {
  it('refuses a sqlite file it cannot create', async () => {
    const notADirectory = path.join(dir, 'plain-file');
    writeFileSync(notADirectory, 'x');
    await expect(openStore(`sqlite://${path.join(notADirectory, 'pantau.sqlite')}`, dir)).rejects.toThrow();
  });

  it('refuses a PostgreSQL server that does not answer', async () => {
    const { port } = await createRefusedPort();
    await expect(openStore(`postgresql://pantau@127.0.0.1:${port}/pantau`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses an unknown scheme with a StoreError', async () => {
    await expect(openStore('mysql://localhost/pantau')).rejects.toThrow(StoreError);
  });

  it('resolves a relative sqlite path against the working directory', async () => {
    const store = await openStore('sqlite://nested/dir/pantau.sqlite', dir);
    try {
      expect(store.description).toBe(`sqlite://${path.join(dir, 'nested/dir/pantau.sqlite')}`);
    } finally {
      await store.close();
    }
  });
});
