import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { createLocalLease, createPostgresLease, createRedisLease, type Lease } from './leases.js';

/** A failure of the store itself (not "no such record"): the caller must not act on missing data. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export interface Store {
  kind: 'sqlite' | 'redis' | 'postgres' | 'memory';
  keyv: Keyv;
  lease: Lease;
  /** A description safe to log (no password). */
  description: string;
  close(): Promise<void>;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
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

/** `sqlite://data/x.sqlite` is relative to `cwd`; `sqlite:///var/lib/x.sqlite` is absolute. */
export function sqlitePath(storeUrl: string, cwd: string): string {
  const rest = storeUrl.slice('sqlite://'.length);
  return path.isAbsolute(rest) ? rest : path.resolve(cwd, rest);
}

/**
 * Opens the Keyv store named by STORE_URL. Errors throw (`throwOnErrors`): a silent undefined from
 * a broken store would read as "no previous state" and announce a false transition.
 */
export async function openStore(storeUrl: string, cwd = process.cwd()): Promise<Store> {
  const scheme = storeUrl.slice(0, storeUrl.indexOf('://'));
  const wrap = (adapter: object | undefined) => {
    const keyv = new Keyv({
      ...(adapter ? { store: adapter as never } : {}),
      namespace: 'pantau',
      throwOnErrors: true,
      // Records are plain JSON (times as ISO strings, no Buffers). Keyv's default serializer walks
      // every value by hand and allocated ~50 MB per 600-portal cycle; the built-in one does not.
      serialize: JSON.stringify,
      deserialize: JSON.parse,
    });
    // Keyv re-emits adapter errors; without a listener an 'error' event would end the process.
    keyv.on('error', () => undefined);
    return keyv;
  };
  switch (scheme) {
    case 'memory':
      return { kind: 'memory', keyv: wrap(undefined), lease: createLocalLease(), description: 'memory://', close: async () => undefined };
    case 'sqlite': {
      const file = sqlitePath(storeUrl, cwd);
      mkdirSync(path.dirname(file), { recursive: true });
      const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
      const keyv = wrap(adapter);
      // Every record write would otherwise be its own fully synced transaction (~14 ms each here);
      // WAL with NORMAL sync keeps committed writes safe across a process crash at a fraction of that.
      const query = adapter.query as unknown as (sql: string, ...params: unknown[]) => Promise<unknown>;
      await query('PRAGMA journal_mode=WAL');
      await query('PRAGMA synchronous=NORMAL');
      addSqliteBulkWrite(adapter, query);
      await keyv.get('__probe__');
      return { kind: 'sqlite', keyv, lease: createLocalLease(), description: `sqlite://${file}`, close: () => keyv.disconnect() };
    }
    case 'redis':
    case 'rediss': {
      // The client reconnects forever: without a connection timeout an unreachable server at start
      // hangs here, and without failing offline commands every read during an outage hangs too.
      // Each backend's client is loaded only when used: redis and pg cost ~20 MB of memory apiece.
      const { default: KeyvRedisAdapter } = await import('@keyv/redis');
      const adapter = new KeyvRedisAdapter(
        { url: storeUrl, disableOfflineQueue: true },
        { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: 10_000 } as never,
      );
      const keyv = wrap(adapter);
      await keyv.get('__probe__');
      return { kind: 'redis', keyv, lease: createRedisLease(adapter), description: redact(storeUrl), close: () => keyv.disconnect() };
    }
    case 'postgres':
    case 'postgresql': {
      const { default: KeyvPostgresAdapter } = await import('@keyv/postgres');
      const adapter = new KeyvPostgresAdapter({ uri: storeUrl, table: 'pantau_keyv' });
      const keyv = wrap(adapter);
      await keyv.get('__probe__');
      return { kind: 'postgres', keyv, lease: createPostgresLease(adapter), description: redact(storeUrl), close: () => keyv.disconnect() };
    }
    default:
      throw new StoreError(`STORE_URL scheme "${scheme}" is not supported`);
  }
}
