/**
 * A fake SPSE on loopback serving the public tender pages, for tests and the bench: one HTTP server,
 * any number of portals under `/<slug>`.
 *
 * - `/<slug>`: a healthy SPSE home page (fake-portal's spseHomePage).
 * - `GET /<slug>/lelang`: the public list page; its script sets `d.authenticityToken = '<40 hex>'`
 *   and it starts a session (`SPSE_SESSION=<sha>-___AT=<token>&___TS=…&___ID=<id>`).
 * - `POST /<slug>/dt/lelang?tahun=Y` and `/<slug>/dt/pl?tahun=Y`: DataTables JSON (16-cell tender
 *   rows, 12-cell non-tender rows) of the packages given, ordered by the asked column 0 direction,
 *   paged by `start`/`length`; totals are SPSE's sentinel. Like the real one: no Referer → 403
 *   "Akses Ditolak!", a token that is not the session's → SPSE's error page ("Terjadi Kesalahan").
 * - `GET /<slug>/lelang/<kode>/jadwal` and `/<slug>/nontender/<kode>/jadwal`: the schedule table
 *   (`No | Tahap | Mulai | Sampai | Perubahan` inside div.content); no Referer → 403 "Akses Ditolak!".
 *
 * Packages and schedules change at run time (`setPackages`, `addPackages`, `updatePackage`,
 * `extendStage`); failures are injected per portal and endpoint (`fail`); requests are counted per
 * portal and endpoint. A list row's stage text follows the schedule and the fake's clock (`now`),
 * as the real one does, unless a package sets `stage`.
 *
 * Facts about real SPSE tender pages: /work/shared/data/spse-tenders.md.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type net from 'node:net';
import {
  cloudflareChallengePage,
  cloudflareRateLimitPage,
  nginxErrorPage,
  spseAccessDeniedPage,
  spseErrorPage,
  spseHomePage,
  spseNotFoundPage,
} from './fake-portal.js';

export type FakeTenderKind = 'tender' | 'nontender';

export interface FakeStage {
  stage: string;
  /** Epoch ms, rendered in the fake's zone; null renders `-`. */
  start: number | null;
  end: number | null;
  /** The row's `Perubahan`: 0 renders `Tidak Ada`. */
  changes?: number;
}

export interface FakePackage {
  kode: string;
  kind: FakeTenderKind;
  name: string;
  /** Rendered as `<span class='badge badge-danger'>…</span>` after the name. */
  badges?: string[];
  agency?: string;
  /** The list's stage text; default: the stage running at `now`, or "Tender Sudah Selesai" after the last one. */
  stage?: string;
  /** Default the current year: the lists answer `tahun=<year>` with the packages of that year. */
  year?: number;
  hps?: string;
  schedule: FakeStage[];
}

export type FakeSpseEndpoint = 'home' | 'lelang' | 'dt-lelang' | 'dt-pl' | 'jadwal-lelang' | 'jadwal-nontender' | 'other';
export const FAKE_SPSE_ENDPOINTS: readonly FakeSpseEndpoint[] = ['home', 'lelang', 'dt-lelang', 'dt-pl', 'jadwal-lelang', 'jadwal-nontender', 'other'];

/** What an endpoint does instead of answering well. */
export type FakeSpseFailure =
  /** Lists: SPSE's error page (HTML, 200) instead of JSON. */
  | 'html'
  /** Lists: `data: []`. */
  | 'empty'
  /** Lists: rows of 3 cells. */
  | 'short-rows'
  /** Lists: rows of 8 cells (kode, name, agency, stage and a few more). */
  | 'fewer-cells'
  /** Schedules: stage names nobody knows. */
  | 'unknown-stages'
  /** Schedules: dates that are no dates. */
  | 'bad-dates'
  /** Schedules: a page without the schedule table. */
  | 'no-table'
  /** `/lelang`: no token in the page, none in the cookie. */
  | 'missing-token'
  /** 403 "Akses Ditolak!" in the SPSE layout. */
  | 'access-denied'
  /** Cloudflare's managed challenge: 403, `cf-mitigated: challenge`, "Just a moment...". */
  | 'cloudflare'
  /** 429 with `retry-after: 60`. */
  | 'rate-limited'
  /** Never answers (until the server closes). */
  | 'hang'
  | { kind: 'slow'; delayMs: number }
  | { kind: 'status'; status: number };

