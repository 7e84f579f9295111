import { createRequire } from 'node:module';
import type KeyvPostgres from '@keyv/postgres';

/** The part of `pg` used here (the package ships no types of its own). */
export interface PgPool {
  query(sql: string, values?: unknown): Promise<{ rows: Array<Record<string, unknown>> }>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}
export interface PgModule {
  Pool: new (config: Record<string, unknown>) => PgPool;
  Client: new (config: Record<string, unknown>) => {
    connect(): Promise<void>;
    query(sql: string, values?: unknown): Promise<{ rows: Array<Record<string, unknown>> }>;
    on(event: 'error', listener: (error: Error) => void): unknown;
    end(): Promise<void>;
  };
}

/** `pg` exactly as @keyv/postgres resolves it (it is that package's dependency, not ours). */
export function loadPg(): PgModule {
  const here = createRequire(import.meta.url);
  return createRequire(here.resolve('@keyv/postgres'))('pg') as PgModule;
}

/**
 * @keyv/postgres keeps one module-level `pg.Pool` per URI with no 'error' listener: when the server
 * ends an idle connection (`pg_terminate_backend`, a restart, a failover) the pool emits 'error' and
 * the process dies of an unhandled 'error' event; and `disconnect()` ends whichever pool was created
 * last. This adapter owns its pool: errors of idle connections go to `onIdleError` (the pool has
 * already dropped that connection and opens a new one for the next query), and closing it ends only it.
 */
export async function createPostgresAdapter(
  url: string,
  options: { table: string; onIdleError: (error: Error) => void; connectTimeoutMs: number },
): Promise<KeyvPostgres> {
  const { default: KeyvPostgresAdapter } = await import('@keyv/postgres');
  const pg = loadPg();
  let pool: PgPool | undefined;
  let ended: Promise<void> | undefined;
  const open = () => {
    if (!pool) {
      pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: options.connectTimeoutMs, idleTimeoutMillis: 30_000 });
      pool.on('error', options.onIdleError);
    }
    return pool;
  };
  class OwnPoolKeyvPostgres extends KeyvPostgresAdapter {
    override async connect() {
      const own = open();
      return async (sql: string, values?: unknown) => (await own.query(sql, values)).rows;
    }
    override async disconnect() {
      ended ??= open().end();
      await ended;
    }
  }
  return new OwnPoolKeyvPostgres({ uri: url, table: options.table });
}
