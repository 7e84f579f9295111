/**
 * Stores of a test's own, so two test runs at once (CI and a developer, parallel vitest workers)
 * never touch each other's data:
 *
 * - PostgreSQL: a database of its own (`pantau_t_<random>`) on DATABASE_URL's server, dropped afterwards.
 * - Redis: a `redis-server` of its own on a free loopback port (no persistence), stopped afterwards.
 *   Fault tests (CLIENT PAUSE, killing the server) need this. Where the binary is missing, REDIS_URL's
 *   server is used with a key namespace of the test's own (`own: false`: fault tests must skip).
 * - SQLite: a file in a temporary directory of its own; memory: nothing to share.
 *
 * Redis and PostgreSQL tests run when REDIS_URL / DATABASE_URL are set (that is the switch, as before).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/open-store.js';
import { loadPg } from '../../src/store/postgres.js';

export type BackendName = 'memory' | 'sqlite' | 'redis' | 'postgres';

export const redisEnabled = Boolean(process.env.REDIS_URL);
export const postgresEnabled = Boolean(process.env.DATABASE_URL);
const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';
export const redisServerInstalled = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;

const randomName = () => randomBytes(6).toString('hex');

/** A free TCP port on loopback (free when asked; the caller retries if it was taken meanwhile). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface TestDatabase {
  /** Connection URL of the database of its own. */
  url: string;
  name: string;
  /** Runs SQL on it through a connection of its own (not the store's). */
  query(sql: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Drops every table, leaving an empty database (between tests of one file). */
  empty(): Promise<void>;
  /** Drops the database, ending whatever is still connected to it. */
  drop(): Promise<void>;
}

async function withClient<T>(url: string, run: (client: InstanceType<ReturnType<typeof loadPg>['Client']>) => Promise<T>): Promise<T> {
  const pg = loadPg();
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `pantau_t_<random>` on the server of `serverUrl` (default DATABASE_URL). */
export async function createTestDatabase(serverUrl = process.env.DATABASE_URL): Promise<TestDatabase> {
  if (!serverUrl) throw new Error('createTestDatabase: DATABASE_URL is not set');
  const name = `pantau_t_${randomName()}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const query = async (sql: string, values?: unknown[]) => withClient(url, async (client) => (await client.query(sql, values)).rows);
  return {
    url,
    name,
    query,
    async empty() {
      const tables = await query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      if (tables.length) await query(`DROP TABLE ${tables.map((t) => `"${String(t.tablename)}"`).join(', ')} CASCADE`);
    },
    async drop() {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Redis

export interface TestRedis {
  url: string;
  /** True when this is a redis-server of the test's own (fault tests need it). */
  own: boolean;
  /** Key namespace to open the store with (a random one on a shared server). */
  namespace: string | undefined;
  /** The server process when it is the test's own. */
  process: ChildProcess | null;
  /** One command on a connection of its own (not the store's): `command(['CLIENT', 'PAUSE', '3000', 'ALL'])`. */
  command(args: string[]): Promise<unknown>;
  /** Removes every key of the test (FLUSHALL on its own server, its namespace's keys otherwise). */
  empty(): Promise<void>;
  stop(): Promise<void>;
}

async function redisCommand(url: string, args: string[]): Promise<unknown> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function startOwnRedis(): Promise<TestRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill('SIGKILL');
      lastError = new Error(`redis-server on port ${port} did not start:\n${output.slice(-2000)}`);
      continue;
    }
    // Nobody reads the pipes from here on: let the process write into the void.
    child.stdout!.resume();
    child.stderr!.resume();
    const url = `redis://127.0.0.1:${port}`;
    return {
      url,
      own: true,
      namespace: undefined,
      process: child,
      command: (args) => redisCommand(url, args),
      empty: async () => void (await redisCommand(url, ['FLUSHALL'])),
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      },
    };
  }
  throw lastError;
}

/**
 * A Redis of the test's own: its own redis-server when the binary is installed, else REDIS_URL's
 * server with a namespace of its own.
 */
export async function startTestRedis(): Promise<TestRedis> {
  if (redisServerInstalled) return startOwnRedis();
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('startTestRedis: neither redis-server nor REDIS_URL is available');
  const namespace = `pantau_t_${randomName()}`;
  const empty = async () => {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    await client.connect();
    try {
      for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) if (keys.length) await client.del(keys);
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  return { url, own: false, namespace, process: null, command: (args) => redisCommand(url, args), empty, stop: empty };
}

// ---------------------------------------------------------------------------------------------
// One describe block's store

/** A logger that keeps every line, for asserting what was logged. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export interface TestStores {
  readonly name: BackendName;
  /** Redis and PostgreSQL: several processes may share them. */
  readonly shared: boolean;
  /** The current test's store URL (set in beforeEach). */
  readonly url: string;
  /** The Redis of this block (redis only). */
  readonly redis: TestRedis | null;
  /** The database of this block (postgres only). */
  readonly database: TestDatabase | null;
  /** Opens the current test's store; closed after the test. */
  open(options?: OpenStoreOptions): Promise<Store>;
  /** The same data through a new store object (a restart); memory can only hand back `store` itself. */
  reopen(store: Store, options?: OpenStoreOptions): Promise<Store>;
}

/** Which backends can run here, and the line to print for those that cannot. */
export function availableBackends(): Array<{ name: BackendName; enabled: boolean }> {
  return [
    { name: 'memory', enabled: true },
    { name: 'sqlite', enabled: true },
    { name: 'redis', enabled: redisEnabled },
    { name: 'postgres', enabled: postgresEnabled },
  ];
}

/**
 * Call inside a `describe` block: gives every test an empty store of its own on `name` and closes
 * what the test opened. One redis-server and one database per block, emptied between its tests
 * (tests of one file run one after the other); both removed after the block.
 */
export function useTestStores(name: BackendName): TestStores {
  let dir = '';
  let counter = 0;
  let url = '';
  let redis: TestRedis | null = null;
  let database: TestDatabase | null = null;
  const opened: Store[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pantau-store-'));
    if (name === 'redis') redis = await startTestRedis();
    if (name === 'postgres') database = await createTestDatabase();
  });
  beforeEach(async () => {
    if (name === 'memory') url = 'memory://';
    if (name === 'sqlite') url = `sqlite://${path.join(dir, `store-${++counter}.sqlite`)}`;
    if (name === 'redis') url = redis!.url;
    if (name === 'postgres') url = database!.url;
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    await redis?.empty();
    await database?.empty();
  });
  afterAll(async () => {
    await redis?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(options: OpenStoreOptions = {}): Promise<Store> {
    const store = await openStore(url, dir, { namespace: redis?.namespace, ...options });
    opened.push(store);
    return store;
  }

  return {
    name,
    shared: name === 'redis' || name === 'postgres',
    get url() {
      return url;
    },
    get redis() {
      return redis;
    },
    get database() {
      return database;
    },
    open,
    reopen: async (store, options = {}) => (name === 'memory' ? store : open(options)),
  };
}

/** Writes `text` under `key` exactly as given, past Keyv's serializer (to plant a corrupt record). */
export async function writeRaw(store: Store, key: string, text: string): Promise<void> {
  const adapter = store.keyv.store as { set(key: string, value: string): unknown };
  await adapter.set(`${store.keyv.namespace}:${key}`, text);
}
