import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, buildConnector, Pool, ProxyAgent, type Dispatcher } from 'undici';
import {
  assertPublicTarget,
  guardedLookup,
  ipLiteral,
  isForbiddenAddress,
  isPrivateHost,
  isRedirectRefusal,
  nextHop,
  normalizeOrigins,
  refusalError,
  resolveAll,
  type ResolveAll,
} from './redirect-policy.js';
import type { CheckFailureKind, CheckResult, NetworkFailure, Portal } from './types.js';

export interface CheckerOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
  maxConcurrentPerHost: number;
  maxConcurrency: number;
  /** Requests per second to any one origin (scheme, host, port); Infinity lifts the limit. */
  maxRequestsPerSecondPerHost: number;
  /** Extra trusted CA certificates (PEM), for portals behind a private CA. */
  ca?: string[];
  /**
   * The bot's own HTTP origins (`http://localhost:8080`, the public status page's origin): a portal
   * redirecting there is refused (`redirect_refused`), it is never read as the portal answering.
   */
  ownOrigins?: string[];
  /** Name resolution for redirect targets and the address policy. Default: node:dns lookup, all addresses. */
  resolve?: ResolveAll;
  /** The address policy for redirect targets. Default: isForbiddenAddress (loopback, private, link-local, ...). */
  isForbiddenAddress?: (address: string) => boolean;
  /**
   * An HTTP(S) forward proxy every check goes through (`http://user:password@host:port`), unless
   * the portal has a route of its own in `portalProxyUrls`. Absent: checks connect directly.
   */
  proxyUrl?: string | undefined;
  /**
   * Routes of single portals, by portal id: a proxy URL, or `'direct'` to connect directly even
   * when `proxyUrl` is set. Wins over `proxyUrl`. Checks of other ids (the reference addresses)
   * take `proxyUrl`.
   */
  portalProxyUrls?: Readonly<Record<string, string>> | undefined;
}

/** A portal route (`portalProxyUrls`) that connects directly, whatever `proxyUrl` says. */
export const DIRECT = 'direct';

/**
 * The `code` of a check that failed because the proxy failed, not the portal: its connection to the
 * proxy was refused, reset or timed out, its name did not resolve, TLS to it failed, it refused the
 * credentials (407), or it answered the tunnel request (CONNECT) with another status than 200
 * (`PROXY_HTTP_502`: a bad gateway, or a proxy that could not reach the portal: from outside the
 * proxy the two cannot be told apart). The failure's kind is `network`.
 */
export type ProxyFailureCode = 'PROXY_REFUSED' | 'PROXY_RESET' | 'PROXY_TIMEOUT' | 'PROXY_DNS' | 'PROXY_TLS' | 'PROXY_AUTH' | `PROXY_HTTP_${number}` | 'PROXY_ERROR';

/** True for the code of a failure of the proxy itself (see ProxyFailureCode): it says nothing about the portal. */
export function isProxyFailure(failure: CheckResult['failure']): boolean {
  return failure !== null && failure.code.startsWith('PROXY_');
}

