import type { StageSummary } from './tenders/tender-index.js';

/**
 * The vocabulary every part of pantau-lpse shares. Nothing here knows about chat platforms,
 * HTTP frameworks or the store backend.
 */

/** A portal the bot knows: from the built-in catalog or from the config's `portals` list. */
export interface Portal {
  /** Stable id used in commands, URLs and the store (catalog: the SPSE slug, e.g. `gresikkab`). */
  id: string;
  name: string;
  /** The address that is checked. */
  url: string;
  /** Extra words that find this portal (`gresik`, `lpse.gresikkab.go.id`). */
  aliases: string[];
  kind: string | null;
  province: string | null;
  legacyUrl: string | null;
  lkppRepoId: number | null;
  instansi: string[];
}

/** What a single check observed, after classification. */
export type ObservedState = 'up' | 'degraded' | 'down' | 'blocked';

/** What a portal is taken to be, after confirmation (see state-machine.ts). */
export type PortalState = ObservedState | 'unknown' | 'maintenance';

/**
 * Why a check was classified the way it was. Stable strings: they appear in the JSON API, the CSV
 * export, metrics labels and the message catalog.
 */
export const CAUSES = [
  'ok',
  'slow',
  'no_spse_markers',
  'cert_expiring',
  'dns',
  'connect_refused',
  'connect_reset',
  'timeout',
  'tls',
  'network',
  'http_status',
  'nginx_error',
  'spse_error',
  'spse_not_found',
  'maintenance_page',
  'body_too_large',
  'too_many_redirects',
  'redirect_refused',
  'origin_error',
  'cloudflare_challenge',
  'rate_limited',
  'access_denied',
  'waf_rejected',
  'bot_challenge',
  'proxy_error',
  'maintenance_window',
  'partial_outage',
  'unknown',
] as const;
export type Cause = (typeof CAUSES)[number];

/** Network-level failure kinds reported by the checker (no HTTP answer at all). */
export type NetworkFailure = 'dns' | 'connect_refused' | 'connect_reset' | 'timeout' | 'tls' | 'network';

/**
 * Why a check has no usable answer: a network-level failure; endless redirects; a redirect the
 * checker refused to follow (private address, the bot's own origin, not http(s)); or `aborted`,
 * the monitor stopping (says nothing about the portal: callers skip such results).
 */
export type CheckFailureKind = NetworkFailure | 'too_many_redirects' | 'redirect_refused' | 'aborted';

/**
 * The raw outcome of one GET. A portal being down is data, not an exception: the checker never
 * throws for anything the portal does.
 */
export interface CheckResult {
  portalId: string;
  url: string;
  /** Epoch ms when the request started. */
  startedAt: number;
  /** HTTP status of the final answer, or null when no answer arrived. */
  status: number | null;
  /** Time to response headers, ms (null without an answer). */
  ttfbMs: number | null;
  /** Time until the body was read (or the failure), ms. */
  totalMs: number;
  finalUrl: string;
  /** Lower-cased response headers that classification needs. */
  headers: Record<string, string>;
  /** The first bytes of the body decoded as text (capped), for classification. */
  body: string;
  bodyBytes: number;
  /** True when the body exceeded the cap and reading was stopped. */
  bodyTruncated: boolean;
  /** Epoch ms of the TLS certificate's notAfter, when the answer came over TLS. */
  certExpiresAt: number | null;
  /**
   * Set when no usable HTTP answer arrived. `code` is a stable identifier (`ECONNREFUSED`,
   * `REDIRECT_PRIVATE`, ...); `message` is the raw error text, for logs only: it may name
   * addresses and ports, so it must never be published (classification's `detail` never uses it).
   */
  failure: { kind: CheckFailureKind; code: string; message: string } | null;
}

/** A check result read against what SPSE pages look like. */
export interface Classification {
  state: ObservedState;
  cause: Cause;
  httpStatus: number | null;
  /** SPSE's `Kode Error` when the application error page was served. */
  errorCode: string | null;
  /** The error code decoded as a Play exception id: an estimate of when the failing instance started (ISO). */
  errorCodeEstimate: string | null;
  /** One line for logs and messages, in English (messages translate `cause`, not this). */
  detail: string;
  /** True when nothing answered at all (DNS, connect, TLS, timeout): feeds offline detection. */
  networkLevel: boolean;
}

/** A change of confirmed state, emitted by the state machine and written before it is announced. */
export interface Transition {
  /** Unique and stable: the idempotency key of every alert derived from it. */
  id: string;
  portalId: string;
  from: PortalState;
  to: PortalState;
  /** ISO time of the check that confirmed it. */
  at: string;
  /**
   * `down`: an outage begins; `up`: it ends; `degraded`/`recovered`: up ↔ degraded;
   * `silent`: recorded only (first result, blocked, maintenance).
   */
  kind: 'down' | 'up' | 'degraded' | 'recovered' | 'silent';
  cause: Cause;
  httpStatus: number | null;
  errorCode: string | null;
  errorCodeEstimate: string | null;
  detail: string;
  /** For `up`: when the outage began and how long it lasted. */
  outageStartedAt: string | null;
  outageDurationMs: number | null;
  /** For `up`: what the outage was (cause and error code at its start). */
  outageCause: Cause | null;
  outageErrorCode: string | null;
  /**
   * For `up`: the last check that still saw the outage. When checks stopped for a while (no lease
   * holder, a paused monitor), the outage ended somewhere between this and the first healthy check.
   */
  outageLastFailedAt?: string | null | undefined;
  /** For `up`: the incident it closes. */
  outageIncidentId?: string | null | undefined;
  /** Where it was seen from, when more than one vantage point speaks: those agreeing, of how many voting. */
  vantages?: { agreeing: string[]; voting: number } | undefined;
}

