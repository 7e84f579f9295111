import type KeyvRedis from '@keyv/redis';
import type KeyvPostgres from '@keyv/postgres';

/**
 * Who runs the checks and talks to the chat platforms. With several replicas on one shared store,
 * exactly one holds the lease; the others serve HTTP and take over when it lapses.
 */
export interface Lease {
  /** Takes or renews the lease for `holder`; false while another holder's lease is valid. */
  tryAcquire(holder: string, ttlMs: number): Promise<boolean>;
  release(holder: string): Promise<void>;
}

const LEASE_NAME = 'pantau:leader';

/** In one process (SQLite, memory) the lease is a local variable; SQLite files are not shared between hosts. */
export function createLocalLease(): Lease {
  let current: { holder: string; expiresAt: number } | null = null;
  return {
    async tryAcquire(holder, ttlMs) {
      const now = Date.now();
      if (current && current.holder !== holder && current.expiresAt > now) return false;
      current = { holder, expiresAt: now + ttlMs };
      return true;
    },
    async release(holder) {
      if (current?.holder === holder) current = null;
    },
  };
}

export function createRedisLease(adapter: KeyvRedis<unknown>): Lease {
  // Renewal must be atomic too: only the holder may extend its own lease.
  const renewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
  const releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
  return {
    async tryAcquire(holder, ttlMs) {
      const client = await adapter.getClient();
      const redis = client as unknown as {
        set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
        eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
      };
      if ((await redis.set(LEASE_NAME, holder, { NX: true, PX: ttlMs })) === 'OK') return true;
      return Number(await redis.eval(renewScript, { keys: [LEASE_NAME], arguments: [holder, String(ttlMs)] })) === 1;
    },
    async release(holder) {
      const client = (await adapter.getClient()) as unknown as {
        eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
      };
      await client.eval(releaseScript, { keys: [LEASE_NAME], arguments: [holder] });
    },
  };
}

export function createPostgresLease(adapter: KeyvPostgres): Lease {
  let ready: Promise<unknown> | null = null;
  const query = (sql: string, values?: unknown[]) =>
    (adapter.query as unknown as (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>)(sql, values);
  const ensureTable = () =>
    (ready ??= query('CREATE TABLE IF NOT EXISTS pantau_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)'));
  return {
    async tryAcquire(holder, ttlMs) {
      await ensureTable();
      const now = Date.now();
      // One statement: insert, or take over an expired lease, or renew our own; otherwise no row.
      const rows = await query(
        `INSERT INTO pantau_lease (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE pantau_lease.holder = EXCLUDED.holder OR pantau_lease.expires_at < $4
         RETURNING holder`,
        [LEASE_NAME, holder, now + ttlMs, now],
      );
      return rows.length === 1;
    },
    async release(holder) {
      await ensureTable();
      await query('DELETE FROM pantau_lease WHERE name = $1 AND holder = $2', [LEASE_NAME, holder]);
    },
  };
}

