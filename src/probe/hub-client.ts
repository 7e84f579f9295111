/**
 * The probe's side of the wire: the two requests it makes to its hub, each with a deadline and a
 * cap on what it reads back. The hub's answers are hostile input like any portal's: validated with
 * the protocol's schemas, never trusted for their size. Redirects are not followed (the token would
 * go wherever a redirect points).
 */
import { Agent, request } from 'undici';
import { z } from 'zod';
import { assignmentSchema, receiptSchema, type Assignment, type ReportReceipt } from '../core/vantage/protocol.js';

/** An assignment larger than this is refused: 10,000 portals with ordinary addresses fit in well under it. */
export const MAX_ASSIGNMENT_BYTES = 2 * 1024 * 1024;
/** A receipt lists at most 10,000 portal ids to re-check: well under this. */
export const MAX_RECEIPT_BYTES = 1024 * 1024;
/** What is read of an error answer, for its message. */
const MAX_ERROR_BYTES = 16 * 1024;
/** The hub's words in a log line, at most. */
const MAX_MESSAGE_CHARS = 300;

/**
 * What one request to the hub came to:
 * - `ok`: a valid answer;
 * - `unauthorized`: 401, the hub does not know this id or token;
 * - `unavailable`: 503 (a standby replica: "not the lease holder") or 429: ask again soon;
 * - `refused`: another 4xx: the hub understood and said no; the same request would be refused again;
 * - `failed`: no usable answer (network, deadline, 5xx, a redirect, an oversized or invalid body);
 * - `aborted`: the probe is stopping.
 */
export type HubOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'unauthorized'; status: number; message: string }
  | { kind: 'unavailable'; status: number; message: string; retryAfterMs: number | null }
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'failed'; reason: string; status: number | null }
  | { kind: 'aborted' };

export interface HubCallOptions {
  timeoutMs: number;
  /** Aborts the request (the probe stopping). */
  signal?: AbortSignal;
}

export interface HubClient {
  readonly origin: string;
  getAssignment(options: HubCallOptions): Promise<HubOutcome<Assignment>>;
  /** `body` is a serialized ProbeReport. */
  postReport(body: string, options: HubCallOptions): Promise<HubOutcome<ReportReceipt>>;
  close(): Promise<void>;
}

export interface HubClientOptions {
  /** The hub's base URL (ending in `/`). */
  baseUrl: URL;
  probeId: string;
  token: string;
  userAgent: string;
}

/** Control characters out, whitespace folded, cut: the hub's words are safe to log. */
export function boundedMessage(text: string, max = MAX_MESSAGE_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The message an error answer carries: `{ "error": "…" }` or `{ "message": "…" }`, else its text. */
function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const { error, message } = parsed as { error?: unknown; message?: unknown };
      if (typeof error === 'string') return boundedMessage(error);
      if (typeof message === 'string') return boundedMessage(message);
      if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
        return boundedMessage((error as { message: string }).message);
      }
    }
  } catch {
    // Not JSON: the text itself.
  }
  return boundedMessage(text);
}

