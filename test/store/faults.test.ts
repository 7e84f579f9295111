/**
 * A store that misbehaves underneath the bot: PostgreSQL ending its connections, Redis going
 * silent. Real servers of the test's own (test/helpers/stores.ts), so the faults touch nobody else.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/open-store.js';
import { createStateStore } from '../../src/store/state-store.js';
import { captureLogger, postgresEnabled, redisEnabled, redisServerInstalled, useTestStores } from '../helpers/stores.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const status = (portalId: string) => ({
  portalId,
  state: 'up' as const,
  cause: 'ok' as const,
  httpStatus: 200,
  errorCode: null,
  errorCodeEstimate: null,
  detail: '',
  since: '2026-01-01T00:00:00.000Z',
  lastCheckedAt: null,
  latencyMs: null,
  streak: null,
  healthyStreak: null,
  openIncident: null,
  transitionSeq: 0,
  pendingTransitions: [],
});

describe.skipIf(!postgresEnabled)('PostgreSQL ends the bot’s connections', () => {
  const stores = useTestStores('postgres');

  it('pg_terminate_backend on the store’s connections: logged, the process lives, the next query reconnects', async () => {
    const { logger, lines } = captureLogger();
    const store = await stores.open({ logger });
    const states = createStateStore(store.keyv);
    // Several connections open and idle in the pool.
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => states.setMany([status(id)])));
    expect((await states.getMany(['a', 'b', 'c', 'd'])).size).toBe(4);

    const database = stores.database!;
    const terminated = await database.query(
      'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database.name],
    );
    expect(terminated.length).toBeGreaterThan(0);
    await sleep(300);

    // Still here (an unhandled 'error' event would have ended this worker), and the store answers.
    expect(lines.some((line) => line.component === 'store' && line.level === 40 && /terminating connection/.test(String(line.error)))).toBe(true);
    // The error's client (with its connection parameters) never reaches the log.
    expect(JSON.stringify(lines)).not.toMatch(/connectionParameters|"client"/);
    expect((await states.get('a'))?.portalId).toBe('a');
    await states.setMany([status('e')]);
    expect((await states.getMany(['a', 'e'])).size).toBe(2);
  });

  it('a query on a connection terminated mid-way fails, and the next one succeeds', async () => {
    const store = await stores.open();
    const states = createStateStore(store.keyv);
    await states.setMany([status('a')]);
    const database = stores.database!;
    const slow = (store.keyv.store as { query(sql: string): Promise<unknown> }).query('SELECT pg_sleep(2)').then(
      () => 'finished',
      (error: Error) => error.message,
    );
    await sleep(200);
    await database.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'", [
      database.name,
    ]);
    expect(await slow).toMatch(/terminat/);
    expect((await states.get('a'))?.portalId).toBe('a');
  });
});

describe.skipIf(!redisEnabled)('Redis goes silent', () => {
  const stores = useTestStores('redis');

  // CLIENT PAUSE stops every client of the server: only on a redis-server of the test's own.
  it.skipIf(!redisServerInstalled)('CLIENT PAUSE: reads, writes and the lease fail fast with StoreError, then work again', async () => {
    const store = await stores.open({ commandTimeoutMs: 1000 });
    const states = createStateStore(store.keyv);
    await states.setMany([status('a')]);
    expect((await states.get('a'))?.portalId).toBe('a');

    await stores.redis!.command(['CLIENT', 'PAUSE', '3000', 'ALL']);
    const started = Date.now();
    const outcomes = await Promise.allSettled([
      states.get('a'),
      states.getMany(['a', 'b']),
      states.setMany([status('b')]),
      store.lease.tryAcquire('replica-a', 10_000),
    ]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2500);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
    }
    for (const outcome of outcomes.slice(0, 3)) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);

    // The pause ends: the same store object answers again.
    await sleep(3200 - elapsed);
    expect((await states.get('a'))?.portalId).toBe('a');
    await states.setMany([status('c')]);
    expect((await states.getMany(['a', 'c'])).size).toBe(2);
  });

  it('the default command timeout is a few seconds', async () => {
    const { DEFAULT_COMMAND_TIMEOUT_MS } = await import('../../src/store/open-store.js');
    expect(DEFAULT_COMMAND_TIMEOUT_MS).toBeLessThanOrEqual(5000);
  });
});
