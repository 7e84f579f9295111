import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import {
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

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Aborted('aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A FIFO counting semaphore whose waiters leave the queue when their signal aborts. */
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
    acquire(signal?: AbortSignal): Promise<() => void> {
      if (signal?.aborted) return Promise.reject(new Aborted('aborted'));
      if (free > 0) {
        free--;
        return Promise.resolve(releaser());
      }
      return new Promise<() => void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        };
        const onAbort = () => {
          const index = waiting.indexOf(grant);
          if (index !== -1) waiting.splice(index, 1);
          reject(new Aborted('aborted'));
        };
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
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
  return async (origin: string, signal: AbortSignal): Promise<() => void> => {
    let gate = origins.get(origin);
    if (!gate) {
      gate = { nextStartAt: 0, semaphore: createSemaphore(concurrency) };
      origins.set(origin, gate);
    }
    const release = await gate.semaphore.acquire(signal);
    const now = Date.now();
    const startAt = Math.max(now, gate.nextStartAt);
    gate.nextStartAt = startAt + spacingMs;
    if (startAt > now) {
      try {
        await sleep(startAt - now, signal);
      } catch (error) {
        release();
        throw error;
      }
    }
    return release;
  };
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
  // undici hides the socket from `request`; the connector sees it. Remember the newest certificate
  // per origin so a check can report when its portal's certificate expires.
  const lastCertByOrigin = new Map<string, number>();
  function makeAgent(lookup?: ReturnType<typeof guardedLookup>): Agent {
    const baseConnect = buildConnector({
      timeout: options.timeoutMs,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(lookup ? { lookup } : {}),
    });
    return new Agent({
      connections: options.maxConcurrentPerHost,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      // The AbortSignal is the check's deadline. undici's own timers tick twice a second and can fire
      // up to ~0.5 s early, so they only back it up.
      headersTimeout: options.timeoutMs + 1000,
      bodyTimeout: options.timeoutMs + 1000,
      connect(connectOptions, callback) {
        baseConnect(connectOptions, (error, socket) => {
          if (!error && socket && 'getPeerCertificate' in socket) {
            const validTo = (socket as TLSSocket).getPeerCertificate()?.valid_to;
            const port = connectOptions.port ? `:${connectOptions.port}` : '';
            const origin = new URL(`${connectOptions.protocol}//${connectOptions.hostname}${port}`).origin;
            if (validTo) lastCertByOrigin.set(origin, Date.parse(validTo));
          }
          if (error) callback(error, null);
          else callback(null, socket!);
        });
      },
    });
  }
  // The configured portal address is trusted (an intranet portal may live on 10.x). Where a
  // portal's redirect leads is not: those hops go through an agent whose lookup refuses private
  // addresses and connects to exactly the addresses it checked (no DNS-rebinding window).
  const agent = makeAgent();
  const guardedAgent = makeAgent(guardedLookup(resolve, forbidden));
  const gate = createOriginGate(options.maxRequestsPerSecondPerHost, options.maxConcurrentPerHost);
  const global = createSemaphore(options.maxConcurrency);
  let shutdown = new AbortController();
  let closed = false;

  async function fetchOnce(url: URL, signal: AbortSignal, guarded: boolean) {
    const response = await request(url, {
      method: 'GET',
      dispatcher: guarded ? guardedAgent : agent,
      signal,
      headers: {
        'user-agent': options.userAgent,
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'accept-language': 'id-ID,id;q=0.9,en;q=0.8',
      },
    });
    return response;
  }

  async function check(portal: Pick<Portal, 'id' | 'url'>): Promise<CheckResult> {
    const stop = shutdown.signal;
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
    const failed = (kind: CheckFailureKind, code: string, message: string, extra: Partial<CheckResult> = {}): CheckResult =>
      outcome({ ...extra, failure: { kind, code, message } });
    const aborted = () => failed('aborted', 'ABORTED', 'check aborted: the checker is stopping');
    if (closed || stop.aborted) return aborted();
    let url: URL;
    try {
      url = new URL(portal.url);
    } catch (error) {
      return failed('network', 'ERR_INVALID_URL', messageOf(error, 'ERR_INVALID_URL'));
    }

    let releaseGlobal: () => void;
    let releaseOrigin: () => void;
    try {
      releaseGlobal = await global.acquire(stop);
    } catch {
      return aborted();
    }
    try {
      releaseOrigin = await gate(url.origin, stop);
    } catch {
      releaseGlobal();
      return aborted();
    }
    startedAt = Date.now();
    t0 = performance.now();

    // The check's own deadline, and the checker-wide stop; whichever comes first.
    const controller = new AbortController();
    const signal = controller.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Aborted('timeout'));
    }, options.timeoutMs);
    const onStop = () => controller.abort(new Aborted('aborted'));
    stop.addEventListener('abort', onStop, { once: true });
    const stopped = () => stop.aborted && !timedOut;

    // Starts as the configured address (trusted); redirect hops are guarded unless the portal itself
    // lives on a private network (tests and intranet portals on 127.0.0.1 or 10.x).
    let guarded = false;
    let privatePortal: boolean | undefined;
    let lastStatus: number | null = null;
    // The last address that answered: what a refused redirect reports as its final URL (the
    // refused target is not echoed anywhere but the log message).
    let answered = url;
    try {
      for (let hop = 0; ; hop++) {
        if (guarded) {
          const literal = ipLiteral(url);
          if (literal && forbidden(literal)) throw refusalError('REDIRECT_PRIVATE', `redirect to ${url.host} refused`);
        }
        const response = await fetchOnce(url, signal, guarded);
        answered = url;
        const location = response.headers.location;
        if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
          lastStatus = response.statusCode;
          await response.body.dump({ signal, limit: 65_536 }).catch(() => undefined);
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
          privatePortal ??= await Promise.race([
            isPrivateHost(new URL(portal.url), resolve, forbidden),
            new Promise<never>((_, reject) => {
              if (signal.aborted) reject(signal.reason);
              signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            }),
          ]);
          guarded = !privatePortal;
          url = next.url;
          continue;
        }
        const ttfbMs = performance.now() - t0;
        const headers = keptHeaders(response.headers);
        const chunks: Buffer[] = [];
        let kept = 0;
        let bodyBytes = 0;
        let bodyTruncated = false;
        let bodyFailure: CheckResult['failure'] = null;
        try {
          for await (const chunk of response.body as AsyncIterable<Buffer>) {
            bodyBytes += chunk.length;
            if (kept < BODY_SAMPLE_BYTES) {
              chunks.push(chunk);
              kept += chunk.length;
            }
            if (bodyBytes > options.maxBodyBytes) {
              bodyTruncated = true;
              break;
            }
          }
        } catch (error) {
          const code = errorCode(error);
          const kind = stopped() ? 'aborted' : timedOut ? 'timeout' : failureKind(code);
          bodyFailure = { kind, code: stopped() ? 'ABORTED' : timedOut ? 'TIMEOUT' : code, message: `while reading the body: ${messageOf(error, code)}` };
        } finally {
          if (bodyTruncated) response.body.destroy();
        }
        const socketCert = url.protocol === 'https:' ? lastCertByOrigin.get(url.origin) ?? null : null;
        return outcome({
          status: response.statusCode,
          ttfbMs,
          finalUrl: url.href,
          headers,
          body: Buffer.concat(chunks).subarray(0, BODY_SAMPLE_BYTES).toString('utf8'),
          bodyBytes,
          bodyTruncated,
          certExpiresAt: socketCert,
          failure: bodyFailure,
        });
      }
    } catch (error) {
      if (stopped()) return aborted();
      const code = timedOut ? 'TIMEOUT' : errorCode(error);
      const kind = failureKind(code);
      return failed(kind, code, messageOf(error, code), {
        // A refused redirect did get an answer: the redirect's status, from the address that sent it.
        ...(kind === 'redirect_refused' ? { status: lastStatus, finalUrl: answered.href } : { finalUrl: url.href }),
      });
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      releaseOrigin();
      releaseGlobal();
    }
  }

  function abortAll(): void {
    const current = shutdown;
    shutdown = new AbortController();
    current.abort(new Aborted('aborted'));
  }

  return {
    check,
    abortAll,
    async close() {
      closed = true;
      abortAll();
      await Promise.all([guardedAgent, agent].map((a) => a.close().catch(() => a.destroy())));
    },
  };
}