export interface FakeSpseRequest {
  slug: string;
  endpoint: FakeSpseEndpoint;
  method: string;
  path: string;
  /** What it was answered with. */
  status: number | null;
  /** Epoch ms (the fake's clock). */
  at: number;
}

export interface FakeSpsePortalOptions {
  slug: string;
  name?: string;
  packages?: FakePackage[];
}

export interface FakeSpseOptions {
  portals?: FakeSpsePortalOptions[];
  /** The fake's clock: list stage texts follow it, and `tahun` defaults to its year. Default Date.now. */
  now?: () => number;
  /** Offset of the zone dates are written in, hours (7: WIB). */
  zoneOffsetHours?: number;
  /** Seconds SPSE_SESSION lives (default one hour). */
  sessionSeconds?: number;
}

export interface FakeSpse {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** The base URL of a portal: `http://127.0.0.1:PORT/<slug>`. */
  urlOf(slug: string): string;
  addPortal(options: FakeSpsePortalOptions): void;
  packages(slug: string): FakePackage[];
  setPackages(slug: string, packages: FakePackage[]): void;
  addPackages(slug: string, packages: FakePackage[]): void;
  updatePackage(slug: string, kode: string, change: Partial<FakePackage>, kind?: FakeTenderKind): void;
  /** Moves a stage's end (its start too when asked), counting one more `Perubahan`. */
  extendStage(slug: string, kode: string, stage: string, end: number, options?: { start?: number; kind?: FakeTenderKind }): void;
  /** Makes an endpoint of a portal fail (`null` heals it), for the next `times` requests (default: all). */
  fail(slug: string, endpoint: FakeSpseEndpoint, failure: FakeSpseFailure | null, options?: { times?: number }): void;
  /** Sessions forget their tokens (the next list request carries a stale one). */
  expireSessions(): void;
  readonly requests: {
    /** Requests received, of one portal and/or endpoint. */
    count(slug?: string, endpoint?: FakeSpseEndpoint): number;
    byEndpoint(slug: string): Record<FakeSpseEndpoint, number>;
    /** The last 10,000, oldest first. */
    readonly log: readonly FakeSpseRequest[];
    clear(): void;
  };
  close(): Promise<void>;
}

const MAX_LOG = 10_000;
const SENTINEL = 2147483647;
const BULAN = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];
const HTML = 'text/html; charset=utf-8';

