import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import type { Logger } from 'pino';
import {
  createMapBackend,
  createPostgresBackend,
  createRedisBackend,
  createSqliteBackend,
  parseStored,
  registerBackend,
  silentLogger,
  type StoreBackend,
} from './backend.js';
import { errorCode, errorMessage, StoreError, withDeadline } from './errors.js';
import { createLocalLease, createPostgresLease, createRedisLease, type Lease } from './leases.js';
import { createPostgresAdapter } from './postgres.js';
import { QUARANTINE_PREFIX } from './record-access.js';
import { quarantinedRecordSchema } from './schemas.js';

export { StoreError } from './errors.js';

/** A record set aside because it could not be read (see record-access.ts). */
export interface QuarantinedRecord {
  /** The quarantine key: read it for the raw text (`{ key, problem, at, raw }`). */
  key: string;
  /** Where the record was. */
  originalKey: string;
  problem: string;
  /** When it was set aside (ISO 8601). */
  at: string;
}

export interface SweepResult {
  /** Expired records deleted by this call. */
  deleted: number;
  /** The call stopped at its limit: more expired records may be left; call again. */
  more: boolean;
}

export interface Store {
  kind: 'sqlite' | 'redis' | 'postgres' | 'memory';
  keyv: Keyv;
  lease: Lease;
  /** A description safe to log (no password). */
  description: string;
  /**
   * Deletes records whose time to live has passed (hourly buckets after `bucketRetentionDays`,
   * delivery markers after 30 days). SQLite, PostgreSQL and memory never expire keys on their own
   * (Keyv only checks `expires` when a key is read again); Redis does, so there it deletes nothing.
   * Bounded: at most `limit` records (default 5,000) in one statement per call. Meant to be called
   * hourly, and again soon while `more` is true.
   */
  sweep(now: number, options?: { limit?: number }): Promise<SweepResult>;
  /** Every record set aside as unreadable, oldest first. */
  quarantined(): Promise<QuarantinedRecord[]>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Receives the store's own events (a dropped PostgreSQL connection, records set aside), with component 'store'. Default: silent. */
  logger?: Logger | undefined;
  /** A Redis command not answered within this fails with StoreError (default 5,000 ms). */
  commandTimeoutMs?: number | undefined;
  /** Connecting gives up after this (default 10,000 ms). */
  connectTimeoutMs?: number | undefined;
  /** Key namespace (default `pantau`); tests sharing one Redis use one of their own. */
  namespace?: string | undefined;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_SWEEP_LIMIT = 5_000;
const MAX_SWEEP_LIMIT = 50_000;

/** The userinfo's password however it appears: as written, percent-decoded, parsed by URL. */
function passwordsIn(url: string): string[] {
  const found = new Set<string>();
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/i.exec(url)?.[1];
  const colon = userinfo?.indexOf(':') ?? -1;
  if (userinfo && colon >= 0) found.add(userinfo.slice(colon + 1));
  for (const match of url.matchAll(/[?&]password=([^&#]*)/gi)) found.add(match[1]!);
  try {
    const parsed = new URL(url);
    if (parsed.password) found.add(parsed.password);
    // libpq-style `?password=` (pg reads it).
    const query = parsed.searchParams.get('password');
    if (query) found.add(query);
  } catch {
    // Malformed: the pattern above is all there is.
  }
  for (const secret of [...found]) {
    try {
      found.add(decodeURIComponent(secret));
    } catch {
      // Not percent-encoded.
    }
  }
  return [...found].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
}

/** The URL with its password replaced by `***`, also when it does not parse. */
export function redactStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url
      .replace(/^([a-z][a-z0-9+.-]*:\/\/)(.*)@/i, (_, scheme: string, userinfo: string) => {
        const colon = userinfo.indexOf(':');
        return `${scheme}${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : userinfo}@`;
      })
      .replace(/([?&]password=)[^&#]*/gi, '$1***');
  }
}

function scrubber(url: string): (text: string) => string {
  const secrets = passwordsIn(url);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text.split(url).join(redactStoreUrl(url)));
}

/**
 * Errors from opening a store can carry the URL (Node's URL parser puts the whole input on the
 * error's `input`; drivers quote it). What leaves openStore is a new StoreError with a scrubbed
 * message and no cause, so no log line can print the password.
 */
function openFailure(error: unknown, url: string, description: string): StoreError {
  const scrub = scrubber(url);
  if (error instanceof StoreError && !error.cause) return new StoreError(scrub(error.message), { code: error.code });
  const code = errorCode(error);
  const message = scrub(errorMessage(error) || String(code ?? 'unknown error'));
  return new StoreError(`could not open the store ${description}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, { code });
}

const SQLITE_ROWS_PER_STATEMENT = 400;

/**
 * @keyv/sqlite has no setMany, so Keyv would write a cycle's ~2,000 records as as many separate
 * statements, each its own transaction, all queued at once. One multi-row upsert per few hundred
 * rows writes the same rows (Keyv has already prefixed and serialized them) atomically per chunk.
 */
function addSqliteBulkWrite(adapter: KeyvSqlite, query: (sql: string, ...params: unknown[]) => Promise<unknown>) {
  const table = (adapter as unknown as { opts: { table: string } }).opts.table;
  Object.assign(adapter, {
    async setMany(entries: Array<{ key: string; value: unknown }>): Promise<boolean[]> {
      for (let i = 0; i < entries.length; i += SQLITE_ROWS_PER_STATEMENT) {
        const chunk = entries.slice(i, i + SQLITE_ROWS_PER_STATEMENT);
        await query(
          `INSERT INTO ${table} (key, value) VALUES ${chunk.map(() => '(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
          ...chunk.flatMap((entry) => [entry.key, entry.value]),
        );
      }
      return entries.map(() => true);
    },
  });
}

/**
 * Keyv writes to its own Map one `set` at a time (each its own chain of promises and hooks); with a
 * setMany it serializes a cycle's records and hands them over at once, as it does for SQLite.
 */
function addMapBulkWrite(map: Map<string, unknown>) {
  Object.assign(map, {
    async setMany(entries: Array<{ key: string; value: unknown }>): Promise<boolean[]> {
      for (const entry of entries) map.set(entry.key, entry.value);
      return entries.map(() => true);
    },
  });
}

/** Every call of the adapter that Keyv makes fails with StoreError after `ms` instead of hanging. */
function addDeadlines(adapter: object, ms: number, what: string) {
  const methods = ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has', 'hasMany'] as const;
  const target = adapter as Record<(typeof methods)[number], (...args: unknown[]) => Promise<unknown>>;
  for (const name of methods) {
    const original = target[name].bind(adapter);
    target[name] = (...args) => withDeadline(original(...args), ms, `${what} ${name}`);
  }
}

/** `sqlite://data/x.sqlite` is relative to `cwd`; `sqlite:///var/lib/x.sqlite` is absolute. */
export function sqlitePath(storeUrl: string, cwd: string): string {
  const rest = storeUrl.slice('sqlite://'.length);
  return path.isAbsolute(rest) ? rest : path.resolve(cwd, rest);
}

interface Opened {
  kind: Store['kind'];
  keyv: Keyv;
  lease: Lease;
  backend: StoreBackend;
  description: string;
  close(): Promise<void>;
}

/**
 * Opens the Keyv store named by STORE_URL. Errors throw (`throwOnErrors`): a silent undefined from
 * a broken store would read as "no previous state" and announce a false transition. Whatever it
 * throws is a StoreError that does not contain the URL's password.
 */
export async function openStore(storeUrl: string, cwd = process.cwd(), options: OpenStoreOptions = {}): Promise<Store> {
  const description = redactStoreUrl(storeUrl);
  let opened: Opened;
  try {
    opened = await open(storeUrl, cwd, options);
  } catch (error) {
    throw openFailure(error, storeUrl, description);
  }
  const { backend, keyv } = opened;
  return {
    kind: opened.kind,
    keyv,
    lease: opened.lease,
    description: opened.description,
    close: opened.close,
    async sweep(now, sweepOptions = {}) {
      const limit = Math.max(1, Math.min(MAX_SWEEP_LIMIT, Math.floor(sweepOptions.limit ?? DEFAULT_SWEEP_LIMIT)));
      try {
        const deleted = await backend.sweep(now, limit);
        return { deleted, more: deleted >= limit };
      } catch (error) {
        throw new StoreError(`store sweep failed: ${errorMessage(error)}`, { cause: error, code: errorCode(error) });
      }
    },
    async quarantined() {
      let rows;
      try {
        rows = await backend.list(QUARANTINE_PREFIX);
      } catch (error) {
        throw new StoreError(`store listing of quarantined records failed: ${errorMessage(error)}`, { cause: error, code: errorCode(error) });
      }
      return rows
        .map((row): QuarantinedRecord => {
          const rest = row.key.slice(QUARANTINE_PREFIX.length);
          const parsed = quarantinedRecordSchema.safeParse(parseStored(row.raw).value);
          // Read leniently: this is the place to look at broken things, even a broken copy.
          if (!parsed.success) return { key: row.key, originalKey: rest.replace(/:[^:]*:[^:]*:[^:]*$/, ''), problem: 'unknown', at: '' };
          return { key: row.key, originalKey: parsed.data.key, problem: parsed.data.problem, at: parsed.data.at };
        })
        .sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
    },
  };
}

async function open(storeUrl: string, cwd: string, options: OpenStoreOptions): Promise<Opened> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(storeUrl)?.[1]?.toLowerCase();
  if (!scheme) throw new StoreError('STORE_URL has no scheme: expected sqlite://, redis://, postgresql:// or memory://');
  const namespace = options.namespace ?? 'pantau';
  const logger = options.logger?.child({ component: 'store' }) ?? silentLogger();
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const scrub = scrubber(storeUrl);
  const wrap = (adapter: object | undefined) => {
    const keyv = new Keyv({
      ...(adapter ? { store: adapter as never } : {}),
      namespace,
      throwOnErrors: true,
      // Records are plain JSON (times as ISO strings, no Buffers). Keyv's default serializer walks
      // every value by hand and allocated ~50 MB per 600-portal cycle; the built-in one does not.
      serialize: JSON.stringify,
      // JSON.parse, except that a record that is not JSON reads as a marker the record access sets
      // aside instead of an exception that fails every read touching it.
      deserialize: parseStored as never,
    });
    // Keyv re-emits adapter errors; without a listener an 'error' event would end the process.
    // The same errors reach the caller as exceptions.
    keyv.on('error', (error: unknown) => logger.debug({ error: scrub(errorMessage(error)) }, 'store adapter error'));
    return keyv;
  };
  switch (scheme) {
    case 'memory': {
      const keyv = wrap(undefined);
      addMapBulkWrite(keyv.store as Map<string, unknown>);
      const backend = createMapBackend(keyv.store as Map<string, unknown>, namespace, logger);
      registerBackend(keyv, backend);
      return { kind: 'memory', keyv, backend, lease: createLocalLease(), description: 'memory://', close: async () => undefined };
    }
    case 'sqlite': {
      const file = sqlitePath(storeUrl, cwd);
      mkdirSync(path.dirname(file), { recursive: true });
      const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
      const keyv = wrap(adapter);
      // Every record write would otherwise be its own fully synced transaction (~14 ms each here);
      // WAL with NORMAL sync keeps committed writes safe across a process crash at a fraction of that.
      const query = adapter.query as unknown as (sql: string, ...params: unknown[]) => Promise<unknown>;
      try {
        await query('PRAGMA journal_mode=WAL');
        await query('PRAGMA synchronous=NORMAL');
        addSqliteBulkWrite(adapter, query);
        await keyv.get('__probe__');
      } catch (error) {
        await keyv.disconnect().catch(() => undefined);
        throw error;
      }
      const table = (adapter as unknown as { opts: { table: string } }).opts.table;
      const backend = createSqliteBackend(query, table, namespace, logger);
      registerBackend(keyv, backend);
      return { kind: 'sqlite', keyv, backend, lease: createLocalLease(), description: `sqlite://${file}`, close: () => keyv.disconnect() };
    }
    case 'redis':
    case 'rediss': {
      // The client reconnects forever: without a connection timeout an unreachable server at start
      // hangs here, and without failing offline commands every read during an outage hangs too.
      // A server that is connected but silent (CLIENT PAUSE, a stuck primary, a half-open TCP
      // connection) would hang every command: node-redis's command timeout only covers the wait to
      // be written, not the reply. So every adapter call Keyv makes, every lease command and every
      // listing command has a deadline of its own and fails with StoreError.
      // Each backend's client is loaded only when used: redis and pg cost ~20 MB of memory apiece.
      const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
      const deadline = <T>(promise: Promise<T>, what: string) => withDeadline(promise, commandTimeoutMs, what);
      const { default: KeyvRedisAdapter } = await import('@keyv/redis');
      const adapter = new KeyvRedisAdapter(
        {
          url: storeUrl,
          disableOfflineQueue: true,
          socket: { connectTimeout: Math.min(connectTimeoutMs, 5_000) },
          commandOptions: { timeout: commandTimeoutMs },
        },
        { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: connectTimeoutMs },
      );
      addDeadlines(adapter, commandTimeoutMs, 'Redis');
      const keyv = wrap(adapter);
      try {
        await keyv.get('__probe__');
      } catch (error) {
        await adapter.disconnect(true).catch(() => undefined);
        throw error;
      }
      const backend = createRedisBackend(adapter as never, namespace, logger, deadline);
      registerBackend(keyv, backend);
      const lease = createRedisLease(adapter, `${namespace}:leader`);
      return {
        kind: 'redis',
        keyv,
        backend,
        lease: {
          tryAcquire: (holder, ttlMs) => deadline(lease.tryAcquire(holder, ttlMs), 'Redis lease'),
          release: (holder) => deadline(lease.release(holder), 'Redis lease release'),
        },
        description: redactStoreUrl(storeUrl),
        close: () => keyv.disconnect(),
      };
    }
    case 'postgres':
    case 'postgresql': {
      const table = 'pantau_keyv';
      const adapter = await createPostgresAdapter(storeUrl, {
        table,
        connectTimeoutMs,
        // Only message and code: pg hangs the client (with its connection parameters) on the error.
        onIdleError: (error) =>
          logger.warn({ error: scrub(errorMessage(error)), code: errorCode(error) }, 'PostgreSQL closed an idle connection; the next query opens a new one'),
      });
      const keyv = wrap(adapter);
      try {
        await keyv.get('__probe__');
      } catch (error) {
        await keyv.disconnect().catch(() => undefined);
        throw error;
      }
      const query = (sql: string, values?: unknown[]) =>
        (adapter.query as unknown as (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>)(sql, values);
      const backend = createPostgresBackend(query, `${adapter.opts.schema ?? 'public'}.${table}`, namespace, logger);
      registerBackend(keyv, backend);
      return { kind: 'postgres', keyv, backend, lease: createPostgresLease(adapter), description: redactStoreUrl(storeUrl), close: () => keyv.disconnect() };
    }
    default:
      throw new StoreError(`STORE_URL scheme "${scheme}" is not supported`);
  }
}
