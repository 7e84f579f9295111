import type Keyv from 'keyv';
import type { OutboxStore } from '../core/ports.js';
import type { OutboxBatch } from '../core/types.js';
import { createKeyedMutex } from './keyed-mutex.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { deliveryMarkerSchema, keyListSchema, outboxBatchSchema } from './schemas.js';

const BATCH_PREFIX = 'outbox:batch:';
const DONE_TTL_MS = 30 * 86_400_000;
const LEGACY_INDEX_KEY = 'outbox:index';
/** A batch the legacy index had lost that is older than this is set aside, not sent late. */
const STALE_ORPHAN_MS = 3_600_000;

const byCreation = (a: OutboxBatch, b: OutboxBatch) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id, 'en', { numeric: true });

/**
 * Batches under `outbox:batch:<id>`, one key each, found by listing that prefix in the store: there
 * is no shared index, so an `add` and a `complete` running at once (or on two replicas) can never
 * lose each other's change. Markers under `outbox:done:<key>`.
 *
 * Before, batches were listed in an `outbox:index` record that `add` and `complete` both
 * read-modified-wrote, and lost entries: such batches were never sent. The first listing after the
 * upgrade retires that record; a batch it did not list and older than an hour is moved to
 * `outbox:orphaned:<id>` (logged, kept for inspection) instead of being sent days late.
 */
export function createOutboxStore(keyv: Keyv, now: () => number = Date.now, options: StoreModuleOptions = {}): OutboxStore {
  const access = createRecordAccess(keyv, options);
  const batchKey = (id: string) => `${BATCH_PREFIX}${id}`;
  const doneKey = (key: string) => `outbox:done:${key}`;
  // Adding and completing the same batch at once in this process run one after the other.
  const perBatch = createKeyedMutex();
  const logger = access.logger;

  async function retireLegacyIndex(batches: OutboxBatch[]): Promise<OutboxBatch[]> {
    const legacy = await access.get(keyListSchema, LEGACY_INDEX_KEY);
    if (legacy === undefined) return batches;
    const listed = new Set(legacy);
    const staleBefore = now() - STALE_ORPHAN_MS;
    const kept: OutboxBatch[] = [];
    for (const batch of batches) {
      if (listed.has(batch.id) || Date.parse(batch.createdAt) >= staleBefore) {
        kept.push(batch);
        continue;
      }
      await access.set(`outbox:orphaned:${batch.id}`, batch);
      await access.delete(batchKey(batch.id));
      logger.warn({ batchId: batch.id, createdAt: batch.createdAt }, 'outbox batch lost by the old outbox index set aside unsent (outbox:orphaned:<id>)');
    }
    await access.delete(LEGACY_INDEX_KEY);
    return kept;
  }

  async function pending(): Promise<OutboxBatch[]> {
    const batches = (await access.list(outboxBatchSchema, BATCH_PREFIX)).map((entry) => entry.value);
    return (await retireLegacyIndex(batches)).sort(byCreation);
  }

  return {
    add(batch) {
      return perBatch([batch.id], async () => {
        if (await access.has(batchKey(batch.id))) return false;
        await access.set(batchKey(batch.id), batch);
        return true;
      });
    },
    pendingBatches: pending,
    async doneKeys(batch) {
      const keys = batch.messages.map((m) => m.key);
      const done = new Set<string>();
      const chunk = 500;
      for (let i = 0; i < keys.length; i += chunk) {
        const slice = keys.slice(i, i + chunk);
        const values = await access.getMany(deliveryMarkerSchema, slice.map(doneKey));
        values.forEach((value, index) => value && done.add(slice[index]!));
      }
      return done;
    },
    async markDone(entries) {
      const at = new Date(now()).toISOString();
      await access.setMany(entries.map((e) => ({ key: doneKey(e.key), value: { at, result: e.result }, ttl: DONE_TTL_MS })));
    },
    complete(batchId) {
      return perBatch([batchId], () => access.delete(batchKey(batchId)));
    },
    async pendingCount() {
      return (await pending()).length;
    },
  };
}
