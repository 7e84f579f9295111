/**
 * Fault tests with real processes: two replicas of the bot (`node --import tsx src/main.ts`) on a
 * store of the test's own (a redis-server or a PostgreSQL database), each behind a pausable TCP
 * proxy to that store and an HTTP tap in front of one shared fake Telegram Bot API, watching fake
 * LPSE portals whose mode the test switches.
 *
 * Every replica's stdout/stderr goes to a file of its own (printed, the tail, when a test fails);
 * every child is killed after each test, at the worker's exit, and by the global teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, inject } from 'vitest';
import { createHistoryStore } from '../../src/store/history-store.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRecordAccess } from '../../src/store/record-access.js';
import { deliveryMarkerSchema } from '../../src/store/schemas.js';
import { createStateStore } from '../../src/store/state-store.js';
import { createSubscriptionStore } from '../../src/store/subscription-store.js';
import type { Incident, PortalStatus } from '../../src/core/types.js';
import { createFakeBotApi, type FakeBotApi, type SentMessage } from '../fakes/fake-bot-api.js';
import { createFakePortal, type FakePortal, type PortalMode } from '../fakes/fake-portal.js';
import { createTestDatabase, freePort, startTestRedis, type TestDatabase, type TestRedis } from '../helpers/stores.js';
import { startBotApiTap, startTcpProxy, type BotApiTap, type TapRecord, type TcpProxy } from './proxies.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A directory of this run: replica logs, the results rows, the registry of child pids. */
    faultsRunDir: string;
  }
}

