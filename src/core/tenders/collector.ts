/**
 * The tender collector: reads each watched portal's public package lists and the schedules of its
 * running packages, politely and within a budget of its own, so that alerts can say which bid
 * deadlines an outage hits.
 *
 * One refresh of a portal walks one way: the `/lelang` page (authenticity token and session cookie)
 * → the tender list, page by page → the non-tender list → the schedule page of every running
 * package that needs one. Each step is one request; a portal's progress is kept between rounds, so
 * a round does what fits its time budget and the next one continues (a portal of 2,000 packages
 * is read over several rounds; nothing but the parsed rows of the current page is ever held).
 *
 * When a refresh is due and may run:
 *
 * | Portal health (checks)                      | Tender pages refused (403, challenge, 429) | Collected? |
 * |---------------------------------------------|--------------------------------------------|------------|
 * | up, degraded                                 | no                                         | yes        |
 * | up, degraded                                 | yes, back-off not over                     | no         |
 * | up, degraded                                 | yes, back-off over                         | yes (one try) |
 * | down, blocked, maintenance, unknown          | any                                        | no         |
 *
 * Nothing the collector sees changes a portal's health: that is the checks' alone. A refusal of
 * tender pages pauses collection (15 min, doubling to 6 h) and is reported by `blocked(portalId)`.
 * Everything else a portal does wrong (HTML instead of JSON, empty lists, short rows, unknown
 * stages, unreadable dates, no token) is logged with the portal and the cause, counted
 * (`countError`), and the rest goes on.
 */
import type { Logger } from 'pino';
import type { TenderStore } from '../ports.js';
import type { Clock, PortalState } from '../types.js';
import { DEFAULT_TENDER_ZONE, yearIn } from './dates.js';
import type { TenderFetch, TenderRequest, TenderResponse } from './http.js';
import { listForm, parseListPage, type ListRow } from './list.js';
import { parseSchedulePage } from './schedule.js';
import { createTenderIndex, stageOccurrences, type TenderIndex } from './tender-index.js';
import { asciiLower } from './text.js';
import { findAuthenticityToken, sessionCookie, tokenFromCookie } from './token.js';
import {
  MAX_END_CHANGES,
  packageKey,
  type EndChange,
  type OutageWindow,
  type TenderBlockCause,
  type TenderErrorCause,
  type TenderKind,
  type TenderPackage,
  type TenderPortalState,
  type TenderStage,
} from './types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** `lastSeenAt` is written again only when it is older than this: a listed package is not rewritten every hour. */
const LAST_SEEN_GRANULARITY_MS = DAY_MS;
/** One log line per portal and cause at most this often (every occurrence is counted). */
const LOG_EVERY_MS = 10 * MINUTE_MS;

/** The `tenders.*` settings. */
export interface TenderCollectorSettings {
  /** How often each portal's lists are read. */
  refreshMinutes: number;
  /** Spacing between two tender requests to one origin (one in flight per origin). */
  requestIntervalMs: number;
  /** DataTables `length`. */
  pageLength: number;
  /** List pages read per list per refresh; beyond, `list_truncated`. */
  maxListPages: number;
  /** Schedule pages read per portal per refresh; the rest wait for the next refresh. */
  maxSchedulesPerRefresh: number;
  /** How long one round may run (call runRound about once a minute). */
  roundBudgetMs: number;
  /** A running package whose next stage end is this close has its schedule read again on every refresh. */
  scheduleRefreshWithinHours: number;
  /** A package is forgotten this long after its last stage ended. */
  retentionDays: number;
  /** First pause after a refusal; doubles on each further refusal up to backoffMaxMinutes. */
  backoffMinutes: number;
  backoffMaxMinutes: number;
  /** After a network failure or an unexpected status, the portal's refresh waits this long. */
  retryAfterErrorMinutes: number;
  /** A token older than this is fetched again before the next list page. */
  tokenMaxAgeMinutes: number;
  /** Schedules with a stage that ended inside an outage this recent are read on every refresh (to see extensions). */
  outageLookbackHours: number;
  /** Origins collected at the same time. */
  maxParallelOrigins: number;
  /** The zone schedule dates are read in, unless a portal says otherwise (WIB). */
  timeZone: string;
}

export const DEFAULT_TENDER_SETTINGS: TenderCollectorSettings = {
  refreshMinutes: 60,
  requestIntervalMs: 1500,
  pageLength: 100,
  maxListPages: 50,
  maxSchedulesPerRefresh: 300,
  roundBudgetMs: 50_000,
  scheduleRefreshWithinHours: 24,
  retentionDays: 30,
  backoffMinutes: 15,
  backoffMaxMinutes: 360,
  retryAfterErrorMinutes: 5,
  tokenMaxAgeMinutes: 10,
  outageLookbackHours: 72,
  maxParallelOrigins: 8,
  timeZone: DEFAULT_TENDER_ZONE,
};

