/**
 * What the store modules need beyond Keyv's get/set: listing records by key prefix (one key per
 * item, no shared index to read-modify-write), reading and conditionally deleting a record's raw
 * text (to set unreadable records aside), and deleting expired records where the backend does not
 * expire keys itself (SQLite, PostgreSQL and memory keep them until they are read again).
 *
 * `openStore` registers one per Keyv it opens; the store modules find it from the Keyv they are given.
 */
import type Keyv from 'keyv';
import pino, { type Logger } from 'pino';
import { StoreError } from './errors.js';

/** A record as stored: its key without the namespace, and its serialized text. */
export interface RawRecord {
  key: string;
  raw: string;
}

export interface StoreBackend {
  /** Every record whose key (without the namespace) starts with `prefix`, in no particular order. */
  list(prefix: string): Promise<RawRecord[]>;
  /** The serialized text under `key`, undefined when there is none. */
  getRaw(key: string): Promise<string | undefined>;
  /** Deletes `key` only while it still holds `raw` (nobody rewrote it meanwhile). True when deleted. */
  deleteIfUnchanged(key: string, raw: string): Promise<boolean>;
  /** Deletes at most `limit` records whose time to live ended before `now`; returns how many. */
  sweep(now: number, limit: number): Promise<number>;
  /** The store's logger (component 'store'), for modules that were given none. */
  logger: Logger;
}

/** A stored text that is not a record Keyv wrote: not JSON, or JSON without the `{ value, expires }` envelope. */
export class UnreadableRecord {
  constructor(readonly problem: string) {}
}

export interface StoredEnvelope {
  value: unknown;
  expires?: number | null;
}

/**
 * Keyv's deserializer. `JSON.parse` alone throws on one bad record and fails every read that
 * touches it; this hands the record access a marker instead, so it can set the record aside.
 */
export function parseStored(text: string): StoredEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { value: new UnreadableRecord(`not JSON (${error instanceof Error ? error.message : String(error)})`) };
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'value' in parsed) {
    const expires = (parsed as { expires?: unknown }).expires;
    if (expires === undefined || expires === null || typeof expires === 'number') return parsed as StoredEnvelope;
  }
  return { value: new UnreadableRecord('not a stored record (no "value" envelope)') };
}

/** The value of a stored text, or undefined when it has expired by `now`. */
export function valueOfStored(text: string, now: number): unknown {
  const envelope = parseStored(text);
  if (typeof envelope.expires === 'number' && envelope.expires < now) return undefined;
  return envelope.value;
}

/**
 * `expires` of a serialized record without parsing the whole value: Keyv writes
 * `{"value":…,"expires":<ms>}` with `expires` last, and leaves it out when there is no TTL.
 */
const EXPIRES_AT_END = /"expires":(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\}$/;
export function expiresOf(raw: string): number | undefined {
  const match = EXPIRES_AT_END.exec(raw.length > 64 ? raw.slice(-64) : raw);
  return match ? Number(match[1]) : undefined;
}

const registry = new WeakMap<Keyv, StoreBackend>();
let silent: Logger | undefined;
export const silentLogger = () => (silent ??= pino({ level: 'silent' }));

export function registerBackend(keyv: Keyv, backend: StoreBackend): void {
  registry.set(keyv, backend);
}

/** The backend `openStore` registered for this Keyv; a Keyv over a plain Map gets one on the spot. */
export function backendOf(keyv: Keyv): StoreBackend {
  const known = registry.get(keyv);
  if (known) return known;
  const store: unknown = keyv.store;
  if (store instanceof Map) {
    const backend = createMapBackend(store as Map<string, unknown>, keyv.namespace, silentLogger());
    registry.set(keyv, backend);
    return backend;
  }
  throw new StoreError('this Keyv was not opened by openStore: its records cannot be listed');
}

const prefixer = (namespace: string | undefined) => (namespace ? `${namespace}:` : '');