export const FAULTS_ENABLED = Boolean(process.env.PANTAU_FAULTS);
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const TTL_SECONDS = 3;
export const TTL_MS = TTL_SECONDS * 1000;
export const CHAT_COUNT = 32;
export const TOKEN = '123456:FAULTS-ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const PORTALS = [
  { id: 'alfa', name: 'LPSE Alfa' },
  { id: 'bravo', name: 'LPSE Bravo' },
  { id: 'charlie', name: 'LPSE Charlie' },
] as const;
export type PortalId = (typeof PORTALS)[number]['id'];
export type StoreKind = 'redis' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['redis', 'postgres'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

function runDir(): string {
  let dir: string | undefined;
  try {
    dir = inject('faultsRunDir');
  } catch {
    dir = undefined;
  }
  if (!dir) {
    dir = process.env.PANTAU_FAULTS_DIR ?? mkdtempSync(path.join(tmpdir(), 'pantau-faults-'));
    process.env.PANTAU_FAULTS_DIR = dir;
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Children: registered so that nothing outlives the run

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function registerPid(pid: number | undefined, what: string) {
  if (pid) appendFileSync(path.join(runDir(), 'pids'), `${pid} ${what}\n`);
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Polls `probe` until it returns something truthy; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Replicas

export interface Health {
  code: number;
  status: string;
  role: 'leader' | 'standby';
  error: string | null;
}

export interface PortalJson {
  id: string;
  state: string;
  since: string;
  cause: string;
  lastCheckedAt: string | null;
}

export class Replica {
  readonly signals: Array<{ signal: string; at: number }> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
    readonly proxy: TcpProxy,
    readonly tap: BotApiTap,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  alive(): boolean {
    return this.exitInfo === null;
  }

  signal(signal: NodeJS.Signals): number {
    const at = Date.now();
    this.signals.push({ signal, at });
    process.kill(this.pid, signal);
    return at;
  }

  private async get(pathname: string, timeoutMs: number): Promise<Response | null> {
    try {
      return await fetch(`http://127.0.0.1:${this.port}${pathname}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      return null;
    }
  }

  /** /healthz, or null when the replica does not answer (gone, stopped, not listening yet). */
  async health(timeoutMs = 700): Promise<Health | null> {
    const res = await this.get('/healthz', timeoutMs);
    if (!res) return null;
    try {
      const body = (await res.json()) as Omit<Health, 'code'>;
      return { code: res.status, status: body.status, role: body.role, error: body.error };
    } catch {
      return null;
    }
  }

  /** `pantau_leader` from /metrics, or null without an answer. */
  async leaderMetric(timeoutMs = 700): Promise<number | null> {
    const res = await this.get('/metrics', timeoutMs);
    if (!res) return null;
    const text = await res.text().catch(() => '');
    const match = /^pantau_leader(?:\{[^}]*\})? (\S+)$/m.exec(text);
    return match ? Number(match[1]) : null;
  }

  async portals(timeoutMs = 1500): Promise<PortalJson[] | null> {
    const res = await this.get('/api/portals', timeoutMs);
    if (!res || res.status !== 200) return null;
    return (await res.json().catch(() => null)) as PortalJson[] | null;
  }

  async portalDetail(id: string, timeoutMs = 1500): Promise<(PortalJson & { incidents: Incident[] }) | null> {
    const res = await this.get(`/api/portals/${id}`, timeoutMs);
    if (!res || res.status !== 200) return null;
    return (await res.json().catch(() => null)) as (PortalJson & { incidents: Incident[] }) | null;
  }

  /** Bot API calls this replica made (through its tap). */
  calls(method?: string): TapRecord[] {
    return method ? this.tap.records.filter((r) => r.method === method) : this.tap.records;
  }

  /** Log lines (parsed JSON) of this replica so far. */
  logLines(): Array<Record<string, unknown>> {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return { msg: line };
        }
      });
  }

  tail(lines = 40): string {
    if (!existsSync(this.logFile)) return '(no log)';
    const all = readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean);
    return all
      .slice(-lines)
      .map((line) => {
        try {
          const { time, level, msg, component, err, ...rest } = JSON.parse(line) as Record<string, unknown>;
          delete rest.pid;
          delete rest.hostname;
          const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
          const error = err ? ` err=${JSON.stringify((err as { message?: string }).message ?? err)}` : '';
          return `${new Date(Number(time)).toISOString().slice(11, 23)} ${String(level)} [${String(component ?? '')}] ${String(msg)}${extra}${error}`;
        } catch {
          return line;
        }
      })
      .join('\n');
  }

  /** SIGKILL (also when stopped) and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.alive()) return;
    try {
      this.signal('SIGKILL');
    } catch {
      // Gone meanwhile.
    }
    await Promise.race([this.exited, sleep(5000)]);
  }
}

// ---------------------------------------------------------------------------------------------
// The whole set-up of one test

export interface Stack {
  kind: StoreKind;
  label: string;
  dir: string;
  /** The store itself (the replicas reach it through their proxies). */
  storeUrl: string;
  redis: TestRedis | null;
  database: TestDatabase | null;
  fake: FakeBotApi;
  portals: Record<PortalId, FakePortal>;
  chats: string[];
  a: Replica;
  b: Replica;
  replicas: Replica[];
  /** Starts one more replica process under `name` (a fresh proxy and tap). */
  startReplica(name: string): Promise<Replica>;
  setMode(portal: PortalId, mode: PortalMode): number;
  /** A store of the test process's own, opened directly (for reading what the replicas wrote). */
  observe<T>(run: (store: Store) => Promise<T>): Promise<T>;
  printTails(lines?: number): void;
  close(): Promise<void>;
}

function configYaml(portals: Record<string, FakePortal>): string {
  return [
    'check: { intervalSeconds: 1, failuresToDown: 1, successesToUp: 1, timeoutSeconds: 1, referenceUrls: [] }',
    'telegram: { pollTimeoutSeconds: 1, messagesPerSecond: 200, messagesPerSecondPerChat: 100, messagesPerMinutePerGroup: 1000 }',
    'portals:',
    ...PORTALS.flatMap((p) => [`  - id: ${p.id}`, `    name: ${JSON.stringify(p.name)}`, `    url: ${portals[p.id]!.url}`]),
    '',
  ].join('\n');
}

const viaProxy = (url: string, port: number) => {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
};

export async function startStack(kind: StoreKind, label: string): Promise<Stack> {
  const dir = path.join(runDir(), `${label}-${kind}`.replace(/[^a-z0-9-]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  const replicas: Replica[] = [];
  try {
    let redis: TestRedis | null = null;
    let database: TestDatabase | null = null;
    let storeUrl: string;
    if (kind === 'redis') {
      redis = await startTestRedis();
      const own = redis;
      cleanups.push(() => own.stop());
      if (!own.own) throw new Error('the fault tests need redis-server (a Redis of their own): CLIENT PAUSE would stop a shared one');
      registerPid(own.process?.pid, 'redis-server');
      storeUrl = own.url;
    } else {
      database = await createTestDatabase(DATABASE_URL);
      const own = database;
      cleanups.push(() => own.drop());
      storeUrl = own.url;
    }
    const target = new URL(storeUrl);

    const fake = await createFakeBotApi();
    cleanups.push(() => fake.close());
    const portals = {} as Record<PortalId, FakePortal>;
    for (const p of PORTALS) {
      portals[p.id] = await createFakePortal({ slug: p.id, name: p.name });
      const portal = portals[p.id];
      cleanups.push(() => portal.close());
    }

    // Subscribers, written through the project's own store code before any replica starts.
    const chats = Array.from({ length: CHAT_COUNT }, (_, i) => String(5_000_001 + i));
    {
      const store = await openStore(storeUrl);
      try {
        const subscriptions = createSubscriptionStore(store.keyv);
        for (const chatId of chats) {
          await subscriptions.subscribe({ platform: 'telegram', chatId, threadId: null, guildId: null }, PORTALS.map((p) => p.id), `Chat ${chatId}`);
        }
      } finally {
        await store.close();
      }
    }
    for (const chatId of chats) fake.addChat({ id: Number(chatId), type: 'private', first_name: `User ${chatId}` });

    const configPath = path.join(dir, 'pantau.yaml');
    writeFileSync(configPath, configYaml(portals));

    async function startReplica(name: string): Promise<Replica> {
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
      cleanups.push(() => proxy.close());
      const tap = await startBotApiTap(name, fake.apiRoot);
      cleanups.push(() => tap.close());
      const port = await freePort();
      const logFile = path.join(dir, `${name}.log`);
      const fd = openSync(logFile, 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: repoRoot,
        stdio: ['ignore', fd, fd],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          TMPDIR: process.env.TMPDIR ?? '/tmp',
          HTTP_PORT: String(port),
          STORE_URL: viaProxy(storeUrl, proxy.port),
          CONFIG_PATH: configPath,
          INSTANCE_ID: name,
          LEASE_TTL_SECONDS: String(TTL_SECONDS),
          TELEGRAM_BOT_TOKEN: TOKEN,
          TELEGRAM_API_ROOT: tap.apiRoot,
          LOG_LEVEL: 'info',
          NO_PRETTY_LOGS: '1',
        },
      });
      closeSync(fd);
      live.add(child);
      registerPid(child.pid, `replica ${name}`);
      const replica = new Replica(name, child, port, logFile, proxy, tap);
      replicas.push(replica);
      return replica;
    }

    const [a, b] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
    const stack: Stack = {
      kind,
      label,
      dir,
      storeUrl,
      redis,
      database,
      fake,
      portals,
      chats,
      a: a!,
      b: b!,
      replicas,
      startReplica,
      setMode(portal, mode) {
        portals[portal].setMode(mode);
        return Date.now();
      },
      async observe(run) {
        const store = await openStore(storeUrl);
        try {
          return await run(store);
        } finally {
          await store.close().catch(() => undefined);
        }
      },
      printTails(lines = 60) {
        for (const replica of replicas) {
          const exit = replica.exitInfo ? ` exited ${JSON.stringify(replica.exitInfo)}` : '';
          const signals = replica.signals.map((s) => `${s.signal}@${new Date(s.at).toISOString().slice(11, 23)}`).join(' ');
          console.log(`\n----- ${label} on ${kind}: ${replica.name} (pid ${replica.pid}${exit}; signals: ${signals || 'none'}) log ${replica.logFile}, last ${lines} lines:\n${replica.tail(lines)}`);
        }
      },
      async close() {
        await Promise.all(replicas.map((r) => r.kill()));
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      },
    };
    for (const replica of replicas) {
      void replica.exited.then((info) => {
        if (!replica.signals.some((s) => s.signal === 'SIGKILL' || s.signal === 'SIGTERM')) {
          console.log(`[faults] ${replica.name} exited by itself: ${JSON.stringify(info)}`);
        }
      });
    }
    return stack;
  } catch (error) {
    await Promise.all(replicas.map((r) => r.kill()));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

/**
 * Waits until both replicas answer 200, exactly one leads, and the leader has confirmed every
 * portal up (the first confirmed UP is silent): then a flip is the first alert.
 */
export async function whenReady(stack: Stack, timeoutMs = 25_000): Promise<{ leader: Replica; standby: Replica }> {
  return waitFor(
    'both replicas healthy, one leading, every portal up',
    async () => {
      const [ha, hb] = await Promise.all([stack.a.health(), stack.b.health()]);
      if (ha?.code !== 200 || hb?.code !== 200) return null;
      const leaders = [ha.role === 'leader' ? stack.a : null, hb.role === 'leader' ? stack.b : null].filter((r): r is Replica => r !== null);
      if (leaders.length !== 1) return null;
      const leader = leaders[0]!;
      const portals = await leader.portals();
      if (!portals || portals.length !== PORTALS.length || portals.some((p) => p.state !== 'up')) return null;
      return { leader, standby: leader === stack.a ? stack.b : stack.a };
    },
    timeoutMs,
    150,
  );
}

/** Polls until `replica` reports role leader; the time it did (ms since epoch). */
export async function whenLeader(replica: Replica, timeoutMs: number): Promise<number> {
  await waitFor(`${replica.name} to report role leader`, async () => (await replica.health())?.role === 'leader', timeoutMs, 50);
  return Date.now();
}

// ---------------------------------------------------------------------------------------------
// Alerts as the chats saw them

export type AlertKind = 'down' | 'up';

export function plainText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

const nameOf = (portal: PortalId) => PORTALS.find((p) => p.id === portal)!.name;

/** DOWN: starts with 🔴 and says DOWN; UP: starts with 🟢 and says "pulih"; both name the portal. */
export function isAlert(message: SentMessage, portal: PortalId, kind: AlertKind): boolean {
  if (message.method !== 'sendMessage' || !message.text) return false;
  const text = plainText(message.text);
  if (!text.includes(nameOf(portal))) return false;
  return kind === 'down' ? text.startsWith('🔴') && text.includes('DOWN') : text.startsWith('🟢') && text.includes('pulih');
}

export interface Tally {
  /** Messages of that alert per subscribed chat. */
  perChat: Map<string, SentMessage[]>;
  /** Subscribed chats that got none. */
  without: string[];
  /** Subscribed chats that got it more than once. */
  duplicated: string[];
  total: number;
}

export function tally(stack: Stack, portal: PortalId, kind: AlertKind, since = 0): Tally {
  const perChat = new Map<string, SentMessage[]>(stack.chats.map((c) => [c, []]));
  let total = 0;
  for (const message of stack.fake.sent) {
    if (message.at < since || !isAlert(message, portal, kind)) continue;
    total++;
    perChat.get(String(message.chat_id))?.push(message);
  }
  const without = [...perChat].filter(([, list]) => list.length === 0).map(([chat]) => chat);
  const duplicated = [...perChat].filter(([, list]) => list.length > 1).map(([chat]) => chat);
  return { perChat, without, duplicated, total };
}

/** Waits until every subscribed chat got the alert (at least once); the time the last one did. */
export async function whenAllAlerted(stack: Stack, portal: PortalId, kind: AlertKind, since: number, timeoutMs: number): Promise<number> {
  await waitFor(
    `every chat to get the ${kind.toUpperCase()} of ${portal}`,
    () => {
      const t = tally(stack, portal, kind, since);
      return t.without.length === 0 ? true : null;
    },
    timeoutMs,
    50,
  ).catch((error: Error) => {
    const t = tally(stack, portal, kind, since);
    throw new Error(`${error.message}: ${t.without.length} of ${stack.chats.length} chats got none`);
  });
  return Date.now();
}

/** Resolves (synchronously with the fake accepting it) once `count` messages of that alert were accepted. */
export function onAcceptedCount(stack: Stack, portal: PortalId, kind: AlertKind, since: number, count: number, act: () => void, timeoutMs: number): Promise<number> {
  return stack.fake
    .waitFor(
      (() => {
        let seen = tally(stack, portal, kind, since).total;
        return (message: SentMessage) => {
          if (message.at >= since && isAlert(message, portal, kind)) seen++;
          if (seen >= count) {
            act();
            return true;
          }
          return false;
        };
      })(),
      timeoutMs,
    )
    .then(() => Date.now());
}

/** The sends of `replica` (through its tap) that the platform accepted (200) since `since`. */
export function acceptedSendsVia(replica: Replica, since: number): TapRecord[] {
  return replica.calls('sendMessage').filter((r) => r.at >= since && r.status === 200);
}

/** The delivery markers in the store: chat id, the alert's digest, when written. */
export async function deliveryMarkers(stack: Stack): Promise<Array<{ chatId: string; digest: string; at: number; result: string }>> {
  return stack.observe(async (store) => {
    const rows = await createRecordAccess(store.keyv).list(deliveryMarkerSchema, 'outbox:done:');
    return rows.map(({ key, value }) => {
      const rest = key.slice('outbox:done:'.length);
      const [chat, digest] = rest.split('|');
      return { chatId: chat!.replace(/^telegram:/, ''), digest: digest ?? '', at: Date.parse(value.at), result: value.result };
    });
  });
}

/**
 * Chats whose alert the fault caught "in flight": `replica` had it accepted by the platform (the
 * fake answered 200 to its request) but no delivery marker was in the store at the fault. Only
 * these may be sent a second time by the next leader. A request the replica wrote just before the
 * fault can reach the tap a moment after it, so every request that arrived before `writtenBefore`
 * counts (a killed process writes nothing new; a stopped one nothing until it is continued).
 */
export async function inFlightAtFault(stack: Stack, replica: Replica, since: number, faultAt: number, writtenBefore = Number.POSITIVE_INFINITY) {
  const accepted = acceptedSendsVia(replica, since).filter((r) => r.at < writtenBefore);
  const markers = await deliveryMarkers(stack);
  const markedBefore = new Set(markers.filter((m) => m.at <= faultAt).map((m) => m.chatId));
  const chats = [...new Set(accepted.map((r) => r.chatId!).filter((chat) => !markedBefore.has(chat)))];
  return {
    chats,
    /** Sends of the replica the platform accepted (before `writtenBefore`). */
    accepted: accepted.length,
    /** Of those, how many reached the platform after the fault (written before it). */
    arrivedAfterFault: accepted.filter((r) => r.at > faultAt).length,
  };
}

// ---------------------------------------------------------------------------------------------
// What the store holds

export async function storedIncidents(stack: Stack, portal: PortalId): Promise<Incident[]> {
  return stack.observe((store) => createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 }).incidents(portal));
}

export async function storedState(stack: Stack, portal: PortalId): Promise<PortalStatus | undefined> {
  return stack.observe((store) => createStateStore(store.keyv).get(portal));
}

/**
 * Watches a portal's stored state and incidents every 100 ms from a connection of the test's own:
 * a write by a replica that no longer leads shows as `lastCheckedAt` going backwards (the leader's
 * checks only move forward) or as the incident list changing when nothing happened to the portal.
 */
export async function watchStored(stack: Stack, portal: PortalId) {
  const store = await openStore(stack.storeUrl);
  const states = createStateStore(store.keyv);
  const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
  const regressions: Array<{ at: number; from: string; to: string; state: string }> = [];
  const incidentVersions: string[] = [];
  let maxChecked = '';
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const [status, incidents] = await Promise.all([states.get(portal), history.incidents(portal)]);
        const checked = status?.lastCheckedAt ?? '';
        if (checked && maxChecked && checked < maxChecked) regressions.push({ at: Date.now(), from: maxChecked, to: checked, state: status!.state });
        if (checked > maxChecked) maxChecked = checked;
        const version = JSON.stringify(incidents.map((i) => [i.id, i.startedAt, i.endedAt]));
        if (incidentVersions.at(-1) !== version) incidentVersions.push(version);
      } catch {
        // The store may be paused or restarting: keep watching.
      }
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await store.close().catch(() => undefined);
      return { regressions, incidentVersions };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Results: one row per scenario and store, checked softly so every measurement is reported

export interface ResultRow {
  scenario: string;
  store: StoreKind;
  takeoverS: number | null;
  chatsWithoutAlert: number | null;
  duplicatedChats: number | null;
  /** The measurement that explains the row, in a few words. */
  note: string;
  ok: boolean;
  failures: string[];
  details: Record<string, unknown>;
  logs: string;
}

export class Row {
  takeoverS: number | null = null;
  chatsWithoutAlert: number | null = null;
  duplicatedChats: number | null = null;
  note = '';
  details: Record<string, unknown> = {};
  failures: string[] = [];
  completed = false;

  constructor(
    readonly scenario: string,
    readonly store: StoreKind,
  ) {}

  /** A soft check: recorded in the row and reported by vitest, the test goes on measuring. */
  check(what: string, ok: boolean, observed?: unknown) {
    const text = observed === undefined ? what : `${what} (observed: ${JSON.stringify(observed)})`;
    if (!ok) this.failures.push(text);
    expect.soft(ok, text).toBe(true);
  }

  done() {
    this.completed = true;
  }
}

/**
 * Call inside a describe block: `start()` builds a stack for the test, `row()` opens a result row.
 * After each test the stack is torn down (children killed), log tails printed when the test failed,
 * and the rows written for the summary.
 */
export function useFaultStack(kind: StoreKind) {
  let current: Stack | null = null;
  let rows: Row[] = [];
  afterEach(async (ctx) => {
    const result = ctx.task.result;
    const errors = (result?.errors ?? []).map((e) => String((e as { message?: string }).message ?? e).split('\n')[0]);
    const failed = result?.state === 'fail' || errors.length > 0;
    try {
      if (failed && current) current.printTails();
      for (const row of rows) {
        const unfinished = !row.completed ? [`the test stopped before this scenario finished: ${errors.find((e) => !row.failures.some((f) => e!.includes(f.slice(0, 40)))) ?? 'unknown error'}`] : [];
        const failures = [...row.failures, ...unfinished];
        const out: ResultRow = {
          scenario: row.scenario,
          store: row.store,
          takeoverS: row.takeoverS,
          chatsWithoutAlert: row.chatsWithoutAlert,
          duplicatedChats: row.duplicatedChats,
          note: row.note,
          ok: failures.length === 0,
          failures,
          details: row.details,
          logs: current?.dir ?? '',
        };
        appendFileSync(path.join(runDir(), 'rows.jsonl'), `${JSON.stringify(out)}\n`);
      }
    } finally {
      rows = [];
      const stack = current;
      current = null;
      await stack?.close();
    }
  });
  return {
    async start(label: string): Promise<Stack> {
      current = await startStack(kind, label);
      return current;
    },
    row(scenario: string): Row {
      const row = new Row(scenario, kind);
      rows.push(row);
      return row;
    },
  };
}
