import type Keyv from 'keyv';
import { z } from 'zod';
import { pendingTransitionSchema } from '../core/state-machine.js';
import { chatRefSchema } from './subscription-store.js';
import { createTypedAccess } from './typed.js';

export const outboxMessageSchema = z.object({
  /** `<batchId>|<chatKey>`: the idempotency key of this message. */
  key: z.string(),
  chat: chatRefSchema,
  transitionIds: z.array(z.string()),
});
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

/** All alerts produced by one check cycle, one message per chat. */
export const outboxBatchSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  transitions: z.array(pendingTransitionSchema),
  messages: z.array(outboxMessageSchema),
});
export type OutboxBatch = z.infer<typeof outboxBatchSchema>;

const doneSchema = z.object({ at: z.string(), result: z.string() });
export type DeliveryRecord = z.infer<typeof doneSchema>;

const INDEX_KEY = 'outbox:index';
const DONE_TTL_MS = 30 * 86_400_000;

/**
 * The persisted outbox: batches are written once, and every delivered (or dropped) message leaves a
 * marker under its idempotency key, so a restart sends exactly what was not yet sent.
 */
export interface OutboxStore {
  /** Writes the batch unless a batch with that id exists already. Returns false if it did. */
  add(batch: OutboxBatch): Promise<boolean>;
  pendingBatches(): Promise<OutboxBatch[]>;
  doneKeys(batch: OutboxBatch): Promise<Set<string>>;
  markDone(entries: Array<{ key: string; result: string }>): Promise<void>;
  /** Drops a batch whose every message is done. */
  complete(batchId: string): Promise<void>;
  pendingCount(): Promise<number>;
}

export function createOutboxStore(keyv: Keyv, now: () => number = Date.now): OutboxStore {
  const access = createTypedAccess(keyv);
  const batchKey = (id: string) => `outbox:batch:${id}`;
  const doneKey = (key: string) => `outbox:done:${key}`;
  const readIndex = async () => (await access.get(z.array(z.string()), INDEX_KEY)) ?? [];

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
        const values = await access.getMany(doneSchema, slice.map(doneKey));
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