const pad = (n: number) => String(n).padStart(2, '0');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** `6 Februari 2026 16:05`, as SPSE writes dates (day without a leading zero). */
export function spseDate(ms: number, zoneOffsetHours = 7): string {
  const local = new Date(ms + zoneOffsetHours * 3_600_000);
  return `${local.getUTCDate()} ${BULAN[local.getUTCMonth()]} ${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

/** The list's stage text of a package at `now`, as SPSE derives it from the schedule. */
export function stageTextAt(pkg: FakePackage, now: number): string {
  if (pkg.stage !== undefined) return pkg.stage;
  const done = pkg.kind === 'tender' ? 'Tender Sudah Selesai' : 'Paket Sudah Selesai';
  if (pkg.schedule.length === 0) return 'Tidak Ada Jadwal';
  const running = pkg.schedule.filter((s) => s.start !== null && s.end !== null && s.start <= now && now < s.end);
  if (running.length > 0) return running.map((s) => s.stage).join(', ');
  const ends = pkg.schedule.map((s) => s.end ?? -Infinity);
  if (now >= Math.max(...ends)) return done;
  const upcoming = pkg.schedule.find((s) => s.start !== null && s.start > now);
  return upcoming?.stage ?? pkg.schedule[0]!.stage;
}

function nameCell(pkg: FakePackage): string {
  const badges = (pkg.badges ?? []).map((b) => ` <span class='badge badge-danger'>${escapeHtml(b)}</span>`).join('');
  return `${escapeHtml(pkg.name)}${badges}`;
}

function tenderRow(pkg: FakePackage, stage: string): unknown[] {
  return [
    pkg.kode,
    nameCell(pkg),
    pkg.agency ?? 'Pemerintah Daerah Kabupaten Gresik',
    stage,
    pkg.hps ?? '1,2 M',
    'Pascakualifikasi Satu File',
    'Tender',
    'Harga Terendah Sistem Gugur',
    `Pekerjaan Konstruksi - TA ${pkg.year ?? ''}`.trim(),
    1,
    '0',
    null,
    null,
    null,
    null,
    null,
  ];
}

function nontenderRow(pkg: FakePackage, stage: string): unknown[] {
  return [pkg.kode, nameCell(pkg), pkg.agency ?? 'Pemerintah Daerah Kabupaten Gresik', stage, pkg.hps ?? '180,5 Jt', 'Pengadaan Langsung', `Pengadaan Barang - TA ${pkg.year ?? ''}`.trim(), 1, '0', null, 'Tidak', 'Tidak'];
}

function layout(title: string, name: string, slug: string, content: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="id">
<head>
\t<meta charset="UTF-8">
\t<title>${escapeHtml(title)}</title>
\t<link rel="stylesheet" type="text/css" href="/${slug}/public/css/spse.css?v=4.5u20221227">
${head}</head>
<body>
<div id="header" class="container-fluid"><div class="lpse-name">${escapeHtml(name)}</div></div>
<nav class="navbar"><a href="/${slug}">Beranda</a> <a href="/${slug}/lelang">Cari Paket</a></nav>
<div class="container">
\t<div class="content">
${content}
\t</div>
</div>
<div id="footer"><p>${escapeHtml(name)} - SPSE v4.5u20221227</p><p>Lembaga Kebijakan Pengadaan Barang/Jasa Pemerintah (LKPP)</p></div>
</body>
</html>
`;
}

/** The public list page with the token script (none when `token` is null). */
export function lelangPage(name: string, slug: string, token: string | null): string {
  const script = `<script type="text/javascript">
\t$(function () {
\t\t$('#tbllelang').DataTable({
\t\t\tserverSide: true,
\t\t\tajax: { url: '/${slug}/dt/lelang?tahun=' + $('#tahun').val(), type: 'POST', data: function (d) {
${token === null ? '' : `\t\t\t\td.authenticityToken = '${token}';\n`}\t\t\t} },
\t\t\torder: [[0, 'desc']]
\t\t});
\t});
</script>
`;
  return layout(
    `Cari Paket | ${name}`,
    name,
    slug,
    `\t\t<table id="tbllelang" class="table table-sm"><thead><tr><th>Kode</th><th>Nama Paket</th><th>K/L/PD</th><th>Tahapan</th><th>HPS</th></tr></thead><tbody></tbody></table>\n${script}`,
  );
}

/** A schedule page: a package header table, then the schedule table. */
export function jadwalPage(name: string, slug: string, pkg: FakePackage, options: { zoneOffsetHours?: number; unknownStages?: boolean; badDates?: boolean; noTable?: boolean } = {}): string {
  const what = pkg.kind === 'tender' ? 'Tender' : 'Non Tender';
  const path = pkg.kind === 'tender' ? 'lelang' : 'nontender';
  const date = (ms: number | null) => (options.badDates ? 'Besok pagi, kira-kira' : ms === null ? '-' : spseDate(ms, options.zoneOffsetHours));
  const rows = pkg.schedule
    .map((s, i) => {
      const stage = options.unknownStages ? `Tahap Misterius ${i + 1}` : s.stage;
      const changes = s.changes ? `<a href="/${slug}/${path}/${pkg.kode}/jadwal/history?tahap=${i + 1}">${s.changes} kali perubahan</a>` : 'Tidak Ada';
      return `\t\t\t\t<tr>\n\t\t\t\t\t<td>${i + 1}</td>\n\t\t\t\t\t<td>${escapeHtml(stage)}</td>\n\t\t\t\t\t<td>${date(s.start)}</td>\n\t\t\t\t\t<td>${date(s.end)}</td>\n\t\t\t\t\t<td>${changes}</td>\n\t\t\t\t</tr>`;
    })
    .join('\n');
  const info = `\t\t<table class="table table-sm table-bordered">\n\t\t\t<tr><th width="200">Kode ${what}</th><td>${pkg.kode}</td></tr>\n\t\t\t<tr><th>Nama ${what}</th><td>${escapeHtml(pkg.name)}</td></tr>\n\t\t</table>`;
  const schedule = options.noTable
    ? '\t\t<p>Jadwal belum tersedia.</p>'
    : `\t\t<div class="card card-primary">\n\t\t\t<div class="card-header">Jadwal ${what}</div>\n\t\t\t<table class="table table-sm">\n\t\t\t\t<tr>\n\t\t\t\t\t<th width="10">No</th>\n\t\t\t\t\t<th>Tahap</th>\n\t\t\t\t\t<th width="170">Mulai</th>\n\t\t\t\t\t<th width="170">Sampai</th>\n\t\t\t\t\t<th width="130">Perubahan</th>\n\t\t\t\t</tr>\n${rows}\n\t\t\t</table>\n\t\t</div>`;
  return layout(`Jadwal ${what} | ${name}`, name, slug, `${info}\n${schedule}`);
}