/** An outage from confirmed DOWN to confirmed UP. */
export interface Incident {
  id: string;
  portalId: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  cause: Cause;
  httpStatus: number | null;
  errorCode: string | null;
  errorCodeEstimate: string | null;
  detail: string;
  checksFailed: number;
  /** The last failing check of the outage (ISO); absent in records from before it was kept. */
  lastFailedAt?: string | null | undefined;
}

/** The languages the bot speaks. */
export type Language = 'id' | 'en';

/** A clock that tests can drive. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

// ---------------------------------------------------------------------------------------------
// What the bot remembers about a portal

/** A transition waiting to be handed to the outbox, tagged with the cycle that produced it. */
export interface PendingTransition extends Transition {
  cycleId: string;
}

/** Consecutive identical observations, and when the run began. */
export interface Streak {
  state: ObservedState;
  count: number;
  since: string;
}

/**
 * Everything the bot remembers about one portal between checks. It is written as one record, so
 * the confirmed state, the open incident and the transitions not yet handed to the outbox change
 * together: a crash can never separate "the state changed" from "the change must be announced".
 */
export interface PortalStatus {
  portalId: string;
  state: PortalState;
  cause: Cause;
  httpStatus: number | null;
  errorCode: string | null;
  errorCodeEstimate: string | null;
  detail: string;
  /** When the current confirmed state began. */
  since: string;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  streak: Streak | null;
  /** Consecutive observations that were up or degraded, and when the run began. */
  healthyStreak: { count: number; since: string } | null;
  openIncident: Incident | null;
  /** Increments with every transition: transition ids are `<portalId>:<seq>`, stable across restarts. */
  transitionSeq: number;
  pendingTransitions: PendingTransition[];
  /** What each vantage point (the hub's own checks, each probe) has seen and confirmed. */
  vantages?: Record<string, VantageView> | undefined;
}

/** What one vantage point has seen of one portal and confirmed (see core/vantage/consensus.ts). */
export interface VantageView {
  /** Confirmed at this vantage point: `unknown` until enough observations agree. */
  state: PortalState;
  /** The latest observation: its classification, when the check started (ISO) and its latency. */
  seen: Classification & { at: string; latencyMs: number | null };
  streak: Streak | null;
  healthyStreak: { count: number; since: string } | null;
}

// ---------------------------------------------------------------------------------------------
// Chats and alerts

export type ChatPlatformName = 'telegram' | 'discord';

/** Where alerts go: a chat, a forum topic in it, or a Discord channel (and its guild). */
export interface ChatRef {
  platform: ChatPlatformName;
  chatId: string;
  /** Telegram forum topic (`message_thread_id`); Discord threads are channels of their own. */
  threadId: string | null;
  /** Discord guild, so that leaving a guild can drop its channels. */
  guildId: string | null;
}

/** A chat, its subscriptions and settings. */
export interface ChatRecord {
  chat: ChatRef;
  title: string | null;
  portals: string[];
  language: Language | null;
  /** Also announce up ↔ degraded (off by default: it is noisy). */
  notifyDegraded: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The key of a chat (or one forum topic of it) in indexes and idempotency keys. */
export function chatKey(chat: Pick<ChatRef, 'platform' | 'chatId' | 'threadId'>): string {
  return `${chat.platform}:${chat.chatId}${chat.threadId ? `:${chat.threadId}` : ''}`;
}

/** One chat's message of a batch. */
export interface OutboxMessage {
  /** The idempotency key of this message. */
  key: string;
  chat: ChatRef;
  transitionIds: string[];
}

/** All alerts produced by one check cycle, one message per chat. */
export interface OutboxBatch {
  id: string;
  createdAt: string;
  transitions: PendingTransition[];
  messages: OutboxMessage[];
}

/** Uptime fractions 0–1 of healthy checks, or null when nothing was checked in the period. */
export interface Uptime {
  h24: number | null;
  d7: number | null;
  d30: number | null;
}

/** One portal's change inside an alert. */
export interface AlertItem {
  transition: Transition;
  portal: Portal;
  /** The portal's uptime when the alert was rendered, when known. */
  uptime: Uptime | null;
  /** The tender stages the change concerns (ending soon for a DOWN, ended during the outage for an UP). */
  tenders?: AlertTenders | undefined;
}

/** Tender stages in an alert: the soonest few of `total`, and where the evidence is. */
export interface AlertTenders {
  /** `ahead`: ending within `hours` of a DOWN; `during`: ended inside the outage an UP closes. */
  window: 'ahead' | 'during';
  hours: number;
  summary: StageSummary;
  /** The incident's affected-stages CSV, when a public address is configured. */
  evidenceUrl: string | null;
}

/** Everything a platform needs to render one alert message to one chat. */
export interface Alert {
  chat: ChatRef;
  language: Language;
  timezone: string;
  /** Status page address for links, when configured. */
  publicUrl: string | null;
  items: AlertItem[];
}

// ---------------------------------------------------------------------------------------------
// Maintenance

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A configured maintenance window: one-off (start/end, local time) or weekly. */
export interface MaintenanceWindow {
  /** Portal ids, or `all`. */
  portals: 'all' | string[];
  reason: string;
  timezone?: string | undefined;
  /** One-off window, local time `YYYY-MM-DDTHH:MM` (or with an explicit offset). */
  start?: string | undefined;
  end?: string | undefined;
  /** Recurring window on the given weekdays, local time (`to` before `from` runs past midnight). */
  weekly?: { days: Weekday[]; from: string; to: string } | undefined;
}

/** An owner's ad-hoc maintenance (from the chat command), stored until it ends. */
export interface AdHocMaintenance {
  portalId: string;
  until: string;
  reason: string;
  by: string;
}