/** A portal to collect: the caller passes the list every round (subscribed + configured portals). */
export interface TenderTarget {
  id: string;
  /** The portal's base URL (`https://spse.inaproc.id/gresikkab`, `http://lpse.x.go.id/eproc4`). */
  url: string;
  /** Zone its schedule dates are written in, when not the default (Asia/Makassar for WITA). */
  timeZone?: string | undefined;
  /** Portals some chat subscribes to go first when an origin's budget does not reach every portal. */
  subscribed?: boolean | undefined;
}

/** Which request a tender fetch was, for logs and metrics. */
export type TenderEndpoint = 'token' | 'list_tender' | 'list_nontender' | 'schedule';

export interface TenderCollectorOptions {
  fetch: TenderFetch;
  clock: Clock;
  store: TenderStore;
  /** The portal's confirmed state from the checks: collection runs only while it is up or degraded. */
  portalHealth: (portalId: string) => PortalState;
  logger: Logger;
  /** `pantau_tender_errors_total{portal,cause}`. */
  countError?: ((portalId: string, cause: TenderErrorCause) => void) | undefined;
  /** Every request made, with its endpoint and status (null: no answer). */
  observeRequest?: ((portalId: string, endpoint: TenderEndpoint, status: number | null) => void) | undefined;
  /** A portal's outages (incidents), to re-read schedules whose stage ended inside a recent one. */
  outagesOf?: ((portalId: string) => readonly OutageWindow[] | Promise<readonly OutageWindow[]>) | undefined;
  /** The index the queries read; default: a new one. */
  index?: TenderIndex | undefined;
  /** Waits between requests; default a timer. Tests and the bench pass one that moves a fake clock. */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  /** Missing or undefined keys take DEFAULT_TENDER_SETTINGS. */
  settings?: { [K in keyof TenderCollectorSettings]?: TenderCollectorSettings[K] | undefined } | undefined;
}

export interface TenderRoundReport {
  /** True when a round was still running: this call did nothing. */
  overlapped: boolean;
  requests: number;
  /** Portals whose refresh finished in this round. */
  refreshed: string[];
  /** Portals that refused tender pages in this round. */
  blocked: string[];
  /** Problems counted (each countError call). */
  errors: number;
  durationMs: number;
}

/** What the API shows about a portal's tender collection. */
export interface TenderCollectionStatus {
  portalId: string;
  lastRefreshAt: number | null;
  /** A refresh is under way (it continues over rounds). */
  refreshing: boolean;
  tendersBlocked: boolean;
  blockedCause: TenderBlockCause | null;
  blockedUntil: number | null;
  lastErrorCause: TenderErrorCause | null;
  lastErrorAt: number | null;
  packages: number;
}

export interface TenderCollector {
  readonly index: TenderIndex;
  readonly settings: Readonly<TenderCollectorSettings>;
  /** Forgets what memory holds and reloads packages and back-off from the store (start of a lease term). */
  recover(): Promise<void>;
  /** One round over `portals`: what is due, within the round's budget. Never rejects for what a portal does. */
  runRound(portals: readonly TenderTarget[]): Promise<TenderRoundReport>;
  /** True while the portal refuses tender pages (the API's `tendersBlocked`); cleared by its next answer. */
  blocked(portalId: string): boolean;
  status(portalId: string): TenderCollectionStatus;
  /** Aborts the round in flight (requests and waits): it returns soon. Later rounds run normally. */
  abort(): void;
}

interface QueueItem {
  kind: TenderKind;
  kode: string;
  /** 0: a stage ends soon or ended in an outage; 1: no schedule yet; 2: the row changed. */
  rank: number;
  /** The list row's fingerprint to keep once the schedule is read (null: keep the stored one). */
  fingerprint: string | null;
}

interface Progress {
  startedAt: number;
  phase: 'token' | 'list' | 'schedules';
  listKind: TenderKind;
  page: number;
  year: number;
  zone: string;
  token: string | null;
  tokenAt: number;
  tokenRetried: boolean;
  cookie: string | null;
  queue: QueueItem[];
  queued: Set<string>;
  /** Schedule requests made in this refresh. */
  schedulesRead: number;
  /** The packages due whatever their rows say were added to the queue (once, after the lists). */
  dueAdded: boolean;
  outages: Array<{ from: number; to: number }>;
  /** Not before this (a transient failure). */
  retryAt: number;
}