interface PortalEntry {
  slug: string;
  name: string;
  packages: FakePackage[];
  failures: Map<FakeSpseEndpoint, { failure: FakeSpseFailure; left: number }>;
  counts: Record<FakeSpseEndpoint, number>;
}

const zeroCounts = (): Record<FakeSpseEndpoint, number> => Object.fromEntries(FAKE_SPSE_ENDPOINTS.map((e) => [e, 0])) as Record<FakeSpseEndpoint, number>;

function endpointOf(method: string, rest: string[]): FakeSpseEndpoint {
  if (rest.length === 0) return 'home';
  if (rest.length === 1 && rest[0] === 'lelang' && method === 'GET') return 'lelang';
  if (rest.length === 2 && rest[0] === 'dt' && rest[1] === 'lelang') return 'dt-lelang';
  if (rest.length === 2 && rest[0] === 'dt' && rest[1] === 'pl') return 'dt-pl';
  if (rest.length === 3 && rest[0] === 'lelang' && rest[2] === 'jadwal') return 'jadwal-lelang';
  if (rest.length === 3 && rest[0] === 'nontender' && rest[2] === 'jadwal') return 'jadwal-nontender';
  return 'other';
}

const byKode = (a: FakePackage, b: FakePackage) => a.kode.length - b.kode.length || (a.kode < b.kode ? -1 : a.kode > b.kode ? 1 : 0);

