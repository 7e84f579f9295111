import type Keyv from 'keyv';
import type { OutboxStore } from '../core/ports.js';
import type { OutboxBatch } from '../core/types.js';
import { createRecordAccess } from './record-access.js';
import { deliveryMarkerSchema, keyListSchema, outboxBatchSchema } from './schemas.js';

const INDEX_KEY = 'outbox:index';
const DONE_TTL_MS = 30 * 86_400_000;

/** Batches under `outbox:batch:<id>`, listed in `outbox:index`; markers under `outbox:done:<key>`. */
export function createOutboxStore(keyv: Keyv, now: () => number = Date.now): OutboxStore {
  const access = createRecordAccess(keyv);
  const batchKey = (id: string) => `outbox:batch:${id}`;
  const doneKey = (key: string) => `outbox:done:${key}`;
  const readIndex = async () => (await access.get(keyListSchema, INDEX_KEY)) ?? [];

  return {
    async add(batch) {
      const index = await readIndex();
      if (index.includes(batch.id) || (await keyv.has(batchKey(batch.id)))) return false;
      // The batch is written before it is indexed: an index entry always has its batch.
      await access.set(batchKey(batch.id), batch);
      await access.set(INDEX_KEY, [...index, batch.id]);
      return true;
    },
    async pendingBatches() {
      const index = await readIndex();
      const batches = await access.getMany(outboxBatchSchema, index.map(batchKey));
      return batches.filter((b): b is OutboxBatch => b !== undefined);
    },
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
    async complete(batchId) {
      const index = await readIndex();
      await access.set(INDEX_KEY, index.filter((id) => id !== batchId));
      await access.delete(batchKey(batchId));
    },
    async pendingCount() {
      return (await readIndex()).length;
    },
  };
}