/** Percent-decoded userinfo (as undici itself reads a proxy URL's credentials); the text as is when malformed. */
function decodeUserinfo(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A proxy URL's address without its credentials, and the credentials as a Proxy-Authorization
 * value (`user@` alone is `user:`, which undici's own reading of the URI would drop).
 */
function splitProxyUrl(proxyUrl: string): { uri: string; token: string | null; user: string; password: string } {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    // Never the value itself: it may carry a password.
    throw new Error('proxyUrl: not a URL (expected http(s)://[user:password@]host:port)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('proxyUrl: expected an http:// or https:// proxy');
  const credentials = `${decodeUserinfo(url.username)}:${decodeUserinfo(url.password)}`;
  const token = url.username || url.password ? `Basic ${Buffer.from(credentials).toString('base64')}` : null;
  return { uri: url.origin, token, user: url.username, password: url.password };
}

/**
 * Every form a proxy URL's credentials can take in text: `user:password` as written and decoded,
 * the password alone (both forms) and the Basic token. For the logger's scrubbing (createLogger's
 * `secrets`); empty for `direct`, an unusable value or a proxy without credentials.
 */
export function proxySecrets(proxyUrl: string | null | undefined): string[] {
  if (!proxyUrl || proxyUrl === DIRECT) return [];
  let parts: ReturnType<typeof splitProxyUrl>;
  try {
    parts = splitProxyUrl(proxyUrl);
  } catch {
    return [];
  }
  if (!parts.token) return [];
  const { user, password, token } = parts;
  const forms = [`${user}:${password}`, `${decodeUserinfo(user)}:${decodeUserinfo(password)}`, password, decodeUserinfo(password), token.slice('Basic '.length)];
  return [...new Set(forms)].filter((form) => form.length > 0 && form !== ':');
}

export interface Checker {
  /** One GET, redirects followed; resolves (never rejects) with what happened. */
  check(portal: Pick<Portal, 'id' | 'url'>): Promise<CheckResult>;
  /**
   * Aborts every check in flight or waiting for a slot: each resolves at once with
   * `failure.kind === 'aborted'` (see isAborted). Checks started afterwards run normally.
   */
  abortAll(): void;
  /** Aborts every check (as abortAll), then closes the connections. Later checks resolve as aborted. */
  close(): Promise<void>;
}

// Classification only needs the top of the page; more than this is read and counted, not kept.
const BODY_SAMPLE_BYTES = 256 * 1024;
const KEPT_HEADERS = ['content-type', 'server', 'cf-mitigated', 'cf-ray', 'set-cookie', 'location', 'retry-after'];
/** A kept header value is cut here; `set-cookie` keeps at most this many cookies, each cut as well. */
const MAX_HEADER_CHARS = 1024;
const MAX_COOKIES = 16;

/** True for a result of a check that was aborted (the monitor stopping): it says nothing about the portal. */
export function isAborted(result: CheckResult): boolean {
  return result.failure?.kind === 'aborted';
}

/** True when nothing answered at all (DNS, connect, TLS, timeout), as opposed to a refused redirect or an abort. */
export function isNetworkFailure(failure: CheckResult['failure']): boolean {
  return failure !== null && failure.kind !== 'too_many_redirects' && failure.kind !== 'redirect_refused' && failure.kind !== 'aborted';
}

class Aborted extends Error {
  override name = 'AbortError';
}

/**
 * Waiting checks, all of which one abort ends at once. A waiter holds no listener on any shared
 * signal: with hundreds of checks queued each cycle, a listener each would be added and removed
 * per check (and Node's EventTarget removes in linear time).
 */
class WaitList {
  private readonly waiters = new Set<(reason: Error) => void>();
  private reason: Error | null = null;

  /** Runs `start(resolve, reject)`; the promise is rejected at once when the list is aborted. */
  wait<T>(start: (resolve: (value: T) => void, reject: (error: Error) => void) => (() => void) | void): Promise<T> {
    if (this.reason) return Promise.reject(this.reason);
    const waiters = this.waiters;
    return new Promise<T>((resolve, reject) => {
      function onAbort(reason: Error) {
        cancel?.();
        reject(reason);
      }
      waiters.add(onAbort);
      const cancel = start(
        (value) => {
          waiters.delete(onAbort);
          resolve(value);
        },
        (error) => {
          waiters.delete(onAbort);
          reject(error);
        },
      );
    });
  }

  get aborted(): boolean {
    return this.reason !== null;
  }

  /** Rejects every waiter, now and later. */
  abort(reason: Error): void {
    this.reason = reason;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const onAbort of waiters) onAbort(reason);
  }
}

/** A FIFO counting semaphore whose waiters are rejected when their wait list is aborted. */
function createSemaphore(size: number) {
  let free = size;
  const waiting: Array<() => void> = [];
  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
  return {
    acquire(list: WaitList): Promise<() => void> {
      if (list.aborted) return list.wait(() => undefined);
      if (free > 0) {
        free--;
        return Promise.resolve(releaser());
      }
      return list.wait<() => void>((resolve) => {
        const grant = () => resolve(releaser());
        waiting.push(grant);
        return () => {
          const index = waiting.indexOf(grant);
          if (index !== -1) waiting.splice(index, 1);
        };
      });
    },
  };
}

/**
 * Politeness towards one origin: requests start at most `ratePerSecond` apart, in arrival order,
 * and at most `concurrency` are in flight. 600 catalog portals share spse.inaproc.id.
 */
function createOriginGate(ratePerSecond: number, concurrency: number) {
  const spacingMs = Number.isFinite(ratePerSecond) ? 1000 / ratePerSecond : 0;
  const origins = new Map<string, { nextStartAt: number; semaphore: ReturnType<typeof createSemaphore> }>();
  return async (origin: string, list: WaitList): Promise<() => void> => {
    let gate = origins.get(origin);
    if (!gate) {
      gate = { nextStartAt: 0, semaphore: createSemaphore(concurrency) };
      origins.set(origin, gate);
    }
    const release = await gate.semaphore.acquire(list);
    const now = Date.now();
    const startAt = Math.max(now, gate.nextStartAt);
    gate.nextStartAt = startAt + spacingMs;
    if (startAt > now) {
      try {
        await list.wait<void>((resolve) => {
          const timer = setTimeout(resolve, startAt - now);
          return () => clearTimeout(timer);
        });
      } catch (error) {
        release();
        throw error;
      }
    }
    return release;
  };
}

/** The kept chunks as text, at most BODY_SAMPLE_BYTES of them (most pages arrive in one chunk: no copy then). */
function bodySample(chunks: Buffer[]): string {
  if (chunks.length === 1) return chunks[0]!.toString('utf8', 0, Math.min(chunks[0]!.length, BODY_SAMPLE_BYTES));
  return Buffer.concat(chunks).toString('utf8', 0, BODY_SAMPLE_BYTES);
}

/**
 * A check that got an answer, its page decoded from the chunks each time `body` is read, never kept:
 * classification reads it once, after the await that hands the result over. Hundreds of checks run
 * at a time, and a 20 KB string held by a result that is still referenced for a while (a caller's
 * suspended frame) lives through young-generation collections, is copied and promoted, and costs
 * more than the request itself; the chunks are small handles to memory outside the JavaScript heap.
 * A class, so that every result shares one shape and one getter (no property defined per result).
 */
class AnsweredCheck implements CheckResult {
  readonly portalId: string;
  readonly url: string;
  readonly startedAt: number;
  readonly status: number | null;
  readonly ttfbMs: number | null;
  readonly totalMs: number;
  readonly finalUrl: string;
  readonly headers: Record<string, string>;
  readonly bodyBytes: number;
  readonly bodyTruncated: boolean;
  readonly certExpiresAt: number | null;
  readonly failure: CheckResult['failure'];
  readonly #chunks: Buffer[];

  constructor(fields: Omit<CheckResult, 'body'>, chunks: Buffer[]) {
    this.portalId = fields.portalId;
    this.url = fields.url;
    this.startedAt = fields.startedAt;
    this.status = fields.status;
    this.ttfbMs = fields.ttfbMs;
    this.totalMs = fields.totalMs;
    this.finalUrl = fields.finalUrl;
    this.headers = fields.headers;
    this.bodyBytes = fields.bodyBytes;
    this.bodyTruncated = fields.bodyTruncated;
    this.certExpiresAt = fields.certExpiresAt;
    this.failure = fields.failure;
    this.#chunks = chunks;
  }

  get body(): string {
    return bodySample(this.#chunks);
  }

  /** Serialized (logs, tests) with its page, like any other result. */
  toJSON(): CheckResult {
    return { ...this, body: this.body };
  }
}

/** The response headers classification needs, each value bounded. */
function keptHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = raw[name];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value.slice(0, MAX_COOKIES) : [value];
    headers[name] = values
      .map((v) => String(v).slice(0, MAX_HEADER_CHARS))
      .join('\n')
      .slice(0, name === 'set-cookie' ? MAX_HEADER_CHARS * 4 : MAX_HEADER_CHARS);
  }
  return headers;
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    const name = (current as { name?: unknown }).name;
    if (name === 'TimeoutError') return 'TIMEOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return (error as { name?: string })?.name ?? 'ERROR';
}

function failureKind(code: string): NetworkFailure | 'redirect_refused' {
  // The proxy failed, not the portal (before the TLS test below: PROXY_TLS is no portal's TLS).
  if (code.startsWith('PROXY_')) return 'network';
  if (isRedirectRefusal(code)) return 'redirect_refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return 'dns';
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connect_reset';
  if (code === 'TIMEOUT' || code === 'ETIMEDOUT' || code.startsWith('UND_ERR_') && code.includes('TIMEOUT')) return 'timeout';
  if (code.includes('CERT') || code.includes('SSL') || code.includes('TLS') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN') return 'tls';
  return 'network';
}

function messageOf(error: unknown, code: string): string {
  return ((error as Error)?.message || code).slice(0, 500);
}

/** The proxy's failure code for what went wrong on the way to it (kinds as failureKind reads codes). */
const PROXY_CODE_BY_KIND: Record<NetworkFailure, ProxyFailureCode> = {
  dns: 'PROXY_DNS',
  connect_refused: 'PROXY_REFUSED',
  connect_reset: 'PROXY_RESET',
  timeout: 'PROXY_TIMEOUT',
  tls: 'PROXY_TLS',
  network: 'PROXY_ERROR',
};

/** The newest certificate an origin showed, from the socket a connector handed over. */
function rememberCert(certs: Map<string, number>, connectOptions: buildConnector.Options, socket: Socket | TLSSocket): void {
  if (!('getPeerCertificate' in socket)) return;
  const validTo = socket.getPeerCertificate()?.valid_to;
  const port = connectOptions.port ? `:${connectOptions.port}` : '';
  const origin = new URL(`${connectOptions.protocol}//${connectOptions.hostname}${port}`).origin;
  if (validTo) certs.set(origin, Date.parse(validTo));
}

/** How a check reaches portals: directly, or through one proxy. */
interface Route {
  /** For the configured address (trusted). */
  dispatcher: Dispatcher;
  /** For redirect hops when the portal is not itself private. */
  guarded: Dispatcher;
  /** Each origin's newest certificate seen on this route, epoch ms. */
  certs: Map<string, number>;
  proxy: ProxyRoute | null;
}

interface ProxyRoute {
  /** The proxy's origin, credentials removed: all any message may name. */
  label: string;
  /** Removes the credentials, in every form, from a message (should a library ever echo them). */
  scrub(text: string): string;
  /**
   * Tunnel requests (CONNECT) in flight per target `host:port`, and when one last opened: a check
   * that times out while its tunnel is still being asked for timed out at the proxy.
   */
  tunnels: Map<string, { pending: number; openedAt: number }>;
}

/** `host:port` as the tunnel request names it (undici adds the scheme's default port). */
function tunnelTarget(url: URL): string {
  return url.port ? url.host : `${url.host}:${url.protocol === 'https:' ? 443 : 80}`;
}

/** True when a tunnel to `url`'s host is still being asked for and none opened since `since`. */
function tunnelStalled(proxy: ProxyRoute, url: URL, since: number): boolean {
  const entry = proxy.tunnels.get(tunnelTarget(url));
  return entry !== undefined && entry.pending > 0 && entry.openedAt < since;
}

/** How long close() waits for a dispatcher to close gracefully (a connect still hanging) before destroying it. */
const CLOSE_GRACE_MS = 1000;

async function closeOrDestroy(dispatcher: Dispatcher): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS);
  });
  const outcome = await Promise.race([dispatcher.close().then(() => 'closed' as const, () => 'failed' as const), late]);
  clearTimeout(timer);
  if (outcome !== 'closed') await dispatcher.destroy().catch(() => undefined);
}

