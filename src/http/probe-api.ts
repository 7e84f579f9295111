/**
 * The hub's side of the probe protocol (src/core/vantage/protocol.ts): `GET /api/probe/assignment`,
 * `POST /api/probe/reports`, and the public `GET /api/probes`. It exists only when `PROBE_TOKENS`
 * lists probes. Everything a probe sends is checked before anything changes: who it is (a token
 * compared in constant time, never logged), the size, the shape, the freshness (no replays), and
 * that every portal it reports is one this hub watches.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ProbeRecord, ProbeRegistry, ProbeStatus } from '../core/vantage/probes.js';
import { MAX_REPORT_BYTES, reportSchema, type Assignment, type Observation } from '../core/vantage/protocol.js';

export interface ProbeApiDeps {
  tokens: ReadonlyArray<{ id: string; token: string }>;
  /** Only the lease holder takes reports: a standby answers 503 and the probe tries again. */
  isLeader(): boolean;
  assignment(): Assignment;
  registry: ProbeRegistry;
  /** What a standby shows: the lease holder's last saved view of its probes. */
  savedProbes(): Promise<ProbeRecord[]>;
  /** Writes the registry for standby replicas. */
  saveProbes(records: ProbeRecord[]): Promise<void>;
  /** The portals this hub watches now. */
  watchedIds(): ReadonlySet<string>;
  ingest(probeId: string, observations: Observation[]): Promise<number>;
  failing(): string[];
  /** `pantau_probe_reports_total{probe,result}`. */
  countReport(probeId: string, result: string): void;
  now(): number;
  logger: Logger;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(JSON.stringify(value));
}

/** Reads a body up to `limit` bytes; null when it is larger (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function createProbeApi(deps: ProbeApiDeps) {
  const log = deps.logger.child({ component: 'probes' });
  // Tokens are compared as digests of equal length, in constant time: the answer's timing says
  // nothing about how much of a guessed token was right.
  const tokens = new Map(deps.tokens.map((t) => [t.id, digest(t.token)]));
  const unknownDigest = digest('no such probe');

  /** The probe the request proves to be, or null. */
  function authenticate(req: IncomingMessage): string | null {
    const id = String(req.headers['x-probe-id'] ?? '');
    const header = String(req.headers['authorization'] ?? '');
    const presented = digest(header.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = tokens.get(id);
    const match = timingSafeEqual(presented, expected ?? unknownDigest);
    return expected && match ? id : null;
  }

  async function report(req: IncomingMessage, res: ServerResponse, probeId: string) {
    const refuse = (status: number, result: string, error: string, extra: Record<string, unknown> = {}) => {
      deps.countReport(probeId, result);
      log.warn({ probe: probeId, result, status }, `probe report refused: ${error}`);
      send(res, status, { error, ...extra });
    };
    if (!deps.isLeader()) {
      send(res, 503, { error: 'not the lease holder; try again' }, { 'retry-after': '2' });
      return;
    }
    const body = await readBody(req, MAX_REPORT_BYTES);
    if (body === null) return refuse(413, 'too_large', `a report is at most ${MAX_REPORT_BYTES} bytes`);
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(400, 'malformed', 'the body is not JSON');
    }
    const parsed = reportSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return refuse(400, 'malformed', `not a report: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`.slice(0, 300));
    }
    const reportData = parsed.data;
    if (reportData.probeId !== probeId) return refuse(400, 'malformed', 'probeId does not match X-Probe-Id');
    const watched = deps.watchedIds();
    const unknown = reportData.observations.filter((o) => !watched.has(o.portalId)).map((o) => o.portalId);
    if (unknown.length > 0) return refuse(422, 'unknown_portal', 'the report names portals this hub does not watch', { unknown: [...new Set(unknown)].slice(0, 10) });
    const verdict = deps.registry.accept(reportData, deps.now());
    if (verdict === 'replayed') return refuse(409, 'replayed', 'this report (bootId, seq, sentAt) is not newer than the last one accepted');
    if (verdict === 'clock_skew') return refuse(400, 'clock_skew', "the report's sentAt is more than 5 minutes from the hub's clock");
    // Observations made while the probe's own network was down say nothing about the portals.
    const accepted = reportData.offline ? 0 : await deps.ingest(probeId, reportData.observations);
    deps.countReport(probeId, 'accepted');
    if (reportData.dropped > 0) log.warn({ probe: probeId, dropped: reportData.dropped }, 'a probe dropped observations while it could not reach the hub');
    await deps.saveProbes(deps.registry.list()).catch((error: unknown) => log.warn({ err: error }, 'could not save the probe registry'));
    send(res, 200, { accepted, version: deps.assignment().version, recheck: deps.failing().slice(0, 10_000) });
  }

  return {
    /** Answers the request when it is one of the probe routes; false otherwise. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
      if (tokens.size === 0) return false;
      if (path === '/api/probes' && (req.method === 'GET' || req.method === 'HEAD')) {
        const records = deps.isLeader() ? deps.registry.list() : await deps.savedProbes();
        const list: ProbeStatus[] = records.map(({ id, lastSeenAt, online, portals, offline }) => ({ id, lastSeenAt, online, portals, offline }));
        send(res, 200, list);
        return true;
      }
      if (path !== '/api/probe/assignment' && path !== '/api/probe/reports') return false;
      const probeId = authenticate(req);
      if (!probeId) {
        deps.countReport('unknown', 'unauthorized');
        send(res, 401, { error: 'unknown probe id or wrong token' }, { 'www-authenticate': 'Bearer' });
        return true;
      }
      if (path === '/api/probe/assignment' && req.method === 'GET') {
        if (!deps.isLeader()) send(res, 503, { error: 'not the lease holder; try again' }, { 'retry-after': '2' });
        else send(res, 200, deps.assignment());
        return true;
      }
      if (path === '/api/probe/reports' && req.method === 'POST') {
        await report(req, res, probeId);
        return true;
      }
      send(res, 405, { error: 'method not allowed' });
      return true;
    },
  };
}
export type ProbeApi = ReturnType<typeof createProbeApi>;
