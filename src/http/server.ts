import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { incidentsCsv } from '../core/incidents-csv.js';
import type { HealthReport } from '../health.js';
import type { ProbeApi } from './probe-api.js';
import type { TenderApi } from './tender-api.js';
import { StoreError } from '../core/ports.js';
import type { PortalDetailView, PortalView, StatusService } from '../core/status-service.js';
import type { Language, Portal } from '../core/types.js';

export interface HttpContext {
  status: StatusService;
  portal: (id: string) => Portal | undefined;
  health: () => HealthReport;
  registry: Registry;
  timezone: string;
  defaultLanguage: Language;
  logger: Logger;
}

export interface PageRenderers {
  statusPage?: (ctx: HttpContext, url: URL) => Promise<{ status: number; body: string; type?: string }>;
  extraRoutes?: Array<{
    pattern: RegExp;
    handle: (ctx: HttpContext, match: RegExpExecArray, url: URL) => Promise<{ status: number; body: string; type: string; headers?: Record<string, string> } | null>;
  }>;
}

/** A path segment, or null when it is not valid percent-encoding (a 404, not a 500). */
export function pathSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 10000) / 10000);

/** The JSON shape of /api/portals (public interface: keep field names). */
export function portalJson(view: PortalView) {
  return {
    id: view.id,
    name: view.name,
    url: view.url,
    state: view.state,
    cause: view.cause,
    errorCode: view.errorCode,
    since: view.since,
    lastCheckedAt: view.lastCheckedAt,
    latencyMs: view.latencyMs,
    uptime: { h24: round(view.uptime.h24), d7: round(view.uptime.d7), d30: round(view.uptime.d30) },
    province: view.province,
    kind: view.kind,
    httpStatus: view.httpStatus,
    errorCodeEstimate: view.errorCodeEstimate,
    detail: view.detail,
  };
}

export function portalDetailJson(view: PortalDetailView) {
  return {
    ...portalJson(view),
    incidents: view.incidents,
    vantages: view.vantages,
    latency: { p50: view.latency.p50, p95: view.latency.p95, p99: view.latency.p99, hourlyAverageMs: view.latency.hourly },
  };
}

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');

/**
 * The HTTP surface: health, metrics, the JSON API, the CSV evidence export, and the pages given by
 * `renderers`. Every handler failure is a 500 with a log line, never a crashed process.
 */
export function createHttpServer(ctx: HttpContext, renderers: PageRenderers = {}, probeApi: ProbeApi | null = null, tenderApi: TenderApi | null = null): Server {
  const log = ctx.logger.child({ component: 'http' });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (probeApi && (await probeApi.handle(req, res, path))) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });

    if (path === '/healthz') {
      const health = ctx.health();
      return json(res, health.status === 'ok' ? 200 : 503, health);
    }
    if (path === '/metrics') {
      return send(res, 200, await ctx.registry.metrics(), ctx.registry.contentType);
    }
    if (path === '/api/portals') {
      const views = await ctx.status.list();
      return json(res, 200, views.map(portalJson));
    }
    let match = /^\/api\/portals\/([^/]+)$/.exec(path);
    const portalIn = (m: RegExpExecArray) => {
      const id = pathSegment(m[1]!);
      return id === null ? undefined : ctx.portal(id);
    };
    if (match) {
      const portal = portalIn(match);
      if (!portal) return json(res, 404, { error: 'unknown portal' });
      return json(res, 200, { ...portalDetailJson(await ctx.status.detail(portal)), tendersBlocked: tenderApi?.blocked(portal.id) ?? false });
    }
    match = /^\/api\/portals\/([^/]+)\/incidents\.csv$/.exec(path);
    if (match) {
      const portal = portalIn(match);
      if (!portal) return json(res, 404, { error: 'unknown portal' });
      const detail = await ctx.status.detail(portal, Number.MAX_SAFE_INTEGER);
      const affected = tenderApi ? await tenderApi.counts(portal.id, detail.incidents) : new Map<string, number>();
      return send(res, 200, incidentsCsv(portal, detail.incidents, ctx.timezone, affected), 'text/csv; charset=utf-8', {
        'content-disposition': `attachment; filename="pantau-lpse-${portal.id}-incidents.csv"`,
      });
    }
    match = /^\/api\/portals\/([^/]+)\/tenders$/.exec(path);
    if (match && tenderApi) {
      const portal = portalIn(match);
      if (!portal) return json(res, 404, { error: 'unknown portal' });
      return json(res, 200, await tenderApi.tenders(portal));
    }
    match = /^\/api\/portals\/([^/]+)\/incidents\/([^/]+)\/affected\.csv$/.exec(path);
    if (match && tenderApi) {
      const portal = portalIn(match);
      const incidentId = pathSegment(match[2]!);
      const csv = portal && incidentId !== null ? await tenderApi.affected(portal, incidentId) : null;
      if (csv === null) return json(res, 404, { error: 'unknown portal or incident' });
      return send(res, 200, csv, 'text/csv; charset=utf-8', {
        'content-disposition': `attachment; filename="pantau-lpse-${portal!.id}-${incidentId!.replace(/[^A-Za-z0-9_-]/g, '_')}-affected.csv"`,
      });
    }
    for (const route of renderers.extraRoutes ?? []) {
      const routeMatch = route.pattern.exec(path);
      if (!routeMatch) continue;
      const out = await route.handle(ctx, routeMatch, url);
      if (out) return send(res, out.status, out.body, out.type, out.headers);
    }
    if (path === '/' && renderers.statusPage) {
      const page = await renderers.statusPage(ctx, url);
      return send(res, page.status, page.body, page.type ?? 'text/html; charset=utf-8');
    }
    return json(res, 404, { error: 'not found' });
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const storeDown = error instanceof StoreError;
      log.error({ err: error, url: req.url }, storeDown ? 'HTTP handler could not read the store' : 'HTTP handler failed');
      // A store that does not answer is the service being unavailable, not a bug of the request.
      if (!res.headersSent) json(res, storeDown ? 503 : 500, { error: storeDown ? 'store unavailable' : 'internal error' });
      else res.destroy();
    });
  });
}