/** `promise`, or its rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * A check's deadline and the checker-wide stop, whichever comes first. The exchange in progress is
 * told directly (one callback, no listener on an EventTarget: hundreds of checks a second add and
 * remove nothing); an AbortSignal is made only for the rare awaits that take one (redirect policy).
 */
class Deadline {
  reason: Error | null = null;
  private onAbortHook: ((reason: Error) => void) | null = null;
  private controller: AbortController | null = null;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Who is told when the deadline passes (one exchange at a time); null to stop telling. */
  onAbort(hook: ((reason: Error) => void) | null): void {
    this.onAbortHook = hook;
  }

  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.onAbortHook?.(reason);
    this.controller?.abort(reason);
  }
}

/** What one HTTP exchange produced: the response head, then the body as far as it was read. */
interface Exchange {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** performance.now() when the response head arrived. */
  headAt: number;
  /** The first BODY_SAMPLE_BYTES (or a little more: whole chunks) of the body. */
  chunks: Buffer[];
  bodyBytes: number;
  /** The body went past the cap and was not read further. */
  bodyTruncated: boolean;
  /** What ended the body early (a reset, the deadline); null when it was read to its end or to the cap. */
  bodyError: Error | null;
}

/** A redirect's own body is read (to keep its connection) up to this, then the connection is dropped. */
const REDIRECT_BODY_LIMIT = 65_536;