/** Starts the fake on 127.0.0.1 (random port). */
export async function createFakeSpse(options: FakeSpseOptions = {}): Promise<FakeSpse> {
  const now = options.now ?? Date.now;
  const zoneOffsetHours = options.zoneOffsetHours ?? 7;
  const sessionMs = (options.sessionSeconds ?? 3600) * 1000;
  const portals = new Map<string, PortalEntry>();
  const sessions = new Map<string, { token: string; slug: string; expiresAt: number }>();
  const log: FakeSpseRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  function addPortal(portal: FakeSpsePortalOptions) {
    portals.set(portal.slug, {
      slug: portal.slug,
      name: portal.name ?? `LPSE ${portal.slug}`,
      packages: [...(portal.packages ?? [])],
      failures: new Map(),
      counts: zeroCounts(),
    });
  }
  for (const portal of options.portals ?? []) addPortal(portal);

  function portalOf(slug: string): PortalEntry {
    const portal = portals.get(slug);
    if (!portal) throw new Error(`fake SPSE: no portal ${slug}`);
    return portal;
  }

  function send(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}) {
    const buf = Buffer.from(body);
    res.writeHead(status, { 'content-type': HTML, ...headers, 'content-length': String(buf.length) });
    res.end(buf);
  }

  /** Answers with the failure when it is one that replaces the whole answer; true when it did. */
  function sendFailure(res: ServerResponse, portal: PortalEntry, failure: FakeSpseFailure, then: () => void): boolean {
    if (failure === 'access-denied') {
      send(res, 403, spseAccessDeniedPage(portal.name, portal.slug));
      return true;
    }
    if (failure === 'cloudflare') {
      send(res, 403, cloudflareChallengePage('spse.inaproc.id'), { 'cf-mitigated': 'challenge', server: 'cloudflare', 'cf-ray': `${hex(8)}-CGK` });
      return true;
    }
    if (failure === 'rate-limited') {
      send(res, 429, cloudflareRateLimitPage('spse.inaproc.id'), { server: 'cloudflare', 'retry-after': '60' });
      return true;
    }
    if (failure === 'hang') return true;
    if (typeof failure === 'object' && failure.kind === 'status') {
      send(res, failure.status, nginxErrorPage(failure.status), { server: 'nginx' });
      return true;
    }
    if (typeof failure === 'object' && failure.kind === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) then();
      }, failure.delayMs);
      timers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
      return true;
    }
    return false;
  }

  function sessionOf(req: IncomingMessage, slug: string): { id: string; token: string } | null {
    const cookie = req.headers.cookie ?? '';
    const match = /SPSE_SESSION=[0-9a-f]+-___AT=(?:[0-9a-f]*)&___TS=\d+&___ID=([0-9a-f-]+)/.exec(cookie);
    const session = match ? sessions.get(match[1]!) : undefined;
    if (!match || !session || session.slug !== slug || session.expiresAt < now()) return null;
    return { id: match[1]!, token: session.token };
  }

  const refererOk = (req: IncomingMessage, slug: string) => {
    const referer = req.headers.referer;
    return typeof referer === 'string' && referer.startsWith(`${origin}/${slug}`);
  };

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', origin);
    const parts = url.pathname.split('/').filter(Boolean);
    const slug = parts[0] ?? '';
    const portal = portals.get(slug);
    const method = req.method ?? 'GET';
    const endpoint = portal ? endpointOf(method, parts.slice(1)) : 'other';
    const entry: FakeSpseRequest = { slug, endpoint, method, path: `${url.pathname}${url.search}`, status: null, at: now() };
    log.push(entry);
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    res.once('finish', () => {
      entry.status = res.statusCode;
    });
    if (!portal) {
      send(res, 404, spseNotFoundPage('LPSE', slug));
      return;
    }
    portal.counts[endpoint]++;
    const injected = portal.failures.get(endpoint);
    let failure: FakeSpseFailure | null = null;
    if (injected && injected.left > 0) {
      failure = injected.failure;
      injected.left--;
    }
    const answer = () => serve(req, res, portal, endpoint, url, body, failure);
    if (failure && sendFailure(res, portal, failure, answer)) return;
    answer();
  }

  function serve(req: IncomingMessage, res: ServerResponse, portal: PortalEntry, endpoint: FakeSpseEndpoint, url: URL, body: string, failure: FakeSpseFailure | null) {
    const { slug, name } = portal;
    switch (endpoint) {
      case 'home':
        send(res, 200, spseHomePage(name, { slug }));
        return;
      case 'lelang': {
        const token = hex(20);
        const id = `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`;
        const missing = failure === 'missing-token';
        sessions.set(id, { token, slug, expiresAt: now() + sessionMs });
        const cookie = `SPSE_SESSION=${hex(20)}-___AT=${missing ? '' : token}&___TS=${now() + sessionMs}&___ID=${id}; Path=/${slug}; HttpOnly`;
        send(res, 200, lelangPage(name, slug, missing ? null : token), { 'set-cookie': cookie });
        return;
      }
      case 'dt-lelang':
      case 'dt-pl': {
        if (req.method !== 'POST') {
          send(res, 405, nginxErrorPage(405));
          return;
        }
        if (!refererOk(req, slug)) {
          send(res, 403, spseAccessDeniedPage(name, slug));
          return;
        }
        const form = new URLSearchParams(body);
        const session = sessionOf(req, slug);
        if (!session || form.get('authenticityToken') !== session.token) {
          send(res, 500, spseErrorPage('81kep4jo9', true, { name, slug }));
          return;
        }
        if (failure === 'html') {
          send(res, 200, spseErrorPage('81kep4jo9', true, { name, slug }));
          return;
        }
        const kind: FakeTenderKind = endpoint === 'dt-lelang' ? 'tender' : 'nontender';
        const year = Number(url.searchParams.get('tahun') ?? new Date(now() + zoneOffsetHours * 3_600_000).getUTCFullYear());
        const currentYear = new Date(now() + zoneOffsetHours * 3_600_000).getUTCFullYear();
        const start = Math.max(0, Number(form.get('start') ?? 0) || 0);
        const askedLength = Number(form.get('length') ?? 10);
        const length = askedLength === -1 ? Infinity : Math.max(0, Math.min(askedLength || 10, 5000));
        const descending = form.get('order[0][column]') === '0' && form.get('order[0][dir]') === 'desc';
        const all = portal.packages.filter((p) => p.kind === kind && (p.year ?? currentYear) === year).sort(byKode);
        if (descending) all.reverse();
        const at = now();
        let data: unknown[][] = failure === 'empty' ? [] : all.slice(start, start + length).map((p) => (kind === 'tender' ? tenderRow(p, stageTextAt(p, at)) : nontenderRow(p, stageTextAt(p, at))));
        if (failure === 'short-rows') data = data.map((row) => row.slice(0, 3));
        if (failure === 'fewer-cells') data = data.map((row) => row.slice(0, 8));
        send(res, 200, JSON.stringify({ draw: Number(form.get('draw') ?? 1), recordsTotal: SENTINEL, recordsFiltered: SENTINEL, data }), {
          'content-type': 'application/json; charset=utf-8',
        });
        return;
      }
      case 'jadwal-lelang':
      case 'jadwal-nontender': {
        if (!refererOk(req, slug)) {
          send(res, 403, spseAccessDeniedPage(name, slug));
          return;
        }
        const kind: FakeTenderKind = endpoint === 'jadwal-lelang' ? 'tender' : 'nontender';
        const kode = url.pathname.split('/').filter(Boolean)[2] ?? '';
        const pkg = portal.packages.find((p) => p.kind === kind && p.kode === kode);
        if (!pkg) {
          send(res, 404, spseNotFoundPage(name, slug));
          return;
        }
        send(
          res,
          200,
          jadwalPage(name, slug, pkg, { zoneOffsetHours, unknownStages: failure === 'unknown-stages', badDates: failure === 'bad-dates', noTable: failure === 'no-table' }),
        );
        return;
      }
      default:
        send(res, 404, spseNotFoundPage(name, slug));
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 65_536) chunks.push(chunk);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error: Error, socket: net.Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  let closing: Promise<void> | undefined;

  const findPackage = (slug: string, kode: string, kind?: FakeTenderKind) => {
    const pkg = portalOf(slug).packages.find((p) => p.kode === kode && (kind === undefined || p.kind === kind));
    if (!pkg) throw new Error(`fake SPSE: no package ${kode} on ${slug}`);
    return pkg;
  };

  return {
    origin,
    urlOf: (slug) => `${origin}/${slug}`,
    addPortal,
    packages: (slug) => portalOf(slug).packages,
    setPackages(slug, packages) {
      portalOf(slug).packages = [...packages];
    },
    addPackages(slug, packages) {
      portalOf(slug).packages.push(...packages);
    },
    updatePackage(slug, kode, change, kind) {
      Object.assign(findPackage(slug, kode, kind), change);
    },
    extendStage(slug, kode, stage, end, extendOptions = {}) {
      const pkg = findPackage(slug, kode, extendOptions.kind);
      const row = pkg.schedule.find((s) => s.stage === stage);
      if (!row) throw new Error(`fake SPSE: package ${kode} has no stage ${stage}`);
      row.end = end;
      if (extendOptions.start !== undefined) row.start = extendOptions.start;
      row.changes = (row.changes ?? 0) + 1;
    },
    fail(slug, endpoint, failure, failOptions = {}) {
      const portal = portalOf(slug);
      if (failure === null) portal.failures.delete(endpoint);
      else portal.failures.set(endpoint, { failure, left: failOptions.times ?? Infinity });
    },
    expireSessions() {
      sessions.clear();
    },
    requests: {
      count(slug, endpoint) {
        let n = 0;
        for (const portal of portals.values()) {
          if (slug !== undefined && portal.slug !== slug) continue;
          n += endpoint === undefined ? Object.values(portal.counts).reduce((a, b) => a + b, 0) : portal.counts[endpoint];
        }
        return n;
      },
      byEndpoint: (slug) => ({ ...portalOf(slug).counts }),
      get log() {
        return log;
      },
      clear() {
        log.length = 0;
        for (const portal of portals.values()) portal.counts = zeroCounts();
      },
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Package builders (tests and the bench)
// ---------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Whole minutes, as SPSE writes them. */
const minute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

/** A tender's usual stages, announced at `announcedAt` (bid upload ends a week later at 16:00-ish). */
export function fakeTenderSchedule(announcedAt: number): FakeStage[] {
  const at = (days: number, hours = 0) => minute(announcedAt + days * DAY + hours * HOUR);
  return [
    { stage: 'Pengumuman Pascakualifikasi', start: at(0), end: at(3) },
    { stage: 'Download Dokumen Pemilihan', start: at(0), end: at(7) },
    { stage: 'Pemberian Penjelasan', start: at(2), end: at(2, 2) },
    { stage: 'Upload Dokumen Penawaran', start: at(2, 3), end: at(7, 4) },
    { stage: 'Pembukaan Dokumen Penawaran', start: at(7, 4), end: at(8) },
    { stage: 'Evaluasi Administrasi, Kualifikasi, Teknis, dan Harga', start: at(7, 4), end: at(12) },
    { stage: 'Pembuktian Kualifikasi', start: at(12), end: at(14) },
    { stage: 'Penetapan Pemenang', start: at(14), end: at(15) },
    { stage: 'Pengumuman Pemenang', start: at(15), end: at(16) },
    { stage: 'Masa Sanggah', start: at(16), end: at(21) },
    { stage: 'Surat Penunjukan Penyedia Barang/Jasa', start: at(21), end: at(23) },
    { stage: 'Penandatanganan Kontrak', start: at(23), end: at(25) },
  ];
}

/** A non-tender's (Pengadaan Langsung) stages. */
export function fakeNonTenderSchedule(announcedAt: number): FakeStage[] {
  const at = (days: number, hours = 0) => minute(announcedAt + days * DAY + hours * HOUR);
  return [
    { stage: 'Undangan Pengadaan Langsung', start: at(0), end: at(1) },
    { stage: 'Pemasukan Dokumen Penawaran', start: at(0), end: at(2, 5) },
    { stage: 'Evaluasi Penawaran', start: at(2, 5), end: at(3) },
    { stage: 'Klarifikasi dan Negosiasi Teknis dan Biaya', start: at(3), end: at(4) },
    { stage: 'Penetapan Pemenang', start: at(4), end: at(5) },
    { stage: 'Penandatanganan Kontrak', start: at(5), end: at(6) },
  ];
}

const WORKS = ['Pembangunan Jalan Lingkungan', 'Rehabilitasi Gedung Kantor', 'Pengadaan Alat Kesehatan', 'Normalisasi Saluran', 'Belanja Peralatan Komputer', 'Jasa Konsultansi Perencanaan'];
const PLACES = ['Kecamatan Menganti', 'Kecamatan Cerme', 'RSUD Ibnu Sina', 'Dinas Pendidikan', 'Dinas PUTR', 'Sekretariat Daerah'];

/**
 * `count` packages of one kind with kodes from `firstKode` on, announced one after the other between
 * `from` and `to` (so their stages end spread over weeks), in a seeded order.
 */
export function fakePackages(options: { count: number; kind: FakeTenderKind; from: number; to: number; firstKode?: number; year?: number }): FakePackage[] {
  const first = options.firstKode ?? (options.kind === 'tender' ? 10_000_064 : 20_000_064);
  const span = Math.max(1, options.to - options.from);
  return Array.from({ length: options.count }, (_, i) => {
    const announcedAt = options.from + Math.floor(((i * 7919) % options.count) / options.count * span);
    const name = `${WORKS[i % WORKS.length]} ${PLACES[(i * 5) % PLACES.length]} Tahun Anggaran 2026`;
    return {
      kode: String(first + i * 1000),
      kind: options.kind,
      name,
      agency: 'Pemerintah Daerah Kabupaten Gresik',
      ...(options.year !== undefined ? { year: options.year } : {}),
      schedule: options.kind === 'tender' ? fakeTenderSchedule(announcedAt) : fakeNonTenderSchedule(announcedAt),
    };
  });
}