/** The first few schema problems as `portals[3].url: Invalid URL`. */
export function schemaProblems(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    let where = '';
    for (const part of issue.path) where += typeof part === 'number' ? `[${part}]` : where ? `.${String(part)}` : String(part);
    return `${where || '(top level)'}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return boundedMessage(parts.join('; ') + more, 500);
}

function errorCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function retryAfterMs(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 300_000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - Date.now()), 300_000);
}

export function createHubClient(options: HubClientOptions): HubClient {
  const assignmentUrl = new URL('api/probe/assignment', options.baseUrl);
  const reportsUrl = new URL('api/probe/reports', options.baseUrl);
  // Its own connections, closed on stop; the checker's agents (and any proxy they use) are for portals.
  const agent = new Agent({ connections: 2, keepAliveTimeout: 20_000, connect: { timeout: 15_000 } });
  const headers = {
    authorization: `Bearer ${options.token}`,
    'x-probe-id': options.probeId,
    'user-agent': options.userAgent,
    accept: 'application/json',
  };

  async function call<T>(url: URL, init: { method: 'GET' | 'POST'; body?: string }, maxBytes: number, parse: (text: string) => HubOutcome<T>, o: HubCallOptions): Promise<HubOutcome<T>> {
    if (o.signal?.aborted) return { kind: 'aborted' };
    // One controller per request for its deadline and the probe's stop, its listener removed after:
    // AbortSignal.any would leave a listener on the probe's long-lived stop signal at every request.
    const controller = new AbortController();
    const signal = controller.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('deadline'));
    }, o.timeoutMs);
    const onStop = () => controller.abort(new Error('stopping'));
    o.signal?.addEventListener('abort', onStop, { once: true });
    try {
      return await attempt(url, init, maxBytes, parse, o, signal, () => timedOut);
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onStop);
    }
  }

  async function attempt<T>(
    url: URL,
    init: { method: 'GET' | 'POST'; body?: string },
    maxBytes: number,
    parse: (text: string) => HubOutcome<T>,
    o: HubCallOptions,
    signal: AbortSignal,
    timedOut: () => boolean,
  ): Promise<HubOutcome<T>> {
    const failed = (reason: string, status: number | null = null): HubOutcome<T> => (o.signal?.aborted ? { kind: 'aborted' } : { kind: 'failed', reason, status });
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: init.method,
        dispatcher: agent,
        signal,
        headers: init.body !== undefined ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        headersTimeout: o.timeoutMs + 1000,
        bodyTimeout: o.timeoutMs + 1000,
      });
    } catch (error) {
      if (timedOut()) return failed(`no answer within ${Math.round(o.timeoutMs / 100) / 10} s`);
      const code = errorCode(error);
      return failed(boundedMessage(`${code ?? 'network error'}: ${(error as Error)?.message ?? String(error)}`, 200));
    }
    const status = response.statusCode;
    const ok = status >= 200 && status < 300;
    const cap = ok ? maxBytes : MAX_ERROR_BYTES;
    const declared = Number(response.headers['content-length']);
    if (ok && Number.isFinite(declared) && declared > cap) {
      response.body.destroy();
      return failed(`answer of ${declared} bytes is larger than the ${cap} accepted`, status);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let cut = false;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > cap) {
          cut = true;
          chunks.push(chunk.subarray(0, chunk.length - (size - cap)));
          break;
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (timedOut()) return failed(`answer not read within ${Math.round(o.timeoutMs / 100) / 10} s`, status);
      return failed(boundedMessage(`answer cut off: ${errorCode(error) ?? (error as Error)?.message ?? 'error'}`, 200), status);
    } finally {
      if (cut) response.body.destroy();
    }
    if (ok && cut) return failed(`answer larger than the ${cap} bytes accepted`, status);
    const text = Buffer.concat(chunks).toString('utf8');
    if (ok) return parse(text);
    const message = messageOf(text);
    if (status === 401) return { kind: 'unauthorized', status, message };
    if (status === 503 || status === 429) return { kind: 'unavailable', status, message, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    if (status === 408) return failed(`HTTP 408${message ? `: ${message}` : ''}`, status);
    if (status >= 400 && status < 500) return { kind: 'refused', status, message };
    if (status >= 300 && status < 400) return failed(`HTTP ${status} redirect (not followed: check PROBE_HUB_URL)`, status);
    return failed(`HTTP ${status}${message ? `: ${message}` : ''}`, status);
  }

  function parseWith<T>(schema: z.ZodType<T>, what: string): (text: string) => HubOutcome<T> {
    return (text) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return { kind: 'failed', reason: `${what} is not JSON`, status: 200 };
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) return { kind: 'failed', reason: `${what} does not match the protocol: ${schemaProblems(parsed.error)}`, status: 200 };
      return { kind: 'ok', value: parsed.data };
    };
  }
  const parseAssignment = parseWith(assignmentSchema, 'the assignment');
  const parseReceipt = parseWith(receiptSchema, 'the receipt');

  return {
    origin: options.baseUrl.origin,
    getAssignment: (o) => call(assignmentUrl, { method: 'GET' }, MAX_ASSIGNMENT_BYTES, parseAssignment, o),
    postReport: (body, o) => call(reportsUrl, { method: 'POST', body }, MAX_RECEIPT_BYTES, parseReceipt, o),
    async close() {
      await agent.close().catch(() => agent.destroy());
    },
  };
}
