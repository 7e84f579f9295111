import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import type { CheckResult, NetworkFailure, Portal } from './types.js';

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
}

export interface Checker {
  check(portal: Pick<Portal, 'id' | 'url'>): Promise<CheckResult>;
  close(): Promise<void>;
}

// Classification only needs the top of the page; more than this is read and counted, not kept.
const BODY_SAMPLE_BYTES = 256 * 1024;
const KEPT_HEADERS = ['content-type', 'server', 'cf-mitigated', 'set-cookie', 'location', 'retry-after'];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A FIFO counting semaphore. */
function createSemaphore(size: number) {
  let free = size;
  const waiting: Array<() => void> = [];
  return {
    async acquire(): Promise<() => void> {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const next = waiting.shift();
        if (next) next();
        else free++;
      };
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
  return async (origin: string): Promise<() => void> => {
    let gate = origins.get(origin);
    if (!gate) {
      gate = { nextStartAt: 0, semaphore: createSemaphore(concurrency) };
      origins.set(origin, gate);
    }
    const release = await gate.semaphore.acquire();
    const now = Date.now();
    const startAt = Math.max(now, gate.nextStartAt);
    gate.nextStartAt = startAt + spacingMs;
    if (startAt > now) await sleep(startAt - now);
    return release;
  };
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

function failureKind(code: string): NetworkFailure {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return 'dns';
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connect_reset';
  if (code === 'TIMEOUT' || code === 'ETIMEDOUT' || code.startsWith('UND_ERR_') && code.includes('TIMEOUT')) return 'timeout';
  if (code.includes('CERT') || code.includes('SSL') || code.includes('TLS') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN') return 'tls';
  return 'network';
}

/**
 * Creates the HTTP checker: one GET per check with a whole-check deadline, a body cap, manual
 * redirects (to know the final URL and count hops), keep-alive per origin, and the TLS
 * certificate's expiry captured at connect time. It never throws for what a portal does.
 */
export function createChecker(options: CheckerOptions): Checker {
  // undici hides the socket from `request`; the connector sees it. Remember the newest certificate
  // per origin so a check can report when its portal's certificate expires.
  const lastCertByOrigin = new Map<string, number>();
  const baseConnect = buildConnector({ timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
  const agent = new Agent({
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
  const gate = createOriginGate(options.maxRequestsPerSecondPerHost, options.maxConcurrentPerHost);
  const global = createSemaphore(options.maxConcurrency);

  async function fetchOnce(url: URL, signal: AbortSignal) {
    const response = await request(url, {
      method: 'GET',
      dispatcher: agent,
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
    const releaseGlobal = await global.acquire();
    let url = new URL(portal.url);
    const releaseOrigin = await gate(url.origin);
    const startedAt = Date.now();
    const t0 = performance.now();
    const signal = AbortSignal.timeout(options.timeoutMs);
    const base: CheckResult = {
      portalId: portal.id,
      url: portal.url,
      startedAt,
      status: null,
      ttfbMs: null,
      totalMs: 0,
      finalUrl: portal.url,
      headers: {},
      body: '',
      bodyBytes: 0,
      bodyTruncated: false,
      certExpiresAt: null,
      failure: null,
    };
    try {
      for (let hop = 0; ; hop++) {
        const response = await fetchOnce(url, signal);
        const location = response.headers.location;
        if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
          await response.body.dump({ signal, limit: 65_536 }).catch(() => undefined);
          if (hop >= options.maxRedirects) {
            return {
              ...base,
              status: response.statusCode,
              totalMs: performance.now() - t0,
              finalUrl: url.href,
              failure: { kind: 'too_many_redirects', code: 'TOO_MANY_REDIRECTS', message: `more than ${options.maxRedirects} redirects` },
            };
          }
          url = new URL(location, url);
          continue;
        }
        const ttfbMs = performance.now() - t0;
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = response.headers[name];
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join('\n') : value;
        }
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
          bodyFailure = { kind: signal.aborted ? 'timeout' : failureKind(code), code, message: `while reading the body: ${(error as Error).message}` };
        } finally {
          if (bodyTruncated) response.body.destroy();
        }
        const socketCert = url.protocol === 'https:' ? lastCertByOrigin.get(url.origin) ?? null : null;
        return {
          ...base,
          status: response.statusCode,
          ttfbMs,
          totalMs: performance.now() - t0,
          finalUrl: url.href,
          headers,
          body: Buffer.concat(chunks).subarray(0, BODY_SAMPLE_BYTES).toString('utf8'),
          bodyBytes,
          bodyTruncated,
          certExpiresAt: socketCert,
          failure: bodyFailure,
        };
      }
    } catch (error) {
      const code = signal.aborted ? 'TIMEOUT' : errorCode(error);
      return {
        ...base,
        totalMs: performance.now() - t0,
        finalUrl: url.href,
        failure: { kind: failureKind(code), code, message: (error as Error).message || code },
      };
    } finally {
      releaseOrigin();
      releaseGlobal();
    }
  }

  return {
    check,
    async close() {
      await agent.close().catch(() => agent.destroy());
    },
  };
}
