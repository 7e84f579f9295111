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
  'cloudflare_challenge',
  'rate_limited',
  'maintenance_window',
  'unknown',
] as const;
export type Cause = (typeof CAUSES)[number];

/** Network-level failure kinds reported by the checker (no HTTP answer at all). */
export type NetworkFailure = 'dns' | 'connect_refused' | 'connect_reset' | 'timeout' | 'tls' | 'network';

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
  /** Set when no usable HTTP answer arrived. */
  failure: { kind: NetworkFailure | 'too_many_redirects'; code: string; message: string } | null;
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
}

/** A clock that tests can drive. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