class BodyCapReached extends Error {
  override name = 'BodyCapReached';
}

/**
 * One GET through undici's dispatcher interface, its body collected by callbacks: no response
 * stream, no async iterator, no promise per chunk (a check costs little more than its request).
 * Rejects when no response head arrived (DNS, connect, TLS, the deadline); once one has, it
 * resolves, and a failure while reading the body is recorded as `bodyError`. A redirect's body is
 * not kept.
 */
function exchange(url: URL, dispatcher: Dispatcher, headers: Record<string, string>, deadline: Deadline, maxBodyBytes: number): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    if (deadline.reason) {
      reject(deadline.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | null = null;
    let response: Exchange | null = null;
    let redirect = false;
    let kept = 0;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      deadline.onAbort(null);
      if (response) {
        response.bodyError = error;
        resolve(response);
      } else {
        reject(error ?? new Error('the connection closed before a response'));
      }
    };
    // undici applies an abort once the request is on a connection: one still waiting for its
    // connection (a tunnel the proxy never opens, a connect that hangs) is answered at once, and
    // aborted when it gets one.
    deadline.onAbort((reason) => {
      controller?.abort(reason);
      settle(reason);
    });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (settled) started.abort(deadline.reason ?? new Aborted('aborted'));
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        // 1xx heads are informational: the real one follows.
        if (settled || statusCode < 200) return;
        redirect = statusCode >= 300 && statusCode < 400 && typeof responseHeaders.location === 'string';
        response = { statusCode, headers: responseHeaders, headAt: performance.now(), chunks: [], bodyBytes: 0, bodyTruncated: false, bodyError: null };
      },
      onResponseData(current, chunk) {
        if (settled || !response) return;
        response.bodyBytes += chunk.length;
        if (redirect) {
          if (response.bodyBytes > REDIRECT_BODY_LIMIT) {
            settle(null);
            current.abort(new BodyCapReached('redirect body over its limit'));
          }
          return;
        }
        if (kept < BODY_SAMPLE_BYTES) {
          response.chunks.push(chunk);
          kept += chunk.length;
        }
        if (response.bodyBytes > maxBodyBytes) {
          response.bodyTruncated = true;
          settle(null);
          current.abort(new BodyCapReached('body over its cap'));
        }
      },
      onResponseEnd() {
        settle(null);
      },
      onResponseError(_controller, error) {
        settle(error);
      },
    };
    try {
      dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers }, handler);
    } catch (error) {
      settle(error as Error);
    }
  });
}

