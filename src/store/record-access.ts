import type Keyv from 'keyv';
import type { z } from 'zod';
import { StoreError } from './open-store.js';

/**
 * Reads records through their zod schema: what comes back from the store is checked like any other
 * input at the edge. A record that no longer fits is an error naming its key, never a silent default.
 */
export function createRecordAccess(keyv: Keyv) {
  function parse<T>(schema: z.ZodType<T>, key: string, value: unknown): T | undefined {
    if (value === undefined || value === null) return undefined;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new StoreError(`record ${key} does not match its schema: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }
  return {
    async get<T>(schema: z.ZodType<T>, key: string): Promise<T | undefined> {
      return parse(schema, key, await keyv.get(key));
    },
    async getMany<T>(schema: z.ZodType<T>, keys: string[]): Promise<Array<T | undefined>> {
      if (keys.length === 0) return [];
      const values = (await keyv.getMany(keys)) as unknown[];
      return values.map((value, index) => parse(schema, keys[index]!, value));
    },
    async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
      await keyv.set(key, value, ttlMs);
    },
    async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
      if (entries.length === 0) return;
      await keyv.setMany(entries);
    },
    async delete(key: string): Promise<void> {
      await keyv.delete(key);
    },
  };
}
export type RecordAccess = ReturnType<typeof createRecordAccess>;
