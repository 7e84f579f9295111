import type KeyvRedis from '@keyv/redis';
import type KeyvPostgres from '@keyv/postgres';

/**
 * Who runs the checks and talks to the chat platforms. With several replicas on one shared store,
 * exactly one holds the lease; the others serve HTTP and take over when it lapses.
 *
 * Each new holder gets a higher epoch than any before it; renewals keep it. The epoch tells apart
 * two terms of the same replica (it led, lost the lease, and leads again) and is logged with what
 * the leader does.
 */
export interface Lease {
  /** Takes or renews the lease for `holder`: its epoch, or null while another holder's lease is valid. */
  tryAcquire(holder: string, ttlMs: number): Promise<number | null>;
  release(holder: string): Promise<void>;
}

const LEASE_NAME = 'pantau:leader';

/** In one process (SQLite, memory) the lease is a local variable; SQLite files are not shared between hosts. */
export function createLocalLease(): Lease {
  let current: { holder: string; expiresAt: number; epoch: number } | null = null;
  let epochs = 0;
  return {
    async tryAcquire(holder, ttlMs) {
      const now = Date.now();
      if (current && current.holder !== holder && current.expiresAt > now) return null;
      const epoch = current && current.holder === holder && current.expiresAt > now ? current.epoch : ++epochs;
      current = { holder, expiresAt: now + ttlMs, epoch };
      return epoch;
    },
    async release(holder) {
      if (current?.holder === holder) current = null;
    },
  };
}

interface RedisScripting {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * The lease is one key holding `<epoch>|<holder>` with a PX expiry; the epoch counter is a key of
 * its own. Taking, renewing and releasing are each one script: atomic on the server.
 */
export function createRedisLease(adapter: KeyvRedis<unknown>, name = LEASE_NAME): Lease {
  const acquireScript = `
    local current = redis.call('get', KEYS[1])
    if current then
      local sep = string.find(current, '|', 1, true)
      if sep and string.sub(current, sep + 1) == ARGV[1] then
        redis.call('pexpire', KEYS[1], ARGV[2])
        return tonumber(string.sub(current, 1, sep - 1))
      end
      return -1
    end
    local epoch = redis.call('incr', KEYS[2])
    redis.call('set', KEYS[1], epoch .. '|' .. ARGV[1], 'PX', ARGV[2])
    return epoch`;
  const releaseScript = `
    local current = redis.call('get', KEYS[1])
    if current then
      local sep = string.find(current, '|', 1, true)
      if sep and string.sub(current, sep + 1) == ARGV[1] then return redis.call('del', KEYS[1]) end
    end
    return 0`;
  const client = async () => (await adapter.getClient()) as unknown as RedisScripting;
  return {
    async tryAcquire(holder, ttlMs) {
      const epoch = Number(await (await client()).eval(acquireScript, { keys: [name, `${name}:epoch`], arguments: [holder, String(ttlMs)] }));
      return epoch > 0 ? epoch : null;
    },
    async release(holder) {
      await (await client()).eval(releaseScript, { keys: [name], arguments: [holder] });
    },
  };
}

export function createPostgresLease(adapter: KeyvPostgres): Lease {
  let ready: Promise<unknown> | null = null;
  const query = (sql: string, values?: unknown[]) =>
    (adapter.query as unknown as (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>)(sql, values);
  // Two replicas creating the table at once: one of them fails with a unique violation on the
  // catalog (CREATE TABLE IF NOT EXISTS is not atomic) although the table now exists. Any other
  // failure is tried again on the next call. A table from before epochs gains the column.
  const tolerateRace = (error: { code?: string }) => {
    if (error.code === '23505' || error.code === '42P07' || error.code === '42701') return;
    ready = null;
    throw error;
  };
  const ensureTable = () =>
    (ready ??= query('CREATE TABLE IF NOT EXISTS pantau_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL, epoch BIGINT NOT NULL DEFAULT 1)')
      .then(() => query('ALTER TABLE pantau_lease ADD COLUMN IF NOT EXISTS epoch BIGINT NOT NULL DEFAULT 1'))
      .catch(tolerateRace));
  return {
    async tryAcquire(holder, ttlMs) {
      await ensureTable();
      const now = Date.now();
      // One statement: insert, or take over an expired lease (a new epoch), or renew our own (the
      // same one); otherwise no row.
      const rows = await query(
        `INSERT INTO pantau_lease (name, holder, expires_at, epoch) VALUES ($1, $2, $3, 1)
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
           epoch = CASE WHEN pantau_lease.holder = EXCLUDED.holder AND pantau_lease.expires_at >= $4 THEN pantau_lease.epoch ELSE pantau_lease.epoch + 1 END
         WHERE pantau_lease.holder = EXCLUDED.holder OR pantau_lease.expires_at < $4
         RETURNING epoch`,
        [LEASE_NAME, holder, now + ttlMs, now],
      );
      return rows.length === 1 ? Number(rows[0]!['epoch']) : null;
    },
    async release(holder) {
      await ensureTable();
      // The row stays (with an expired time) so that the next holder's epoch counts on from it.
      await query('UPDATE pantau_lease SET expires_at = 0 WHERE name = $1 AND holder = $2', [LEASE_NAME, holder]);
    },
  };
}
