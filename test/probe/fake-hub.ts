/**
 * A fake hub for probe tests: a real HTTP server on 127.0.0.1 (port 0, keep-alive off) serving the
 * probe protocol's two endpoints with its schemas. It records every request and every accepted
 * report, refuses a replayed `seq` (409), a skewed `sentAt` (400) and a report naming a portal not in
 * its current assignment (422, the whole report, as src/http/probe-api.ts does), and can answer
 * 401, 503, 400, garbage or an oversized body on demand, or go away entirely (`down()`, `up()`).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import {
  MAX_REPORT_BYTES,
  MAX_REPORT_SKEW_MS,
  reportSchema,
  type Assignment,
  type Observation,
  type ProbeReport,
} from '../../src/core/vantage/protocol.js';

export type AssignmentMode = 'ok' | 'unauthorized' | 'unavailable' | 'garbage' | 'invalid' | 'oversized' | 'slow';
export type ReportMode = 'ok' | 'unauthorized' | 'unavailable' | 'refuse' | 'garbage';

export interface HubRequest {
  method: string;
  path: string;
  probeId: string | null;
  /** The token as sent (tests compare, never print it). */
  token: string | null;
  status: number;
  at: number;
}

export interface FakeHub {
  /** Base URL, `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly port: number;
  assignment: Assignment;
  assignmentMode: AssignmentMode;
  reportMode: ReportMode;
  /** Listed in every receipt's `recheck`. */
  recheck: string[];
  /** Every request (including refused ones). */
  readonly requests: HubRequest[];
  /** Reports accepted (valid, authorised, not replayed), in arrival order. */
  readonly reports: ProbeReport[];
  /** Bodies that did not match reportSchema (a probe bug: tests expect none). */
  readonly invalid: string[];
  observations(portalId?: string): Array<Observation & { offline: boolean; seq: number }>;
  /** Refuses connections (the server is closed; the port stays reserved for `up`). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function createFakeHub(options: { probes: Record<string, string>; assignment: Assignment }): Promise<FakeHub> {
  const requests: HubRequest[] = [];
  const reports: ProbeReport[] = [];
  const invalid: string[] = [];
  const lastSeq = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const state = {
    assignment: options.assignment,
    assignmentMode: 'ok' as AssignmentMode,
    reportMode: 'ok' as ReportMode,
    recheck: [] as string[],
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(text);
    return status;
  };

  async function readBody(req: IncomingMessage): Promise<string | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES) return null;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    const probeId = typeof req.headers['x-probe-id'] === 'string' ? req.headers['x-probe-id'] : null;
    const known = probeId !== null && token !== null && options.probes[probeId] === token;
    const path = (req.url ?? '/').split('?')[0];

    if (req.method === 'GET' && path === '/api/probe/assignment') {
      if (!known || state.assignmentMode === 'unauthorized') return json(res, 401, { error: 'unknown probe id or wrong token' });
      switch (state.assignmentMode) {
        case 'unavailable':
          return json(res, 503, { error: 'not the lease holder' });
        case 'garbage':
          res.writeHead(200, { 'content-type': 'text/html', connection: 'close' });
          res.end('<html><body>502 Bad Gateway, or so</body></html>');
          return 200;
        case 'invalid':
          return json(res, 200, { version: 'x', retryIntervalSeconds: -5, portals: [{ id: '', url: 'file:///etc/passwd', intervalSeconds: 0 }] });
        case 'oversized': {
          // Valid JSON, 3 MB: a probe must stop reading at its cap.
          const filler = 'a'.repeat(1000);
          const portals = Array.from({ length: 3000 }, (_, i) => ({ id: `p${i}`, url: `http://127.0.0.1:1/${i}?${filler}`, intervalSeconds: 60 }));
          return json(res, 200, { ...state.assignment, portals });
        }
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, 60_000));
          return json(res, 200, state.assignment);
        default:
          return json(res, 200, state.assignment);
      }
    }

    if (req.method === 'POST' && path === '/api/probe/reports') {
      const text = await readBody(req);
      if (!known || state.reportMode === 'unauthorized') return json(res, 401, { error: 'unknown probe id or wrong token' });
      if (text === null) return json(res, 413, { error: 'report too large' });
      if (state.reportMode === 'unavailable') return json(res, 503, { error: 'not the lease holder' });
      if (state.reportMode === 'refuse') return json(res, 400, { error: 'report refused by the test\u0000 hub:\nbecause it said so' });
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        invalid.push(text.slice(0, 500));
        return json(res, 400, { error: 'not JSON' });
      }
      const parsed = reportSchema.safeParse(raw);
      if (!parsed.success) {
        invalid.push(`${parsed.error.message.slice(0, 500)} in ${text.slice(0, 300)}`);
        return json(res, 400, { error: 'report does not match the schema' });
      }
      const report = parsed.data;
      if (report.probeId !== probeId) return json(res, 400, { error: 'probeId differs from X-Probe-Id' });
      const watched = new Set(state.assignment.portals.map((p) => p.id));
      const unknown = report.observations.filter((o) => !watched.has(o.portalId)).map((o) => o.portalId);
      if (unknown.length > 0) return json(res, 422, { error: 'the report names portals this hub does not watch', unknown: [...new Set(unknown)].slice(0, 10) });
      if (Math.abs(Date.parse(report.sentAt) - Date.now()) > MAX_REPORT_SKEW_MS) return json(res, 400, { error: 'sentAt too far from the hub clock' });
      const key = `${report.probeId}/${report.bootId}`;
      if ((lastSeq.get(key) ?? -1) >= report.seq) return json(res, 409, { error: `replayed report (seq ${report.seq})` });
      lastSeq.set(key, report.seq);
      reports.push(report);
      if (state.reportMode === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
        res.end('{"accepted": "many"');
        return 200;
      }
      return json(res, 200, { accepted: report.observations.length, version: state.assignment.version, recheck: state.recheck });
    }
    return json(res, 404, { error: 'not found' });
  }

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const entry: HubRequest = { method: req.method ?? 'GET', path: req.url ?? '/', probeId: (req.headers['x-probe-id'] as string | undefined) ?? null, token: req.headers.authorization?.replace(/^Bearer /, '') ?? null, status: 0, at };
    requests.push(entry);
    handle(req, res).then(
      (status) => {
        entry.status = status;
      },
      (error: unknown) => {
        entry.status = 500;
        if (!res.headersSent) json(res, 500, { error: String(error) });
      },
    );
  });
  server.keepAliveTimeout = 0;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  let listening = true;

  const stopListening = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    get assignment() {
      return state.assignment;
    },
    set assignment(a) {
      state.assignment = a;
    },
    get assignmentMode() {
      return state.assignmentMode;
    },
    set assignmentMode(m) {
      state.assignmentMode = m;
    },
    get reportMode() {
      return state.reportMode;
    },
    set reportMode(m) {
      state.reportMode = m;
    },
    get recheck() {
      return state.recheck;
    },
    set recheck(ids) {
      state.recheck = ids;
    },
    requests,
    reports,
    invalid,
    observations(portalId) {
      return reports.flatMap((r) => r.observations.filter((o) => portalId === undefined || o.portalId === portalId).map((o) => ({ ...o, offline: r.offline, seq: r.seq })));
    },
    down: stopListening,
    async up() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: stopListening,
  };
}

/** Polls until `probe` returns something truthy; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
