/**
 * Concurrent updates must not lose each other: the outbox's pending batches and the chats'
 * records were each kept in one index record that every change read-modified-wrote.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRef, OutboxBatch } from '../../src/core/types.js';
import type { Store } from '../../src/store/open-store.js';
import { createOutboxStore } from '../../src/store/outbox-store.js';
import { createSubscriptionStore } from '../../src/store/subscription-store.js';
import { availableBackends, useTestStores } from '../helpers/stores.js';

const telegram = (chatId: string, threadId: string | null = null): ChatRef => ({ platform: 'telegram', chatId, threadId, guildId: null });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const batch = (id: string, createdAt = '2026-01-01T00:00:00.000Z'): OutboxBatch => ({
  id,
  createdAt,
  transitions: [],
  messages: [{ key: `${id}|telegram:-100`, chat: telegram('-100'), transitionIds: [] }],
});

for (const backend of availableBackends()) {
  describe.skipIf(!backend.enabled)(`concurrent updates over ${backend.name}`, () => {
    const stores = useTestStores(backend.name);
    const reopen = (store: Store) => stores.reopen(store);

    it('outbox: a complete 2 ms after an add loses neither', async () => {
      const store = await stores.open();
      const outbox = createOutboxStore(store.keyv);
      for (let round = 0; round < 10; round++) await outbox.add(batch(`old-${round}`));
      // Each round: a new batch is added while an old one completes 2 ms later.
      await Promise.all(
        Array.from({ length: 10 }, async (_, round) => {
          const adding = outbox.add(batch(`new-${round}`));
          await sleep(2);
          await Promise.all([adding, outbox.complete(`old-${round}`)]);
        }),
      );
      const again = createOutboxStore((await reopen(store)).keyv);
      const ids = (await again.pendingBatches()).map((b) => b.id);
      expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, round) => `new-${round}`).sort());
      expect(await again.pendingCount()).toBe(10);
    });

    it('outbox: 50 batches added at once, then 25 completed at once while 25 more are added', async () => {
      const store = await stores.open();
      const outbox = createOutboxStore(store.keyv);
      const first = Array.from({ length: 50 }, (_, i) => batch(`cycle-${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
      expect(await Promise.all(first.map((b) => outbox.add(b)))).toEqual(first.map(() => true));
      await Promise.all([
        ...first.slice(0, 25).map((b) => outbox.complete(b.id)),
        ...Array.from({ length: 25 }, (_, i) => outbox.add(batch(`cycle-${50 + i}`, new Date(Date.UTC(2026, 0, 1, 1, i)).toISOString()))),
      ]);
      const again = createOutboxStore((await reopen(store)).keyv);
      // Oldest first, by creation.
      expect((await again.pendingBatches()).map((b) => b.id)).toEqual(Array.from({ length: 50 }, (_, i) => `cycle-${25 + i}`));
      // Added twice at once: exactly one add wins.
      const twice = await Promise.all([outbox.add(batch('dup')), outbox.add(batch('dup'))]);
      expect(twice.filter(Boolean)).toHaveLength(1);
    });

    it('outbox: batches the old outbox:index had lost are set aside unsent when older than an hour', async () => {
      const store = await stores.open();
      const now = Date.UTC(2026, 0, 2);
      await store.keyv.set('outbox:index', ['listed']);
      await store.keyv.set('outbox:batch:listed', batch('listed', '2026-01-01T00:00:00.000Z'));
      await store.keyv.set('outbox:batch:lost-long-ago', batch('lost-long-ago', '2026-01-01T00:00:00.000Z'));
      await store.keyv.set('outbox:batch:lost-just-now', batch('lost-just-now', new Date(now - 60_000).toISOString()));
      const outbox = createOutboxStore(store.keyv, () => now);
      expect((await outbox.pendingBatches()).map((b) => b.id)).toEqual(['listed', 'lost-just-now']);
      expect(await store.keyv.get('outbox:orphaned:lost-long-ago')).toMatchObject({ id: 'lost-long-ago' });
      expect(await store.keyv.get('outbox:index')).toBeUndefined();
      // Retired once: later batches are all pending whatever their age.
      await outbox.add(batch('later', '2025-01-01T00:00:00.000Z'));
      expect((await outbox.pendingBatches()).map((b) => b.id)).toEqual(['later', 'listed', 'lost-just-now']);
    });

    it('chats: 50 chats subscribing at once are all there after a reload', async () => {
      const store = await stores.open();
      const subs = createSubscriptionStore(store.keyv);
      await subs.load();
      await Promise.all(Array.from({ length: 50 }, (_, i) => subs.subscribe(telegram(`-${1000 + i}`), ['gresikkab'])));
      expect(subs.all()).toHaveLength(50);

      const again = createSubscriptionStore((await reopen(store)).keyv);
      await again.load();
      expect(again.all().map((r) => r.chat.chatId).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `-${1000 + i}`).sort());
      expect(again.subscribersOf('gresikkab')).toHaveLength(50);
    });

    it('chats: one chat subscribing to 20 portals in 20 concurrent calls keeps all 20', async () => {
      const store = await stores.open();
      const subs = createSubscriptionStore(store.keyv);
      await subs.load();
      const portals = Array.from({ length: 20 }, (_, i) => `portal${i}`);
      const results = await Promise.all(portals.map((id) => subs.subscribe(telegram('-100'), [id], 'Grup')));
      expect(results.flatMap((r) => r.added).sort()).toEqual([...portals].sort());
      expect(subs.get(telegram('-100'))?.portals.sort()).toEqual([...portals].sort());

      const again = createSubscriptionStore((await reopen(store)).keyv);
      await again.load();
      expect(again.get(telegram('-100'))?.portals.sort()).toEqual([...portals].sort());
      expect(again.get(telegram('-100'))?.title).toBe('Grup');
    });

    it('chats: subscribe, unsubscribe, settings and removal of many chats at once all land', async () => {
      const store = await stores.open();
      const subs = createSubscriptionStore(store.keyv);
      await subs.load();
      await Promise.all(Array.from({ length: 20 }, (_, i) => subs.subscribe(telegram(`${i}`), ['a', 'b'])));
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => subs.unsubscribe(telegram(`${i}`), ['a'])),
        ...Array.from({ length: 20 }, (_, i) => subs.update(telegram(`${i}`), { language: 'en' })),
        ...Array.from({ length: 20 }, (_, i) => subs.subscribe(telegram(`${i}`), ['c'])),
        subs.removeChat(telegram('0')),
        subs.moveChat('telegram', '1', '-1001'),
        ...Array.from({ length: 10 }, (_, i) => subs.subscribe(telegram(`new-${i}`), ['a'])),
      ]);
      const again = createSubscriptionStore((await reopen(store)).keyv);
      await again.load();
      const chats = again.all();
      expect(chats).toHaveLength(29);
      for (const record of chats.filter((r) => !r.chat.chatId.startsWith('new-'))) {
        expect({ id: record.chat.chatId, portals: [...record.portals].sort(), language: record.language }).toEqual({
          id: record.chat.chatId,
          portals: ['b', 'c'],
          language: 'en',
        });
      }
      expect(again.get(telegram('1'))).toBeUndefined();
      expect(again.get(telegram('-1001'))).toBeDefined();
      expect(again.subscribersOf('a').map((r) => r.chat.chatId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `new-${i}`).sort());
    });
  });
}