/** Work for one request: what to send and what to do with the answer. */
interface Step {
  endpoint: TenderEndpoint;
  request: TenderRequest;
  handle(response: TenderResponse): Promise<void>;
}

class Aborted extends Error {
  override name = 'AbortError';
}

function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new Aborted('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};
const baseOf = (url: string) => url.replace(/\/+$/, '');

/** A refusal of tender pages, or null. */
export function refusalOf(response: TenderResponse): TenderBlockCause | null {
  const { status, headers } = response;
  if (status === null) return null;
  if (status === 429) return 'rate_limited';
  if (asciiLower(headers['cf-mitigated'] ?? '').includes('challenge')) return 'cloudflare_challenge';
  if (status === 403 || status === 503 || status === 200) {
    const head = asciiLower(response.body.slice(0, 64 * 1024));
    const challenge = head.includes('just a moment') || head.includes('challenge-platform') || head.includes('cf-browser-verification');
    if (challenge && (status !== 200 || head.includes('<title>just a moment'))) return 'cloudflare_challenge';
    if (status === 403) return 'access_denied';
    // SPSE's "Akses Ditolak!" page in its layout, whatever the status a proxy gave it.
    if (status === 200 && head.includes('<title>akses ditolak')) return 'access_denied';
  }
  return null;
}

/** The next stage end at or after `now`, or null. */
function nextEnd(pkg: TenderPackage, now: number): number | null {
  let best: number | null = null;
  for (const stage of pkg.schedule) if (stage.end !== null && stage.end >= now && (best === null || stage.end < best)) best = stage.end;
  return best;
}

function lastEnd(pkg: TenderPackage): number | null {
  let best: number | null = null;
  for (const stage of pkg.schedule) if (stage.end !== null && (best === null || stage.end > best)) best = stage.end;
  return best;
}

/**
 * The new schedule, with every moved end remembered. An unreadable date keeps the one read before
 * (a page that briefly renders badly must not erase a known deadline).
 */
export function mergeSchedule(old: TenderPackage, stages: TenderStage[], now: number): { schedule: TenderStage[]; endChanges: EndChange[] } {
  const before = new Map<string, TenderStage>();
  const oldOccurrences = stageOccurrences(old.schedule);
  old.schedule.forEach((stage, i) => before.set(`${stage.stage}\u0000${oldOccurrences[i]}`, stage));
  const occurrences = stageOccurrences(stages);
  const changes: EndChange[] = [];
  const schedule = stages.map((stage, i) => {
    const previous = before.get(`${stage.stage}\u0000${occurrences[i]}`);
    if (!previous) return stage;
    const kept = {
      ...stage,
      start: stage.start ?? previous.start,
      end: stage.end ?? previous.end,
    };
    if (previous.end !== null && kept.end !== null && kept.end !== previous.end) {
      changes.push({ stage: stage.stage, occurrence: occurrences[i]!, previousEnd: previous.end, end: kept.end, seenAt: now });
    }
    return kept;
  });
  const endChanges = changes.length === 0 ? old.endChanges : [...old.endChanges, ...changes].slice(-MAX_END_CHANGES);
  return { schedule, endChanges };
}

/** The defaults with what was given, and the few bounds without which a loop would not end. */
function settingsOf(given: TenderCollectorOptions['settings']): TenderCollectorSettings {
  const settings: TenderCollectorSettings = { ...DEFAULT_TENDER_SETTINGS };
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  settings.pageLength = Math.max(1, Math.floor(settings.pageLength));
  settings.maxListPages = Math.max(1, Math.floor(settings.maxListPages));
  settings.maxSchedulesPerRefresh = Math.max(0, Math.floor(settings.maxSchedulesPerRefresh));
  settings.maxParallelOrigins = Math.max(1, Math.floor(settings.maxParallelOrigins));
  settings.requestIntervalMs = Math.max(0, settings.requestIntervalMs);
  settings.refreshMinutes = Math.max(1, settings.refreshMinutes);
  settings.roundBudgetMs = Math.max(1, settings.roundBudgetMs);
  return settings;
}

/** Creates the collector. Call `recover()` once the lease is held, then `runRound` about once a minute. */
export function createTenderCollector(options: TenderCollectorOptions): TenderCollector {
  const settings = settingsOf(options.settings);
  const { clock, store, fetch } = options;
  const index = options.index ?? createTenderIndex({ now: () => clock.now() });
  const sleep = options.sleep ?? timerSleep;
  const log = options.logger.child({ component: 'tenders' });
  const refreshMs = settings.refreshMinutes * MINUTE_MS;
  const states = new Map<string, TenderPortalState>();
  const progress = new Map<string, Progress>();
  const nextStartAt = new Map<string, number>();
  let round: Promise<TenderRoundReport> | null = null;
  let stop = new AbortController();
  let lastPruneAt = 0;
  const loggedAt = new Map<string, { at: number; unlogged: number }>();
  let report: TenderRoundReport = { overlapped: false, requests: 0, refreshed: [], blocked: [], errors: 0, durationMs: 0 };

  function stateOf(portalId: string): TenderPortalState {
    let state = states.get(portalId);
    if (!state) {
      state = { portalId, lastRefreshAt: null, blockedCause: null, blockedUntil: null, backoffMs: 0, lastErrorCause: null, lastErrorAt: null };
      states.set(portalId, state);
    }
    return state;
  }

  async function saveState(state: TenderPortalState) {
    try {
      await store.setPortalState(state);
    } catch (error) {
      log.error({ portalId: state.portalId, err: error }, 'tender collection state not saved');
    }
  }

  /**
   * Counts a problem every time, and logs it at most once per portal and cause per LOG_EVERY_MS
   * (with how many were not logged since): a portal whose schedule pages all changed shape would
   * otherwise write hundreds of lines per refresh.
   */
  function problem(portalId: string, cause: TenderErrorCause, detail: Record<string, unknown> = {}, times = 1) {
    for (let i = 0; i < times; i++) options.countError?.(portalId, cause);
    report.errors += times;
    const now = clock.now();
    const state = stateOf(portalId);
    state.lastErrorCause = cause;
    state.lastErrorAt = now;
    const key = `${portalId}\u0000${cause}`;
    const logged = loggedAt.get(key);
    if (logged && now - logged.at < LOG_EVERY_MS) {
      logged.unlogged += times;
      return;
    }
    const unlogged = logged?.unlogged ?? 0;
    loggedAt.set(key, { at: now, unlogged: 0 });
    log.warn({ portalId, cause, ...(times > 1 ? { count: times } : {}), ...(unlogged > 0 ? { notLoggedSince: unlogged } : {}), ...detail }, `tender collection: ${cause}`);
  }

  function problems(portalId: string, counted: Partial<Record<TenderErrorCause, number>>, detail: Record<string, unknown>) {
    for (const [cause, times] of Object.entries(counted) as Array<[TenderErrorCause, number]>) if (times > 0) problem(portalId, cause, detail, times);
  }

  // -------------------------------------------------------------------------------------------
  // Which portal next

  function healthy(portalId: string): boolean {
    const health = options.portalHealth(portalId);
    return health === 'up' || health === 'degraded';
  }

  function eligible(target: TenderTarget, now: number): boolean {
    if (!healthy(target.id)) return false;
    const state = states.get(target.id);
    if (state?.blockedUntil != null && state.blockedUntil > now) return false;
    const current = progress.get(target.id);
    if (current) return current.retryAt <= now;
    return !state || state.lastRefreshAt === null || now >= state.lastRefreshAt + refreshMs;
  }

  /** Refreshes under way first (oldest first), then subscribed portals, then the longest overdue. */
  function nextTarget(targets: readonly TenderTarget[], now: number): TenderTarget | null {
    let best: TenderTarget | null = null;
    let bestKey: [number, number, number] = [Infinity, Infinity, Infinity];
    for (const target of targets) {
      if (!eligible(target, now)) continue;
      const running = progress.get(target.id);
      const key: [number, number, number] = running
        ? [0, running.startedAt, 0]
        : [1, target.subscribed ? 0 : 1, states.get(target.id)?.lastRefreshAt ?? -Infinity];
      if (key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))) {
        best = target;
        bestKey = key;
      }
    }
    return best;
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  function begin(target: TenderTarget, now: number): Progress {
    const zone = target.timeZone ?? settings.timeZone;
    const started: Progress = {
      startedAt: now,
      phase: 'token',
      listKind: 'tender',
      page: 0,
      year: yearIn(now, zone),
      zone,
      token: null,
      tokenAt: 0,
      tokenRetried: false,
      cookie: null,
      queue: [],
      queued: new Set(),
      schedulesRead: 0,
      dueAdded: false,
      outages: [],
      retryAt: 0,
    };
    progress.set(target.id, started);
    return started;
  }

  function headers(p: Progress, base: string, extra: Record<string, string> = {}): Record<string, string> {
    return { referer: `${base}/lelang`, ...(p.cookie ? { cookie: p.cookie } : {}), ...extra };
  }

  /** Keeps the session cookie a response sets. */
  function keepCookie(p: Progress, response: TenderResponse) {
    const cookie = sessionCookie(response.headers['set-cookie']);
    if (cookie) p.cookie = cookie;
  }

  /** Deals with what every answer may be: a refusal, no answer, a cut body. True when the answer is usable. */
  async function usable(target: TenderTarget, p: Progress, endpoint: TenderEndpoint, response: TenderResponse): Promise<boolean> {
    const now = clock.now();
    const refusal = refusalOf(response);
    if (refusal) {
      await block(target.id, refusal, response);
      return false;
    }
    if (response.failure) {
      if (response.failure.kind === 'aborted') return false;
      p.retryAt = now + settings.retryAfterErrorMinutes * MINUTE_MS;
      problem(target.id, response.failure.kind === 'timeout' ? 'timeout' : 'fetch_failed', { endpoint, code: response.failure.code });
      return false;
    }
    await unblock(target.id);
    if (response.bodyTruncated) {
      problem(target.id, 'body_too_large', { endpoint, status: response.status });
      return false;
    }
    return true;
  }

  async function block(portalId: string, cause: TenderBlockCause, response: TenderResponse) {
    const state = stateOf(portalId);
    const now = clock.now();
    const maxMs = settings.backoffMaxMinutes * MINUTE_MS;
    let backoffMs = state.backoffMs > 0 ? Math.min(maxMs, state.backoffMs * 2) : settings.backoffMinutes * MINUTE_MS;
    const retryAfter = Number(response.headers['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter > 0) backoffMs = Math.min(maxMs, Math.max(backoffMs, retryAfter * 1000));
    state.backoffMs = backoffMs;
    state.blockedCause = cause;
    state.blockedUntil = now + backoffMs;
    // The session is spoiled; the next try starts the refresh again from the token.
    progress.delete(portalId);
    report.blocked.push(portalId);
    problem(portalId, cause, { status: response.status, pauseMinutes: Math.round(backoffMs / MINUTE_MS) });
    await saveState(state);
  }

  /**
   * An answer that is no refusal lifts the block at once; the back-off is kept until a whole
   * refresh went through, so a portal refusing only some pages still pauses longer each time.
   */
  async function unblock(portalId: string) {
    const state = states.get(portalId);
    if (!state || state.blockedCause === null) return;
    log.info({ portalId, cause: state.blockedCause }, 'tender pages answer again: collection resumes');
    state.blockedCause = null;
    state.blockedUntil = null;
    await saveState(state);
  }

  function tokenStep(target: TenderTarget, p: Progress): Step {
    const base = baseOf(target.url);
    return {
      endpoint: 'token',
      request: { url: `${base}/lelang`, method: 'GET', headers: { referer: `${base}/`, ...(p.cookie ? { cookie: p.cookie } : {}) } },
      async handle(response) {
        if (!(await usable(target, p, 'token', response))) return;
        keepCookie(p, response);
        if (response.status !== 200) {
          p.retryAt = clock.now() + settings.retryAfterErrorMinutes * MINUTE_MS;
          problem(target.id, 'http_status', { endpoint: 'token', status: response.status });
          return;
        }
        const token = findAuthenticityToken(response.body) ?? tokenFromCookie(p.cookie);
        if (!token) {
          // Without a token the lists cannot be read: this refresh ends here, the next one tries again.
          problem(target.id, 'token_missing', { endpoint: 'token' });
          await finish(target, p);
          return;
        }
        p.token = token;
        p.tokenAt = clock.now();
        p.phase = 'list';
      },
    };
  }

  function listStep(target: TenderTarget, p: Progress): Step {
    const base = baseOf(target.url);
    const kind = p.listKind;
    const endpoint: TenderEndpoint = kind === 'tender' ? 'list_tender' : 'list_nontender';
    const path = kind === 'tender' ? 'dt/lelang' : 'dt/pl';
    return {
      endpoint,
      request: {
        url: `${base}/${path}?tahun=${p.year}`,
        method: 'POST',
        headers: headers(p, base, { 'x-requested-with': 'XMLHttpRequest', accept: 'application/json, text/javascript, */*; q=0.01', origin: originOf(base) }),
        body: listForm({ draw: p.page + 1, start: p.page * settings.pageLength, length: settings.pageLength, token: p.token ?? '', kind }),
      },
      async handle(response) {
        if (!(await usable(target, p, endpoint, response))) return;
        keepCookie(p, response);
        const page = parseListPage(response.body, kind);
        if (!page.ok) {
          if (page.cause === 'list_not_json' && !p.tokenRetried) {
            // Most often an expired session: SPSE's error page. One fresh token, then the same page again.
            p.tokenRetried = true;
            p.phase = 'token';
            log.info({ portalId: target.id, endpoint, status: response.status }, 'list answered HTML: fetching a fresh token');
            return;
          }
          problem(target.id, page.cause, { endpoint, status: response.status, detail: page.detail });
          nextList(p);
          return;
        }
        problems(target.id, page.problems, { endpoint, page: p.page });
        if (p.page === 0 && page.rawRowCount === 0) problem(target.id, 'list_empty', { endpoint });
        await applyRows(target, p, page.rows);
        if (page.rawRowCount < settings.pageLength) {
          nextList(p);
        } else if (p.page + 1 >= settings.maxListPages) {
          problem(target.id, 'list_truncated', { endpoint, pages: settings.maxListPages });
          nextList(p);
        } else {
          p.page++;
        }
      },
    };
  }

  function nextList(p: Progress) {
    p.page = 0;
    p.tokenRetried = false;
    if (p.listKind === 'tender') p.listKind = 'nontender';
    else p.phase = 'schedules';
  }

  function enqueue(p: Progress, item: QueueItem) {
    const key = packageKey(item.kind, item.kode);
    if (p.queued.has(key)) {
      const existing = p.queue.find((q) => q.kind === item.kind && q.kode === item.kode);
      if (existing && item.rank < existing.rank) existing.rank = item.rank;
      if (existing && item.fingerprint) existing.fingerprint = item.fingerprint;
      return;
    }
    p.queued.add(key);
    p.queue.push(item);
    // Memory stays bounded whatever a list holds: the best ones are kept, the rest wait for the next refresh.
    if (p.queue.length > settings.maxSchedulesPerRefresh * 2) trimQueue(p);
  }

  function trimQueue(p: Progress) {
    p.queue.sort((a, b) => a.rank - b.rank);
    const room = Math.max(0, settings.maxSchedulesPerRefresh - p.schedulesRead);
    for (const dropped of p.queue.splice(room)) p.queued.delete(packageKey(dropped.kind, dropped.kode));
  }

  async function applyRows(target: TenderTarget, p: Progress, rows: ListRow[]) {
    const now = clock.now();
    const writes: TenderPackage[] = [];
    for (const row of rows) {
      const existing = index.get(target.id, row.kind, row.kode);
      if (!existing && !row.active) continue;
      const changed = existing?.rowFingerprint !== row.fingerprint;
      if (row.active && (changed || !existing || existing.scheduleFetchedAt === null)) {
        enqueue(p, { kind: row.kind, kode: row.kode, rank: !existing || existing.scheduleFetchedAt === null ? 1 : 2, fingerprint: row.fingerprint });
      }
      const listed = {
        name: row.name,
        badges: row.badges,
        agency: row.agency,
        stageText: row.stageText,
        active: row.active,
      };
      if (!existing) {
        writes.push({
          portalId: target.id,
          kode: row.kode,
          kind: row.kind,
          ...listed,
          // The fingerprint is taken once the schedule is read: until then the row counts as changed.
          rowFingerprint: '',
          schedule: [],
          scheduleChanges: null,
          scheduleFetchedAt: null,
          firstSeenAt: now,
          lastSeenAt: now,
          endChanges: [],
        });
        continue;
      }
      const fieldsChanged =
        existing.name !== row.name ||
        existing.agency !== row.agency ||
        existing.stageText !== row.stageText ||
        existing.active !== row.active ||
        existing.badges.join('\u0000') !== row.badges.join('\u0000');
      // A package that ended keeps no schedule request pending: its row is taken as read.
      const fingerprint = !row.active ? row.fingerprint : existing.rowFingerprint;
      if (fieldsChanged || fingerprint !== existing.rowFingerprint || now - existing.lastSeenAt > LAST_SEEN_GRANULARITY_MS) {
        writes.push({ ...existing, ...listed, rowFingerprint: fingerprint, lastSeenAt: now });
      }
    }
    if (writes.length === 0) return;
    await store.putMany(writes);
    for (const pkg of writes) index.upsert(pkg);
  }

  /** Adds the running packages whose schedule should be read again whatever their row says. */
  function enqueueDue(target: TenderTarget, p: Progress) {
    const now = clock.now();
    const soon = now + settings.scheduleRefreshWithinHours * HOUR_MS;
    for (const pkg of index.packages(target.id)) {
      if (!pkg.active) continue;
      const next = nextEnd(pkg, now);
      const inOutage = p.outages.length > 0 && pkg.schedule.some((s) => s.end !== null && p.outages.some((o) => s.end! >= o.from && s.end! <= o.to));
      if ((next !== null && next <= soon) || inOutage) enqueue(p, { kind: pkg.kind, kode: pkg.kode, rank: 0, fingerprint: null });
      else if (pkg.scheduleFetchedAt === null) enqueue(p, { kind: pkg.kind, kode: pkg.kode, rank: 1, fingerprint: null });
    }
  }

  async function loadOutages(target: TenderTarget, p: Progress) {
    if (!options.outagesOf) return;
    const now = clock.now();
    const since = now - settings.outageLookbackHours * HOUR_MS;
    try {
      const outages = await options.outagesOf(target.id);
      p.outages = outages
        .map((o) => ({ from: typeof o.startedAt === 'number' ? o.startedAt : Date.parse(o.startedAt), to: o.endedAt === null ? now : typeof o.endedAt === 'number' ? o.endedAt : Date.parse(o.endedAt) }))
        .filter((o) => Number.isFinite(o.from) && Number.isFinite(o.to) && o.to >= since)
        .slice(0, 50);
    } catch (error) {
      log.warn({ portalId: target.id, err: error }, 'outages not available: schedules are chosen without them');
    }
  }

  function scheduleStep(target: TenderTarget, p: Progress, item: QueueItem): Step {
    const base = baseOf(target.url);
    const path = item.kind === 'tender' ? 'lelang' : 'nontender';
    return {
      endpoint: 'schedule',
      request: { url: `${base}/${path}/${encodeURIComponent(item.kode)}/jadwal`, method: 'GET', headers: headers(p, base) },
      async handle(response) {
        if (!(await usable(target, p, 'schedule', response))) {
          // A transient failure keeps the item for the retry; a refusal drops the whole refresh.
          return;
        }
        p.queue.shift();
        p.schedulesRead++;
        keepCookie(p, response);
        if (response.status !== 200) {
          problem(target.id, 'http_status', { endpoint: 'schedule', kode: item.kode, status: response.status });
          return;
        }
        const parsed = parseSchedulePage(response.body, p.zone);
        if (!parsed.ok) {
          problem(target.id, parsed.cause, { endpoint: 'schedule', kode: item.kode, detail: parsed.detail });
          return;
        }
        problems(target.id, parsed.problems, { endpoint: 'schedule', kode: item.kode, ...(parsed.unknownStages.length ? { unknownStages: parsed.unknownStages } : {}) });
        const current = index.get(target.id, item.kind, item.kode);
        if (!current) return;
        const now = clock.now();
        const { schedule, endChanges } = mergeSchedule(current, parsed.stages, now);
        const updated: TenderPackage = {
          ...current,
          schedule,
          endChanges,
          scheduleChanges: parsed.scheduleChanges,
          scheduleFetchedAt: now,
          rowFingerprint: item.fingerprint ?? current.rowFingerprint,
        };
        await store.putMany([updated]);
        index.upsert(updated);
      },
    };
  }

  /** The refresh is over: remember when it started, forget what expired. */
  async function finish(target: TenderTarget, p: Progress) {
    progress.delete(target.id);
    const state = stateOf(target.id);
    state.lastRefreshAt = p.startedAt;
    state.backoffMs = 0;
    report.refreshed.push(target.id);
    await saveState(state);
    await prune([target.id]);
  }

  /** The next request of a portal's refresh, or null when the refresh finished without one. */
  async function nextStep(target: TenderTarget): Promise<Step | null> {
    const now = clock.now();
    const p = progress.get(target.id) ?? begin(target, now);
    if (p.phase === 'list' && (p.token === null || now - p.tokenAt > settings.tokenMaxAgeMinutes * MINUTE_MS)) p.phase = 'token';
    if (p.phase === 'token') return tokenStep(target, p);
    if (p.phase === 'list') return listStep(target, p);
    if (!p.dueAdded) {
      // Once per refresh, when the lists are read: schedules due whatever their rows say.
      p.dueAdded = true;
      await loadOutages(target, p);
      enqueueDue(target, p);
      trimQueue(p);
    }
    while (p.queue.length > 0) {
      if (p.schedulesRead >= settings.maxSchedulesPerRefresh) break;
      const item = p.queue[0]!;
      const pkg = index.get(target.id, item.kind, item.kode);
      if (!pkg || !pkg.active) {
        p.queue.shift();
        continue;
      }
      return scheduleStep(target, p, item);
    }
    await finish(target, p);
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // Rounds

  async function prune(portalIds: Iterable<string>) {
    const now = clock.now();
    const retentionMs = settings.retentionDays * DAY_MS;
    const expired: TenderPackage[] = [];
    for (const portalId of portalIds) {
      for (const pkg of index.packages(portalId)) {
        const ended = lastEnd(pkg);
        // A package still listed as running is kept while it is listed (it would come back at once).
        const keepFrom = Math.max(ended ?? -Infinity, pkg.active || ended === null ? pkg.lastSeenAt : -Infinity);
        if (keepFrom + retentionMs < now) expired.push(pkg);
      }
    }
    if (expired.length === 0) return;
    try {
      await store.removeMany(expired);
      for (const pkg of expired) index.remove(pkg.portalId, pkg.kind, pkg.kode);
      log.info({ count: expired.length }, 'forgot packages whose last stage ended over the retention period ago');
    } catch (error) {
      log.error({ err: error }, 'expired packages not removed; tried again later');
    }
  }

  async function originWorker(targets: readonly TenderTarget[], origin: string, deadline: number, signal: AbortSignal) {
    for (;;) {
      if (signal.aborted) return;
      const now = clock.now();
      if (now >= deadline) return;
      const target = nextTarget(targets, now);
      if (!target) return;
      try {
        const step = await nextStep(target);
        if (!step) continue;
        const startAt = Math.max(clock.now(), nextStartAt.get(origin) ?? 0);
        if (startAt >= deadline) return;
        if (startAt > clock.now()) await sleep(startAt - clock.now(), signal);
        if (signal.aborted) return;
        // The next one waits a full interval after this one started; only one is in flight (this loop).
        nextStartAt.set(origin, clock.now() + settings.requestIntervalMs);
        const response = await fetch({ ...step.request, signal });
        report.requests++;
        options.observeRequest?.(target.id, step.endpoint, response.status);
        if (response.failure?.kind === 'aborted') return;
        await step.handle(response);
      } catch (error) {
        if (signal.aborted) return;
        // The store refused a write, or something unforeseen: this portal waits, the loop goes on.
        const p = progress.get(target.id);
        if (p) p.retryAt = clock.now() + settings.retryAfterErrorMinutes * MINUTE_MS;
        const cause: TenderErrorCause = (error as { name?: string })?.name === 'StoreError' ? 'store_failed' : 'fetch_failed';
        problem(target.id, cause, { err: error });
        if (!p) return;
      }
    }
  }

  async function runRound(targets: readonly TenderTarget[]): Promise<TenderRoundReport> {
    const t0 = clock.now();
    report = { overlapped: false, requests: 0, refreshed: [], blocked: [], errors: 0, durationMs: 0 };
    const deadline = t0 + settings.roundBudgetMs;
    const signal = stop.signal;
    const wanted = new Set(targets.map((t) => t.id));
    for (const id of progress.keys()) if (!wanted.has(id)) progress.delete(id);
    if (t0 - lastPruneAt >= refreshMs) {
      lastPruneAt = t0;
      await prune(index.portalIds());
    }
    const byOrigin = new Map<string, TenderTarget[]>();
    for (const target of targets) {
      const origin = originOf(target.url);
      let list = byOrigin.get(origin);
      if (!list) byOrigin.set(origin, (list = []));
      list.push(target);
    }
    const origins = [...byOrigin.entries()];
    let next = 0;
    const workers = Array.from({ length: Math.min(settings.maxParallelOrigins, origins.length) }, async () => {
      while (next < origins.length && !signal.aborted && clock.now() < deadline) {
        const [origin, list] = origins[next++]!;
        await originWorker(list, origin, deadline, signal).catch((error: unknown) => {
          if (!signal.aborted) log.error({ origin, err: error }, 'tender collection of an origin failed; it goes on next round');
        });
      }
    });
    await Promise.all(workers);
    report.durationMs = clock.now() - t0;
    return report;
  }

  return {
    index,
    settings,
    async recover() {
      progress.clear();
      states.clear();
      const [packages, portalStates] = await Promise.all([store.all(), store.portalStates()]);
      index.replaceAll(packages);
      for (const state of portalStates) states.set(state.portalId, state);
      log.info({ packages: packages.length, portals: portalStates.length }, 'tender packages loaded');
    },
    runRound(targets) {
      if (round) return Promise.resolve({ overlapped: true, requests: 0, refreshed: [], blocked: [], errors: 0, durationMs: 0 });
      round = runRound(targets).finally(() => {
        round = null;
      });
      return round;
    },
    blocked: (portalId) => (states.get(portalId)?.blockedCause ?? null) !== null,
    status(portalId) {
      const state = states.get(portalId);
      return {
        portalId,
        lastRefreshAt: state?.lastRefreshAt ?? null,
        refreshing: progress.has(portalId),
        tendersBlocked: (state?.blockedCause ?? null) !== null,
        blockedCause: state?.blockedCause ?? null,
        blockedUntil: state?.blockedUntil ?? null,
        lastErrorCause: state?.lastErrorCause ?? null,
        lastErrorAt: state?.lastErrorAt ?? null,
        packages: index.packages(portalId).length,
      };
    },
    abort() {
      const current = stop;
      stop = new AbortController();
      current.abort();
    },
  };
}
