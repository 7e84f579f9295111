/**
 * HTTP for tender pages, with the checker's safety: a whole-request deadline, a body cap, manual
 * redirects (bounded, never to the bot's own origins, and through a lookup that refuses private
 * addresses unless the configured portal is itself private), a browser-like User-Agent. It never
 * throws for what a portal does: an answer or a failure is data. Politeness (one request at a time
 * per origin, spacing) is the collector's: this only carries requests.
 */
import { Agent, request } from 'undici';
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
} from '../redirect-policy.js';

export interface TenderRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string> | undefined;
  /** Form body (POST). */
  body?: string | undefined;
  /** Aborts the request (the collector stopping). */
  signal?: AbortSignal | undefined;
}

export interface TenderResponse {
  /** HTTP status of the final answer, or null when no answer arrived. */
  status: number | null;
  /** Lower-cased headers the collector reads; `set-cookie` values joined by newlines. */
  headers: Record<string, string>;
  /** The body as text, at most `maxBodyBytes`. */
  body: string;
  bodyTruncated: boolean;
  finalUrl: string;
  /** Set when no usable answer arrived; `code` is stable (`TIMEOUT`, `ECONNREFUSED`, `REDIRECT_PRIVATE`). */
  failure: { kind: 'timeout' | 'network' | 'redirect_refused' | 'too_many_redirects' | 'aborted'; code: string } | null;
}

/** What the collector calls to reach a portal: resolves (never rejects) with what happened. */
export type TenderFetch = (request: TenderRequest) => Promise<TenderResponse>;

export interface TenderHttpOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
  ca?: string[] | undefined;
  /** The bot's own origins: a redirect there is refused. */
  ownOrigins?: string[] | undefined;
  resolve?: ResolveAll | undefined;
  isForbiddenAddress?: ((address: string) => boolean) | undefined;
}

const KEPT_HEADERS = ['content-type', 'server', 'cf-mitigated', 'cf-ray', 'set-cookie', 'location', 'retry-after'];
const MAX_HEADER_CHARS = 1024;

function keptHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = raw[name];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value.slice(0, 16) : [value];
    headers[name] = values.map((v) => String(v).slice(0, MAX_HEADER_CHARS)).join('\n');
  }
  return headers;
}

function codeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'ERROR';
}

/** Creates the fetch the collector uses, and a way to close its connections. */
export function createTenderHttp(options: TenderHttpOptions): { fetch: TenderFetch; close(): Promise<void> } {
  const resolve = options.resolve ?? resolveAll;
  const forbidden = options.isForbiddenAddress ?? isForbiddenAddress;
  const ownOrigins = normalizeOrigins(options.ownOrigins);
  const agentOptions = {
    // One request in flight per origin is the collector's rule; one connection keeps it honest.
    connections: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs + 1000,
    bodyTimeout: options.timeoutMs + 1000,
    connect: { timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) },
  };
  const agent = new Agent(agentOptions);
  const guardedAgent = new Agent({ ...agentOptions, connect: { ...agentOptions.connect, lookup: guardedLookup(resolve, forbidden) } });
  const privateHosts = new Map<string, boolean>();

  const fetch: TenderFetch = async (req) => {
    const outcome = (extra: Partial<TenderResponse>): TenderResponse => ({
      status: null,
      headers: {},
      body: '',
      bodyTruncated: false,
      finalUrl: req.url,
      failure: null,
      ...extra,
    });
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return outcome({ failure: { kind: 'network', code: 'ERR_INVALID_URL' } });
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const onAbort = () => controller.abort();
    if (req.signal?.aborted) controller.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let method = req.method;
    let body = req.body;
    let guarded = false;
    try {
      for (let hop = 0; ; hop++) {
        if (guarded) {
          const literal = ipLiteral(url);
          if (literal && forbidden(literal)) throw refusalError('REDIRECT_PRIVATE', 'redirect to a private address refused');
        }
        const response = await request(url, {
          method,
          dispatcher: guarded ? guardedAgent : agent,
          signal: controller.signal,
          headers: {
            'user-agent': options.userAgent,
            accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8',
            'accept-language': 'id-ID,id;q=0.9,en;q=0.8',
            ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } : {}),
            ...req.headers,
          },
          ...(body !== undefined ? { body } : {}),
        });
        const location = response.headers.location;
        if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
          await response.body.dump({ limit: 65_536 }).catch(() => undefined);
          if (hop >= options.maxRedirects) return outcome({ status: response.statusCode, finalUrl: url.href, failure: { kind: 'too_many_redirects', code: 'TOO_MANY_REDIRECTS' } });
          const next = nextHop(location, url, ownOrigins);
          if ('refused' in next) throw refusalError(next.refused, 'redirect refused');
          const configured = new URL(req.url);
          let privatePortal = privateHosts.get(configured.host);
          if (privatePortal === undefined) {
            privatePortal = await isPrivateHost(configured, resolve, forbidden);
            privateHosts.set(configured.host, privatePortal);
          }
          guarded = !privatePortal;
          url = next.url;
          // A redirected POST becomes a GET, as browsers do for 301-303.
          if (response.statusCode !== 307 && response.statusCode !== 308) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        let truncated = false;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          const room = options.maxBodyBytes - bytes;
          if (chunk.length > room) {
            if (room > 0) chunks.push(chunk.subarray(0, room));
            bytes += Math.max(0, room);
            truncated = true;
            break;
          }
          chunks.push(chunk);
          bytes += chunk.length;
        }
        if (truncated) response.body.destroy();
        return outcome({
          status: response.statusCode,
          headers: keptHeaders(response.headers),
          body: Buffer.concat(chunks).toString('utf8'),
          bodyTruncated: truncated,
          finalUrl: url.href,
        });
      }
    } catch (error) {
      if (req.signal?.aborted && !timedOut) return outcome({ failure: { kind: 'aborted', code: 'ABORTED' } });
      if (timedOut) return outcome({ finalUrl: url.href, failure: { kind: 'timeout', code: 'TIMEOUT' } });
      const code = codeOf(error);
      return outcome({ finalUrl: url.href, failure: { kind: isRedirectRefusal(code) ? 'redirect_refused' : 'network', code } });
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    fetch,
    async close() {
      await Promise.all([agent, guardedAgent].map((a) => a.close().catch(() => a.destroy())));
    },
  };
}