/** Keyv's own Map (memory://): the serialized texts are the Map's values. */
export function createMapBackend(map: Map<string, unknown>, namespace: string | undefined, logger: Logger): StoreBackend {
  const ns = prefixer(namespace);
  return {
    logger,
    async list(prefix) {
      const start = ns + prefix;
      const out: RawRecord[] = [];
      for (const [key, raw] of map) if (key.startsWith(start) && typeof raw === 'string') out.push({ key: key.slice(ns.length), raw });
      return out;
    },
    async getRaw(key) {
      const raw = map.get(ns + key);
      return typeof raw === 'string' ? raw : undefined;
    },
    async deleteIfUnchanged(key, raw) {
      if (map.get(ns + key) !== raw) return false;
      return map.delete(ns + key);
    },
    async sweep(now, limit) {
      let deleted = 0;
      for (const [key, raw] of map) {
        if (deleted >= limit) break;
        if (!key.startsWith(ns) || typeof raw !== 'string') continue;
        const expires = expiresOf(raw);
        if (expires !== undefined && expires < now) {
          map.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
  };
}

/** SQLite's GLOB has no escape character: a special character is matched by a class of its own. */
const sqliteGlob = (text: string) => text.replace(/[*?[]/g, (c) => `[${c}]`);

export function createSqliteBackend(
  query: (sql: string, ...params: unknown[]) => Promise<unknown>,
  table: string,
  namespace: string | undefined,
  logger: Logger,
): StoreBackend {
  const ns = prefixer(namespace);
  const rows = async (sql: string, ...params: unknown[]) => (await query(sql, ...params)) as Array<Record<string, unknown>>;
  return {
    logger,
    async list(prefix) {
      const found = await rows(`SELECT key, value FROM ${table} WHERE key GLOB ?`, `${sqliteGlob(ns + prefix)}*`);
      return found.map((row) => ({ key: String(row.key).slice(ns.length), raw: String(row.value) }));
    },
    async getRaw(key) {
      const [row] = await rows(`SELECT value FROM ${table} WHERE key = ?`, ns + key);
      return row === undefined ? undefined : String(row.value);
    },
    async deleteIfUnchanged(key, raw) {
      return (await rows(`DELETE FROM ${table} WHERE key = ? AND value = ? RETURNING key`, ns + key, raw)).length > 0;
    },
    async sweep(now, limit) {
      // json_extract fails on malformed JSON; CASE only evaluates it for valid JSON.
      const deleted = await rows(
        `DELETE FROM ${table} WHERE key IN (
           SELECT key FROM ${table}
           WHERE key GLOB ? AND (CASE WHEN json_valid(value) THEN json_extract(value, '$.expires') END) < ?
           LIMIT ?)
         RETURNING key`,
        `${sqliteGlob(ns)}*`,
        now,
        limit,
      );
      return deleted.length;
    },
  };
}

const likePattern = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function createPostgresBackend(
  query: (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>,
  table: string,
  namespace: string | undefined,
  logger: Logger,
): StoreBackend {
  const ns = prefixer(namespace);
  return {
    logger,
    async list(prefix) {
      const found = await query(`SELECT key, value FROM ${table} WHERE key LIKE $1`, [`${likePattern(ns + prefix)}%`]);
      return found.map((row) => ({ key: String(row.key).slice(ns.length), raw: String(row.value) }));
    },
    async getRaw(key) {
      const [row] = await query(`SELECT value FROM ${table} WHERE key = $1`, [ns + key]);
      return row === undefined ? undefined : String(row.value);
    },
    async deleteIfUnchanged(key, raw) {
      return (await query(`DELETE FROM ${table} WHERE key = $1 AND value = $2 RETURNING key`, [ns + key, raw])).length > 0;
    },
    async sweep(now, limit) {
      // The value column is text and may hold anything; `expires` is read off its end as Keyv
      // writes it (a jsonb cast would fail the whole statement on one malformed record).
      const deleted = await query(
        `DELETE FROM ${table} WHERE key IN (
           SELECT key FROM ${table}
           WHERE key LIKE $1 AND substring(value from $2)::double precision < $3
           LIMIT $4)
         RETURNING key`,
        [`${likePattern(ns)}%`, EXPIRES_AT_END.source, now, limit],
      );
      return deleted.length;
    },
  };
}

interface RedisCommands {
  scan(cursor: string, options: { MATCH: string; COUNT: number; TYPE: string }): Promise<{ cursor: string | number; keys: string[] }>;
  mGet(keys: string[]): Promise<Array<string | null>>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const redisGlob = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
const COMPARE_AND_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Redis expires keys itself (Keyv passes the TTL as PX), so there is nothing to sweep. Keys are
 * `<adapter namespace>::<keyv namespace>:<key>`: @keyv/redis prefixes what Keyv already prefixed.
 * Every command goes through `deadline`: a silent server fails it instead of hanging it.
 */
export function createRedisBackend(
  adapter: {
    getClient(): Promise<unknown>;
    get(key: string): Promise<unknown>;
    createKeyPrefix(key: string, namespace?: string): string;
    namespace: string | undefined;
  },
  namespace: string | undefined,
  logger: Logger,
  deadline: <T>(promise: Promise<T>, what: string) => Promise<T>,
): StoreBackend {
  const ns = prefixer(namespace);
  const full = (key: string) => adapter.createKeyPrefix(ns + key, adapter.namespace);
  const client = async () => (await deadline(adapter.getClient(), 'Redis connect')) as RedisCommands;
  return {
    logger,
    async list(prefix) {
      const redis = await client();
      const match = `${redisGlob(full(prefix))}*`;
      const strip = full('').length;
      const out: RawRecord[] = [];
      let cursor = '0';
      do {
        const reply = await deadline(redis.scan(cursor, { MATCH: match, COUNT: 1000, TYPE: 'string' }), 'Redis SCAN');
        cursor = String(reply.cursor);
        if (reply.keys.length === 0) continue;
        const values = await deadline(redis.mGet(reply.keys), 'Redis MGET');
        reply.keys.forEach((key, index) => {
          const raw = values[index];
          if (typeof raw === 'string') out.push({ key: key.slice(strip), raw });
        });
      } while (cursor !== '0');
      return out;
    },
    async getRaw(key) {
      const raw = await adapter.get(ns + key);
      return typeof raw === 'string' ? raw : undefined;
    },
    async deleteIfUnchanged(key, raw) {
      const redis = await client();
      return Number(await deadline(redis.eval(COMPARE_AND_DELETE, { keys: [full(key)], arguments: [raw] }), 'Redis EVAL')) === 1;
    },
    async sweep() {
      return 0;
    },
  };
}

/** Every record under `prefix` as stored (keys without the namespace): for tests and owner tools. */
export function listRecords(keyv: Keyv, prefix: string): Promise<RawRecord[]> {
  return backendOf(keyv).list(prefix);
}
