import type Keyv from 'keyv';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { backendOf, UnreadableRecord, valueOfStored } from './backend.js';
import { asStoreError } from './errors.js';

/** What every `create…Store` accepts. */
export interface StoreModuleOptions {
  /** Where unreadable records are reported (as a child with component 'store'); default: the store's logger, else silent. */
  logger?: Logger | undefined;
}

/** Key prefix of records set aside: `quarantine:<original key>:<ISO time>`. */
export const QUARANTINE_PREFIX = 'quarantine:';

type Checked<T> = { ok: true; value: T | undefined } | { ok: false; problem: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Reads records through their zod schema: what comes back from the store is checked like any other
 * input at the edge. A record that does not fit (or is not even JSON) is set aside: copied under
 * `quarantine:<key>:<time>` with its raw text, removed from its key, logged with the key and the
 * problem, and read as missing. One bad record never stops every read that touches it.
 *
 * Failures of the store itself (refused, timed out, closed) throw StoreError.
 */
export function createRecordAccess(keyv: Keyv, options: StoreModuleOptions = {}) {
  const backend = backendOf(keyv);
  const logger = options.logger ? options.logger.child({ component: 'store' }) : backend.logger;
  const settingAside = new Map<string, Promise<unknown>>();

  async function guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asStoreError(error, `store ${what} failed`);
    }
  }

  function check<T>(schema: z.ZodType<T>, value: unknown): Checked<T> {
    if (value === undefined || value === null) return { ok: true, value: undefined };
    if (value instanceof UnreadableRecord) return { ok: false, problem: value.problem };
    const parsed = schema.safeParse(value);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeIssues(parsed.error) };
  }

  async function read<T>(schema: z.ZodType<T>, key: string, value: unknown): Promise<T | undefined> {
    const checked = check(schema, value);
    return checked.ok ? checked.value : setAsideOnce(schema, key);
  }

  /** Checks every value at once; only the rare bad ones wait for the store (a cycle reads ~2,000 records). */
  async function readAll<T>(schema: z.ZodType<T>, keys: readonly string[], values: readonly unknown[]): Promise<Array<T | undefined>> {
    const out: Array<T | undefined> = new Array(values.length);
    const bad: number[] = [];
    values.forEach((value, index) => {
      const checked = check(schema, value);
      if (checked.ok) out[index] = checked.value;
      else bad.push(index);
    });
    for (const index of bad) out[index] = await setAsideOnce(schema, keys[index]!);
    return out;
  }

  function setAsideOnce<T>(schema: z.ZodType<T>, key: string): Promise<T | undefined> {
    let running = settingAside.get(key);
    if (!running) {
      running = setAside(schema, key).finally(() => settingAside.delete(key));
      settingAside.set(key, running);
    }
    return running as Promise<T | undefined>;
  }

  /** Copies the record's raw text under a quarantine key, then removes it unless it was rewritten meanwhile. */
  async function setAside<T>(schema: z.ZodType<T>, key: string): Promise<T | undefined> {
    const raw = await guard(`read of ${key}`, () => backend.getRaw(key));
    if (raw === undefined) return undefined;
    const now = Date.now();
    // Read again as it is now: a writer may have replaced it with a good record meanwhile.
    const again = check(schema, valueOfStored(raw, now));
    if (again.ok) return again.value;
    const at = new Date(now).toISOString();
    const quarantineKey = `${QUARANTINE_PREFIX}${key}:${at}`;
    await guard(`write of ${quarantineKey}`, () => keyv.set(quarantineKey, { key, problem: again.problem, at, raw }));
    await guard(`delete of ${key}`, () => backend.deleteIfUnchanged(key, raw));
    logger.error({ key, problem: again.problem, quarantineKey }, `unreadable record ${key} set aside and skipped: ${again.problem}`);
    return undefined;
  }

  return {
    /** The logger unreadable records are reported to (component 'store'). */
    logger,
    async get<T>(schema: z.ZodType<T>, key: string): Promise<T | undefined> {
      return read(schema, key, await guard(`read of ${key}`, () => keyv.get(key)));
    },
    async getMany<T>(schema: z.ZodType<T>, keys: string[]): Promise<Array<T | undefined>> {
      if (keys.length === 0) return [];
      const values = (await guard(`read of ${keys.length} records`, () => keyv.getMany(keys))) as unknown[];
      return readAll(schema, keys, values);
    },
    /** Every record under `prefix` (one key per item: nothing to read-modify-write). Expired ones are left out. */
    async list<T>(schema: z.ZodType<T>, prefix: string): Promise<Array<{ key: string; value: T }>> {
      const rows = await guard(`listing of ${prefix}*`, () => backend.list(prefix));
      const now = Date.now();
      const values = await readAll(
        schema,
        rows.map((row) => row.key),
        rows.map((row) => valueOfStored(row.raw, now)),
      );
      const out: Array<{ key: string; value: T }> = [];
      values.forEach((value, index) => value !== undefined && out.push({ key: rows[index]!.key, value }));
      return out;
    },
    async has(key: string): Promise<boolean> {
      return guard(`read of ${key}`, () => keyv.has(key));
    },
    async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
      await guard(`write of ${key}`, () => keyv.set(key, value, ttlMs));
    },
    async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
      if (entries.length === 0) return;
      await guard(`write of ${entries.length} records`, () => keyv.setMany(entries));
    },
    async delete(key: string): Promise<void> {
      await guard(`delete of ${key}`, () => keyv.delete(key));
    },
  };
}
export type RecordAccess = ReturnType<typeof createRecordAccess>;