/**
 * The checker's stop signal: every proxy tunnel being opened listens to it, possibly hundreds at
 * once, which is no leak (Node would warn past ten listeners).
 */
function abortable(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * Creates the HTTP checker: one GET per check with a whole-check deadline, a body cap, manual
 * redirects (to know the final URL, count hops, and refuse targets on private networks or the bot
 * itself), keep-alive per origin, and the TLS certificate's expiry captured at connect time. It
 * never throws for what a portal does, and every check can be aborted at once (abortAll).
 */
export function createChecker(options: CheckerOptions): Checker {
  const resolve = options.resolve ?? resolveAll;
  const forbidden = options.isForbiddenAddress ?? isForbiddenAddress;
  const ownOrigins = normalizeOrigins(options.ownOrigins);
  // Proxy tunnels being opened listen to this; checks waiting for a slot are on `waits` and checks
  // in flight are in `inFlight`: abortAll ends all three.
  let shutdown = abortable();
  let waits = new WaitList();
  const inFlight = new Set<Deadline>();
  let closed = false;
  const poolTimeouts = {
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    // The AbortSignal is the check's deadline. undici's own timers tick twice a second and can fire
    // up to ~0.5 s early, so they only back it up.
    headersTimeout: options.timeoutMs + 1000,
    bodyTimeout: options.timeoutMs + 1000,
  };
  const tlsOptions = { timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) };

  // undici hides the socket from `request`; the connector sees it. Each route remembers the newest
  // certificate per origin so a check can report when its portal's certificate expires.
  function makeAgent(certs: Map<string, number>, lookup?: ReturnType<typeof guardedLookup>): Agent {
    const baseConnect = buildConnector({ ...tlsOptions, ...(lookup ? { lookup } : {}) });
    return new Agent({
      connections: options.maxConcurrentPerHost,
      ...poolTimeouts,
      connect(connectOptions, callback) {
        baseConnect(connectOptions, (error, socket) => {
          if (error) {
            callback(error, null);
            return;
          }
          rememberCert(certs, connectOptions, socket!);
          callback(null, socket!);
        });
      },
    });
  }

  function directRoute(): Route {
    const certs = new Map<string, number>();
    // The configured portal address is trusted (an intranet portal may live on 10.x). Where a
    // portal's redirect leads is not: those hops go through an agent whose lookup refuses private
    // addresses and connects to exactly the addresses it checked (no DNS-rebinding window).
    return { dispatcher: makeAgent(certs), guarded: makeAgent(certs, guardedLookup(resolve, forbidden)), certs, proxy: null };
  }

  /**
   * A route through one proxy: undici's ProxyAgent, tunnelling every request (CONNECT, http portals
   * too, so an answer is always the portal's and a failure of the proxy is always a failed tunnel).
   * ProxyAgent takes no `connect` of its own; the connector still hands each tunnelled socket (TLS
   * to the portal, through the tunnel) to the per-origin pool, which is where the certificate is
   * read. The client to the proxy is ours too, to tell the proxy's failures from the portal's.
   */
  function proxyRoute(proxyUrl: string): Route {
    const { uri, token } = splitProxyUrl(proxyUrl);
    const label = uri;
    const certs = new Map<string, number>();
    const secrets = proxySecrets(proxyUrl);
    const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
    const proxy: ProxyRoute = { label, scrub, tunnels: new Map() };
    const proxyFailure = (code: ProxyFailureCode, message: string) => Object.assign(new Error(scrub(message).slice(0, 500)), { code });

    const tunnelClient = (origin: URL, clientOptions: object): Dispatcher => {
      const pool = new Pool(origin, { ...(clientOptions as Pool.Options), ...poolTimeouts });
      const connect = pool.connect.bind(pool) as (params: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
      const tunnel = async (params: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> => {
        const target = String(params.path);
        const stop = shutdown.signal;
        let entry = proxy.tunnels.get(target);
        if (!entry) proxy.tunnels.set(target, (entry = { pending: 0, openedAt: -Infinity }));
        entry.pending++;
        try {
          let data: Dispatcher.ConnectData;
          try {
            data = await connect({ ...params, signal: stop });
          } catch (error) {
            if (stop.aborted) throw error;
            const code = errorCode(error);
            const kind = failureKind(code);
            throw proxyFailure(kind === 'redirect_refused' ? 'PROXY_ERROR' : PROXY_CODE_BY_KIND[kind], `proxy ${label}: ${messageOf(error, code)}`);
          }
          if (data.statusCode !== 200) {
            data.socket.on('error', () => undefined).destroy();
            const status = data.statusCode;
            const code: ProxyFailureCode = status === 407 ? 'PROXY_AUTH' : status >= 100 && status <= 599 ? `PROXY_HTTP_${status}` : 'PROXY_ERROR';
            throw proxyFailure(code, `proxy ${label} answered the tunnel request to ${target} with HTTP ${status}`);
          }
          entry.openedAt = performance.now();
          return data;
        } finally {
          if (--entry.pending === 0) proxy.tunnels.delete(target);
        }
      };
      return Object.assign(pool, {
        connect(params: Dispatcher.ConnectOptions, callback?: (err: Error | null, data: Dispatcher.ConnectData | null) => void) {
          if (!callback) return tunnel(params);
          tunnel(params).then(
            (data) => callback(null, data),
            (error: Error) => callback(error, null),
          );
          return undefined;
        },
      });
    };

    const dispatcher = new ProxyAgent({
      // The address only: the credentials travel as the token, never inside undici's idea of the URI.
      uri,
      ...(token ? { token } : {}),
      proxyTunnel: true,
      connections: options.maxConcurrentPerHost,
      ...poolTimeouts,
      requestTls: tlsOptions,
      proxyTls: tlsOptions,
      clientFactory: tunnelClient,
      factory(origin, agentOptions) {
        const base = agentOptions as Pool.Options & { connect: buildConnector.connector };
        const tunnelled = base.connect;
        return new Pool(origin, {
          ...base,
          connect(connectOptions, callback) {
            tunnelled(connectOptions, (error, socket) => {
              if (error) {
                callback(error, null);
                return;
              }
              rememberCert(certs, connectOptions, socket!);
              callback(null, socket!);
            });
          },
        });
      },
    });
    // Through a proxy the proxy resolves names: redirect hops are checked by assertPublicTarget
    // before they are sent, on the same dispatcher.
    return { dispatcher, guarded: dispatcher, certs, proxy };
  }

  // One dispatcher per distinct proxy URL (credentials included: other credentials, another route).
  const direct = directRoute();
  const routes = new Map<string, Route>();
  const routeOf = (proxyUrl: string | undefined): Route => {
    if (proxyUrl === undefined || proxyUrl === DIRECT) return direct;
    let route = routes.get(proxyUrl);
    if (!route) routes.set(proxyUrl, (route = proxyRoute(proxyUrl)));
    return route;
  };
  const defaultRoute = routeOf(options.proxyUrl);
  const portalRoutes = new Map<string, Route>();
  for (const [id, proxyUrl] of Object.entries(options.portalProxyUrls ?? {})) portalRoutes.set(id, routeOf(proxyUrl));

  const gate = createOriginGate(options.maxRequestsPerSecondPerHost, options.maxConcurrentPerHost);
  const global = createSemaphore(options.maxConcurrency);

  const requestHeaders = {
    'user-agent': options.userAgent,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'accept-language': 'id-ID,id;q=0.9,en;q=0.8',
  };

  async function check(portal: Pick<Portal, 'id' | 'url'>): Promise<CheckResult> {
    const list = waits;
    // When the request itself starts (after the politeness gates): reset once the slots are held.
    let startedAt = Date.now();
    let t0 = performance.now();
    const outcome = (extra: Partial<CheckResult>): CheckResult => ({
      portalId: portal.id,
      url: portal.url,
      startedAt,
      status: null,
      ttfbMs: null,
      totalMs: performance.now() - t0,
      finalUrl: portal.url,
      headers: {},
      body: '',
      bodyBytes: 0,
      bodyTruncated: false,
      certExpiresAt: null,
      failure: null,
      ...extra,
    });
    const route = portalRoutes.get(portal.id) ?? defaultRoute;
    const failed = (kind: CheckFailureKind, code: string, message: string, extra: Partial<CheckResult> = {}): CheckResult =>
      outcome({ ...extra, failure: { kind, code, message: route.proxy ? route.proxy.scrub(message) : message } });
    const aborted = () => failed('aborted', 'ABORTED', 'check aborted: the checker is stopping');
    if (closed || list.aborted) return aborted();
    let url: URL;
    try {
      url = new URL(portal.url);
    } catch (error) {
      return failed('network', 'ERR_INVALID_URL', messageOf(error, 'ERR_INVALID_URL'));
    }

    let releaseGlobal: () => void;
    let releaseOrigin: () => void;
    try {
      releaseGlobal = await global.acquire(list);
    } catch {
      return aborted();
    }
    try {
      releaseOrigin = await gate(url.origin, list);
    } catch {
      releaseGlobal();
      return aborted();
    }
    startedAt = Date.now();
    t0 = performance.now();

    // The check's own deadline, and the checker-wide stop (abortAll aborts every check in flight);
    // whichever comes first.
    const deadline = new Deadline();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort(new Aborted('timeout'));
    }, options.timeoutMs);
    inFlight.add(deadline);
    if (list.aborted) deadline.abort(new Aborted('aborted'));
    const stopped = () => list.aborted && !timedOut;

    // Starts as the configured address (trusted); redirect hops are guarded unless the portal itself
    // lives on a private network (tests and intranet portals on 127.0.0.1 or 10.x).
    let guarded = false;
    let privatePortal: boolean | undefined;
    let lastStatus: number | null = null;
    // The last address that answered: what a refused redirect reports as its final URL (the
    // refused target is not echoed anywhere but the log message).
    let answered = url;
    const configuredHost = url.hostname;
    // While a hop waits for its answer, and since when: a deadline that passes while the proxy has
    // still not opened the hop's tunnel is the proxy's timeout, not the portal's.
    let waiting = false;
    let hopStartedAt = performance.now();
    try {
      for (let hop = 0; ; hop++) {
        if (guarded) {
          const literal = ipLiteral(url);
          if (literal && forbidden(literal)) throw refusalError('REDIRECT_PRIVATE', `redirect to ${url.host} refused`);
          // Through a proxy, the proxy resolves and connects: the policy is applied to our own
          // resolution first (DNS rebinding: the proxy may get another answer, see
          // assertPublicTarget). The configured host itself is trusted, also where only the proxy
          // can resolve it (an office intranet portal redirecting within itself).
          if (route.proxy && url.hostname !== configuredHost) await untilAborted(assertPublicTarget(url, resolve, forbidden), deadline.signal);
        }
        hopStartedAt = performance.now();
        waiting = true;
        const response = await exchange(url, guarded ? route.guarded : route.dispatcher, requestHeaders, deadline, options.maxBodyBytes);
        waiting = false;
        answered = url;
        const location = response.headers.location;
        if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
          lastStatus = response.statusCode;
          if (hop >= options.maxRedirects) {
            return failed('too_many_redirects', 'TOO_MANY_REDIRECTS', `more than ${options.maxRedirects} redirects`, {
              status: response.statusCode,
              finalUrl: url.href,
            });
          }
          const next = nextHop(location, url, ownOrigins);
          if ('refused' in next) {
            throw refusalError(next.refused, `redirect to ${location.slice(0, 200)} refused`);
          }
          privatePortal ??= await untilAborted(isPrivateHost(new URL(portal.url), resolve, forbidden), deadline.signal);
          guarded = !privatePortal;
          url = next.url;
          continue;
        }
        const ttfbMs = response.headAt - t0;
        const headers = keptHeaders(response.headers);
        const { chunks, bodyBytes, bodyTruncated, bodyError } = response;
        let bodyFailure: CheckResult['failure'] = null;
        if (bodyError) {
          const code = errorCode(bodyError);
          const kind = stopped() ? 'aborted' : timedOut ? 'timeout' : failureKind(code);
          bodyFailure = { kind, code: stopped() ? 'ABORTED' : timedOut ? 'TIMEOUT' : code, message: `while reading the body: ${messageOf(bodyError, code)}` };
        }
        const socketCert = url.protocol === 'https:' ? route.certs.get(url.origin) ?? null : null;
        return new AnsweredCheck(
          outcome({ status: response.statusCode, ttfbMs, finalUrl: url.href, headers, bodyBytes, bodyTruncated, certExpiresAt: socketCert, failure: bodyFailure }),
          chunks,
        );
      }
    } catch (error) {
      if (stopped()) return aborted();
      const proxyTimedOut = timedOut && waiting && route.proxy !== null && tunnelStalled(route.proxy, url, hopStartedAt);
      const code = proxyTimedOut ? 'PROXY_TIMEOUT' : timedOut ? 'TIMEOUT' : errorCode(error);
      const kind = failureKind(code);
      const message = proxyTimedOut ? `proxy ${route.proxy!.label} did not open the tunnel to ${tunnelTarget(url)} before the deadline` : messageOf(error, code);
      return failed(kind, code, message, {
        // A refused redirect did get an answer: the redirect's status, from the address that sent it.
        ...(kind === 'redirect_refused' ? { status: lastStatus, finalUrl: answered.href } : { finalUrl: url.href }),
      });
    } finally {
      clearTimeout(timer);
      inFlight.delete(deadline);
      releaseOrigin();
      releaseGlobal();
    }
  }

  function abortAll(): void {
    const reason = new Aborted('aborted');
    const current = shutdown;
    shutdown = abortable();
    current.abort(reason);
    const list = waits;
    waits = new WaitList();
    list.abort(reason);
    const running = [...inFlight];
    inFlight.clear();
    for (const deadline of running) deadline.abort(reason);
  }

  return {
    check,
    abortAll,
    async close() {
      closed = true;
      abortAll();
      const dispatchers = new Set([direct, ...routes.values()].flatMap((r) => [r.dispatcher, r.guarded]));
      await Promise.all([...dispatchers].map((d) => closeOrDestroy(d)));
    },
  };
}
