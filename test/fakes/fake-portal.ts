/**
 * Fake LPSE (SPSE 4.5) portals on loopback, for tests and benchmarks.
 *
 * - `createFakePortal()` starts one HTTP(S) server that answers every path according to its current
 *   mode (switchable at run time with `setMode`).
 * - `createFakePortalFarm()` starts a few servers that each serve many portals (`/p0001`, ...), each
 *   with its own mode, for benchmarks. Bodies are rendered once per distinct mode and reused.
 * - The page builders (`spseHomePage`, `spseErrorPage`, ...) are exported so classifier unit tests can
 *   use exactly the strings the fake servers send.
 *
 * Facts about real SPSE pages: /work/shared/data/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// ---------------------------------------------------------------------------------------------
// Modes
// ---------------------------------------------------------------------------------------------

/** A fixed delay in ms, or a range from which each request draws a delay (seeded PRNG). */
export type DelaySpec = number | { min: number; max: number };

/** A realistic SPSE 4.5 home page (~20 KB by default). */
export interface HealthyMode {
  kind: 'healthy';
  /** Target body size in bytes (exact when larger than the page skeleton, ~4 KB). Default 20480. */
  bytes?: number;
  /** Delay before the response headers. Default 0. */
  delayMs?: DelaySpec;
  /** Page title, e.g. `LPSE Kabupaten Gresik`. Default: the portal's name. */
  name?: string;
  /** Footer version string. Default `SPSE v4.5u20221227`. */
  version?: string;
}
/** Healthy, but only after `delayMs` (default 3000). */
export interface SlowMode {
  kind: 'slow';
  delayMs?: DelaySpec;
  bytes?: number;
  name?: string;
}
/** SPSE's application error page ("Maaf, terjadi error pada aplikasi SPSE", "Kode Error : ..."). */
export interface SpseErrorMode {
  kind: 'spse-error';
  /** Default 500 (Play's status); proxies sometimes turn it into 200. */
  status?: number;
  /** Default `81kep4jo9` (the Gresik, May 2023 code). */
  code?: string;
  /** `Kode Error : x` (true, default) or `Kode Error: x` (false). */
  spaceBeforeColon?: boolean;
  delayMs?: DelaySpec;
}
/** nginx's built-in error page. */
export interface NginxMode {
  kind: 'nginx';
  /** Default 502. 503 and 504 are the usual others; any status in nginx's table works. */
  status?: number;
  delayMs?: DelaySpec;
}
/** Any status with a small plain-text body. */
export interface StatusMode {
  kind: 'status';
  /** Default 500. */
  status?: number;
  /** Default: `<status> <reason>`. */
  body?: string;
  /** Default `text/plain; charset=utf-8`. */
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: DelaySpec;
}
/** Cloudflare in front of spse.inaproc.id: 403 managed challenge (default) or 429 rate limit. */
export interface CloudflareMode {
  kind: 'cloudflare';
  status?: 403 | 429;
}
/**
 * Cloudflare's own error page when it cannot reach the portal's server: 520–526 ("Web server is
 * down", "Connection timed out", ...), with `server: cloudflare`, `cf-ray` and a Ray ID. A real outage.
 */
export interface CloudflareOriginMode {
  kind: 'cloudflare-origin';
  /** 520–526. Default 522 (Connection timed out). */
  status?: number;
}
/** SPSE's own refusal (detail pages without a Referer): 403 "Akses Ditolak!" in the SPSE layout. */
export interface AccessDeniedMode {
  kind: 'access-denied';
  /** Default 403. */
  status?: number;
}
/** F5 BIG-IP ASM's default block page ("The requested URL was rejected..."), HTTP 200 by default. */
export interface WafRejectedMode {
  kind: 'waf-rejected';
  /** Default 200 (ASM's default); some policies send 403. */
  status?: number;
}
/** F5's JavaScript anti-bot challenge (TSPD, `window["bobcmn"]`) on a legacy host, HTTP 200. */
export interface BotChallengeMode {
  kind: 'bot-challenge';
}
/** SPSE's not-found page ("Halaman yang dituju tidak ditemukan"). */
export interface NotFoundMode {
  kind: 'not-found';
  /** Default 404. */
  status?: number;
}
/** A maintenance page ("Sedang Maintenance"). */
export interface MaintenanceMode {
  kind: 'maintenance';
  /** Default 503 (with `Retry-After`). */
  status?: number;
}
/** A 200 page without any SPSE marker. */
export interface UnexpectedMode {
  kind: 'unexpected';
  /** Default `nginx-welcome`. */
  variant?: UnexpectedVariant;
  /** Default 200. */
  status?: number;
}
/** Accepts the request and never answers (the socket stays open until the client gives up). */
export interface HangMode {
  kind: 'hang';
}
/** Sends headers (with the Content-Length of a full page) and part of the body, then stalls. */
export interface HangBodyMode {
  kind: 'hang-body';
  /** Bytes of body sent before stalling. Default 4096. */
  bytes?: number;
}
/** A 200 text/html body of `bytes` bytes (default 50 MB), generated on the fly. */
export interface HugeMode {
  kind: 'huge';
  bytes?: number;
  /** Send a Content-Length header (default false: chunked transfer encoding). */
  contentLength?: boolean;
}
/** A redirect to the requested URL itself, forever. */
export interface RedirectLoopMode {
  kind: 'redirect-loop';
  /** Default 302. */
  status?: number;
}
/** A redirect to `location` (default `https://spse.inaproc.id/<slug>`). */
export interface RedirectMode {
  kind: 'redirect';
  location?: string;
  /** Default 302. */
  status?: number;
}
/** Destroys the socket as soon as the request arrived. */
export interface ResetMode {
  kind: 'reset';
  /** `rst` (default): TCP RST, the client sees ECONNRESET. `close`: a plain FIN (socket hang up). */
  how?: 'rst' | 'close';
}
/** The legacy host's transition page pointing to spse.inaproc.id. */
export interface TransitionPageMode {
  kind: 'transition-page';
  /** Default `https://spse.inaproc.id/<slug>`. */
  target?: string;
  /** 200 (default): HTML with meta refresh and a link. 301/302: same HTML plus `Location`. */
  status?: number;
}

export type PortalModeObject =
  | HealthyMode
  | SlowMode
  | SpseErrorMode
  | NginxMode
  | StatusMode
  | CloudflareMode
  | CloudflareOriginMode
  | AccessDeniedMode
  | WafRejectedMode
  | BotChallengeMode
  | NotFoundMode
  | MaintenanceMode
  | UnexpectedMode
  | HangMode
  | HangBodyMode
  | HugeMode
  | RedirectLoopMode
  | RedirectMode
  | ResetMode
  | TransitionPageMode;

/** Every kind as a string with its defaults, plus `cloudflare-429`. */
export type PortalModeName = PortalModeObject['kind'] | 'cloudflare-429';

/** What a fake portal does. A string is the shorthand for `{ kind }` with defaults. */
export type PortalMode = PortalModeName | PortalModeObject;

export type UnexpectedVariant = 'nginx-welcome' | 'apache-default' | 'parked';

/** Normalises a shorthand to its object form. */
export function normalizeMode(mode: PortalMode): PortalModeObject {
  if (typeof mode !== 'string') return mode;
  if (mode === 'cloudflare-429') return { kind: 'cloudflare', status: 429 };
  return { kind: mode } as PortalModeObject;
}

// ---------------------------------------------------------------------------------------------
// Page bodies
// ---------------------------------------------------------------------------------------------

export const DEFAULT_PORTAL_NAME = 'LPSE Kabupaten Gresik';
export const DEFAULT_PORTAL_SLUG = 'gresikkab';
export const DEFAULT_SPSE_VERSION = 'SPSE v4.5u20221227';
/** The Gresik (May 2023) error code: `parseInt('81kep4jo9', 26)` = 1685004489749. */
export const DEFAULT_ERROR_CODE = '81kep4jo9';
export const SPSE_NOSCRIPT_TEXT =
  'Untuk tampilan Aplikasi SPSE yang lebih baik, harap aktifkan fitur javascript pada browser anda';
export const LKPP_TEXT = 'Lembaga Kebijakan Pengadaan Barang/Jasa Pemerintah (LKPP)';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function hex(rng: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += Math.floor(rng() * 16).toString(16);
  return s;
}

/** `Rp. 1.245.300.000,00` */
function rupiah(n: number): string {
  return `Rp. ${Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.')},00`;
}

const BULAN = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];
const PEKERJAAN = [
  'Pembangunan Jalan Lingkungan',
  'Rehabilitasi Gedung Kantor',
  'Pembangunan Saluran Drainase',
  'Pengadaan Alat Kesehatan',
  'Peningkatan Jalan Poros Desa',
  'Belanja Modal Peralatan Komputer',
  'Jasa Konsultansi Perencanaan Teknis',
  'Pengawasan Pembangunan Jembatan',
  'Pengadaan Bahan Makanan Rumah Sakit',
  'Rehabilitasi Ruang Kelas SD Negeri',
  'Normalisasi Sungai',
  'Pemeliharaan Berkala Jalan',
  'Pengadaan Kendaraan Dinas Operasional',
  'Jasa Kebersihan Gedung',
  'Pembangunan Puskesmas Pembantu',
  'Penyusunan Dokumen Analisis Dampak Lingkungan',
];
const TEMPAT = [
  'Kecamatan Menganti', 'Kecamatan Cerme', 'Kecamatan Driyorejo', 'Kecamatan Wringinanom', 'Kecamatan Manyar',
  'Kecamatan Kebomas', 'Kecamatan Sidayu', 'Kecamatan Bungah', 'Kecamatan Duduk Sampeyan', 'Kecamatan Benjeng',
  'RSUD Ibnu Sina', 'Dinas Pendidikan', 'Dinas Kesehatan', 'Sekretariat Daerah', 'Dinas PUTR',
];
const KATEGORI = ['Pengadaan Barang', 'Jasa Konsultansi Badan Usaha', 'Pekerjaan Konstruksi', 'Jasa Lainnya'] as const;

function tenderRow(rng: () => number, slug: string): string {
  const kode = 7_000_000 + Math.floor(rng() * 3_000_000);
  const nama = `${pick(rng, PEKERJAAN)} ${pick(rng, TEMPAT)} Tahun Anggaran 2023`;
  const hps = rupiah((50 + Math.floor(rng() * 9_950)) * 1_000_000 + Math.floor(rng() * 1000) * 1000);
  const tanggal = `${String(1 + Math.floor(rng() * 28)).padStart(2, '0')} ${pick(rng, BULAN)} 2023`;
  return (
    `\t\t\t\t<tr>\n\t\t\t\t\t<td class="bs-callout-info"><a href="/${slug}/lelang/${kode}/pengumumanlelang" title="${nama}">${nama}</a>` +
    ` <span class="badge badge-info">Tender</span></td>\n\t\t\t\t\t<td class="table-hps">${hps}</td>\n\t\t\t\t\t<td class="center">${tanggal}</td>\n\t\t\t\t</tr>\n`
  );
}

function spseHead(title: string, slug: string, extraHead = ''): string {
  return `<!DOCTYPE html>
<html lang="id">
<head>
\t<meta charset="UTF-8">
\t<meta http-equiv="X-UA-Compatible" content="IE=edge">
\t<meta name="viewport" content="width=device-width, initial-scale=1">
\t<meta name="description" content="Layanan Pengadaan Secara Elektronik">
\t<title>${escapeHtml(title)}</title>
\t<link rel="shortcut icon" type="image/x-icon" href="/${slug}/public/images/favicon.ico">
\t<link rel="stylesheet" type="text/css" href="/${slug}/public/css/bootstrap.min.css?v=4.5u20221227">
\t<link rel="stylesheet" type="text/css" href="/${slug}/public/css/font-awesome.min.css?v=4.5u20221227">
\t<link rel="stylesheet" type="text/css" href="/${slug}/public/css/spse.css?v=4.5u20221227">
\t<script type="text/javascript" src="/${slug}/public/js/jquery.min.js?v=4.5u20221227"></script>
${extraHead}</head>
`;
}

function spseHeaderBar(name: string, slug: string): string {
  return `<div id="header" class="container-fluid">
\t<div id="headerContent">
\t\t<a href="/${slug}"><img class="pull-left" alt="LPSE" src="/${slug}/public/images/logo-lpse.png"></a>
\t\t<img class="pull-right" alt="SPSE" src="/${slug}/public/images/spse-4.png">
\t\t<div class="lpse-name">${escapeHtml(name)}</div>
\t\t<div id="systemMessage"></div>
\t</div>
</div>
<nav class="navbar navbar-custom">
\t<div class="container-fluid">
\t\t<ul class="nav navbar-nav">
\t\t\t<li class="active"><a href="/${slug}">Beranda</a></li>
\t\t\t<li><a href="/${slug}/lelang">Cari Paket</a></li>
\t\t\t<li><a href="/${slug}/publik/regulasi">Regulasi</a></li>
\t\t\t<li><a href="/${slug}/publik/kontenkhusus">Konten Khusus</a></li>
\t\t\t<li><a href="/${slug}/publik/daftarhitam">Daftar Hitam</a></li>
\t\t\t<li><a href="/${slug}/publik/kontakkami">Kontak Kami</a></li>
\t\t</ul>
\t\t<ul class="nav navbar-nav navbar-right">
\t\t\t<li><a href="/${slug}/login">Masuk</a></li>
\t\t</ul>
\t</div>
</nav>
`;
}

function spseFooter(name: string, version: string): string {
  return `<div id="footer" class="text-center">
\t<p>${escapeHtml(name)} - Update terakhir 2023-05-24 10:15, ${escapeHtml(version)}</p>
\t<p>Dikembangkan oleh Direktorat Pengembangan Sistem Katalog<br>
\t${LKPP_TEXT}</p>
</div>
`;
}

export interface SpseHomePageOptions {
  /** Target size in bytes (default 20480); exact when larger than the page skeleton. */
  bytes?: number;
  /** Portal path on the central front, used in links. Default `gresikkab`. */
  slug?: string;
  version?: string;
  /** The `authenticityToken` value (40 hex). Default: derived from the name. */
  token?: string;
}

/**
 * A realistic SPSE 4.5 home page: title, noscript notice, menu, tender tables (padding to the
 * requested size), footer with version and LKPP, a script setting `authenticityToken`.
 * Deterministic for a given name and options.
 */
export function spseHomePage(name: string = DEFAULT_PORTAL_NAME, options: SpseHomePageOptions = {}): string {
  const slug = options.slug ?? DEFAULT_PORTAL_SLUG;
  const version = options.version ?? DEFAULT_SPSE_VERSION;
  const target = options.bytes ?? 20_480;
  const rng = seededRandom(hashString(`${name}|${slug}`));
  const token = options.token ?? hex(rng, 40);
  const script = `\t<script type="text/javascript">
\t\tvar authenticityToken = '${token}';
\t\tvar contextPath = '/${slug}';
\t</script>
`;
  const prefix =
    spseHead(name, slug, script) +
    `<body>
<noscript>
\t<div class="alert alert-danger text-center">
\t\t<h5>${SPSE_NOSCRIPT_TEXT}</h5>
\t</div>
</noscript>
` +
    spseHeaderBar(name, slug) +
    `<div class="container">
\t<div class="content">
\t\t<div class="row">
\t\t\t<div class="col-md-12">
\t\t\t\t<form class="form-inline" action="/${slug}/lelang" method="get">
\t\t\t\t\t<input type="hidden" name="authenticityToken" value="${token}">
\t\t\t\t\t<input type="text" class="form-control" name="kata_kunci" placeholder="Cari paket pengadaan...">
\t\t\t\t\t<button type="submit" class="btn btn-primary"><i class="fa fa-search"></i> Cari</button>
\t\t\t\t</form>
\t\t\t</div>
\t\t</div>
`;
  const panelOpen = (k: string): string =>
    `\t\t<div class="panel panel-default">
\t\t\t<div class="panel-heading"><h4>${k}</h4></div>
\t\t\t<table class="table table-condensed table-striped">
\t\t\t\t<thead><tr><th>Nama Paket</th><th>HPS</th><th>Akhir Pendaftaran</th></tr></thead>
\t\t\t\t<tbody>
`;
  const panelClose = `\t\t\t\t</tbody>
\t\t\t</table>
\t\t\t<div class="panel-footer"><a href="/${slug}/lelang">Lihat paket lainnya &raquo;</a></div>
\t\t</div>
`;
  const suffix =
    `\t</div>
</div>
` +
    spseFooter(name, version) +
    `<script type="text/javascript" src="/${slug}/public/js/bootstrap.min.js?v=4.5u20221227"></script>
<script type="text/javascript" src="/${slug}/public/js/spse.js?v=4.5u20221227"></script>
</body>
</html>
`;
  const fixed =
    Buffer.byteLength(prefix) +
    Buffer.byteLength(suffix) +
    KATEGORI.reduce((n, k) => n + Buffer.byteLength(panelOpen(k)) + Buffer.byteLength(panelClose), 0);
  const rows: string[] = [];
  let size = fixed;
  for (;;) {
    const row = tenderRow(rng, slug);
    const rowBytes = Buffer.byteLength(row);
    if (size + rowBytes > target) break;
    rows.push(row);
    size += rowBytes;
  }
  const perPanel = Math.ceil(rows.length / KATEGORI.length);
  let body = prefix;
  KATEGORI.forEach((k, i) => {
    body += panelOpen(k) + rows.slice(i * perPanel, (i + 1) * perPanel).join('') + panelClose;
  });
  // Templates leave whitespace around: pad to the exact size with blank space before the footer.
  const gap = Math.max(0, target - size);
  body += (gap >= 2 ? `\n${' '.repeat(gap - 2)}\n` : ' '.repeat(gap)) + suffix;
  return body;
}

/**
 * SPSE's application error page, as Play renders it inside the SPSE layout (title, header and
 * footer included: classifiers must look for the error before the healthy markers).
 */
export function spseErrorPage(
  code: string = DEFAULT_ERROR_CODE,
  spaceBeforeColon = true,
  options: { name?: string; slug?: string; version?: string } = {},
): string {
  const name = options.name ?? DEFAULT_PORTAL_NAME;
  const slug = options.slug ?? DEFAULT_PORTAL_SLUG;
  return (
    spseHead(`Terjadi Kesalahan | ${name}`, slug) +
    `<body>
` +
    spseHeaderBar(name, slug) +
    `<div class="container">
\t<div class="content">
\t\t<div class="panel panel-danger">
\t\t\t<div class="panel-heading"><h4><i class="fa fa-exclamation-triangle"></i> Terjadi Kesalahan</h4></div>
\t\t\t<div class="panel-body">
\t\t\t\t<div class="alert alert-danger">
\t\t\t\t\t<p><strong>Maaf, terjadi error pada aplikasi SPSE.</strong></p>
\t\t\t\t\t<p>Silakan hubungi Admin LPSE dan sampaikan kode error di bawah ini.</p>
\t\t\t\t\t<p>Kode Error${spaceBeforeColon ? ' ' : ''}: <b>${escapeHtml(code)}</b></p>
\t\t\t\t</div>
\t\t\t\t<a href="/${slug}" class="btn btn-default"><i class="fa fa-home"></i> Kembali ke Beranda</a>
\t\t\t</div>
\t\t</div>
\t</div>
</div>
` +
    spseFooter(name, options.version ?? DEFAULT_SPSE_VERSION) +
    `</body>
</html>
`
  );
}

/** SPSE's not-found page, inside the SPSE layout. */
export function spseNotFoundPage(name: string = DEFAULT_PORTAL_NAME, slug: string = DEFAULT_PORTAL_SLUG): string {
  return (
    spseHead(`Halaman Tidak Ditemukan | ${name}`, slug) +
    `<body>
` +
    spseHeaderBar(name, slug) +
    `<div class="container">
\t<div class="content">
\t\t<div class="panel panel-warning">
\t\t\t<div class="panel-heading"><h4>404 - Not Found</h4></div>
\t\t\t<div class="panel-body">
\t\t\t\t<div class="alert alert-warning">Halaman yang dituju tidak ditemukan</div>
\t\t\t\t<a href="/${slug}" class="btn btn-default"><i class="fa fa-home"></i> Kembali ke Beranda</a>
\t\t\t</div>
\t\t</div>
\t</div>
</div>
` +
    spseFooter(name, DEFAULT_SPSE_VERSION) +
    `</body>
</html>
`
  );
}

const NGINX_REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Authorization Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Not Allowed',
  408: 'Request Time-out',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** nginx's built-in error page, byte for byte (CRLF line ends; `server` is `nginx` with server_tokens off). */
export function nginxErrorPage(status = 502, server = 'nginx'): string {
  const title = `${status} ${NGINX_REASONS[status] ?? http.STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`;
}

/** Cloudflare's managed challenge ("Just a moment..."), served with 403 and `cf-mitigated: challenge`. */
export function cloudflareChallengePage(host = 'spse.inaproc.id', ray = '8c9a3f1e2b7d4a61'): string {
  return `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow"><meta name="viewport" content="width=device-width,initial-scale=1"><style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15;-webkit-text-size-adjust:100%;color:#313131;font-family:system-ui,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}body{display:flex;flex-direction:column;height:100vh;min-height:100vh}.main-content{margin:8rem auto;max-width:60rem;padding-left:1.5rem}@media (width <= 720px){.main-content{margin-top:4rem}}.h2{font-size:1.5rem;font-weight:500;line-height:2.25rem}</style><meta http-equiv="refresh" content="390"></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content"><noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript></div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "${host}",cType: 'managed',cRay: '${ray}',cH: 'Xq2b8n1kPj0Zt5Wm.3c9F4yL6oR_sAeDgHvJuKiN7-1716170000-1.2.1.1-abc',cUPMDTk: "\\/?__cf_chl_tk=Zq3nW8yRb5Kx1Lm0Pj7Ts.4c-1716170000-0.0.1.1-4321",cFPWv: 'g',cITimeS: '1716170000',cTTimeMs: '1000',cMTimeMs: '390000',cTplC: 0,cTplV: 5,cTplB: 'cf',cK: "",fa: "\\/?__cf_chl_f_tk=Zq3nW8yRb5Kx1Lm0Pj7Ts.4c-1716170000-0.0.1.1-4321",md: "Hk2rXw0mQb4Nf7Jt9Lc1Vp8Ys6Da3Ge5Uo",mdrd: "",cRq: {ru: 'aHR0cHM6Ly9zcHNlLmluYXByb2MuaWQv',ra: 'TW96aWxsYS81LjA=',rm: 'R0VU',d: '',t: 'MTcxNjE3MDAwMC4wMDAwMDA=',cT: Math.floor(Date.now() / 1000),m: '',i1: '',i2: '',zh: '',uh: '',hh: ''}};var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=${ray}';window._cf_chl_opt.cOgUHash = location.hash === '' && location.href.indexOf('#') !== -1 ? '#' : location.hash;window._cf_chl_opt.cOgUQuery = location.search === '' && location.href.slice(0, location.href.length - window._cf_chl_opt.cOgUHash.length).indexOf('?') !== -1 ? '?' : location.search;if (window.history && window.history.replaceState) {var ogU = location.pathname + window._cf_chl_opt.cOgUQuery + window._cf_chl_opt.cOgUHash;history.replaceState(null, null, "\\/?__cf_chl_rt_tk=Zq3nW8yRb5Kx1Lm0Pj7Ts.4c-1716170000-0.0.1.1-4321" + window._cf_chl_opt.cOgUHash);cpo.onload = function() {history.replaceState(null, null, ogU);}}document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>`;
}

/** Cloudflare's rate-limit page (error 1015), served with 429. */
export function cloudflareRateLimitPage(host = 'spse.inaproc.id', ray = '8c9a3f1e2b7d4a61'): string {
  return `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>Access denied | ${host} used Cloudflare to restrict access</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=Edge" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1>
          <span class="cf-error-type" data-translate="error">Error</span>
          <span class="cf-error-code">1015</span>
        </h1>
        <h2 class="cf-subheadline" data-translate="error_desc">You are being rate limited</h2>
      </div>
      <section></section>
      <div class="cf-section cf-wrapper">
        <div class="cf-columns two">
          <div class="cf-column">
            <h2 data-translate="blocked_why_headline">What happened?</h2>
            <p data-translate="blocked_why_detail">The owner of this website (${host}) has banned you temporarily from accessing this website.</p>
          </div>
        </div>
      </div>
      <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
        <p class="text-13">
          <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">${ray}</strong></span>
          <span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing" id="brand_link" target="_blank">Cloudflare</a></span>
        </p>
      </div>
    </div>
  </div>
</body>
</html>
`;
}

const CLOUDFLARE_ORIGIN_TITLES: Record<number, { title: string; what: string }> = {
  520: { title: 'Web server is returning an unknown error', what: 'There is an unknown connection issue between Cloudflare and the origin web server. As a result, the web page can not be displayed.' },
  521: { title: 'Web server is down', what: 'The web server is not returning a connection. As a result, the web page is not displaying.' },
  522: { title: 'Connection timed out', what: "The initial connection between Cloudflare's network and the origin web server timed out. As a result, the web page can not be displayed." },
  523: { title: 'Origin is unreachable', what: "Cloudflare is unable to reach the origin web server. As a result, the web page can not be displayed." },
  524: { title: 'A timeout occurred', what: "Cloudflare was able to complete a TCP connection to the origin server, but did not receive a timely HTTP response." },
  525: { title: 'SSL handshake failed', what: 'Cloudflare is unable to establish an SSL connection to the origin server.' },
  526: { title: 'Invalid SSL certificate', what: 'The origin web server does not have a valid SSL certificate.' },
};

/**
 * Cloudflare's own error page when the origin fails (HTTP 520–526): title `<host> | 522: Connection
 * timed out`, "Error code 522", the browser / Cloudflare / host status boxes and the Ray ID footer.
 */
export function cloudflareOriginErrorPage(status = 522, host = 'spse.inaproc.id', ray = '8c9a3f1e2b7d4a61'): string {
  const { title, what } = CLOUDFLARE_ORIGIN_TITLES[status] ?? { title: 'Error', what: 'The web page can not be displayed.' };
  return `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>${host} | ${status}: ${title}</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=Edge" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">${title}</span>
        <span class="code-label">Error code ${status}</span>
      </h1>
      <div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_${status}&utm_campaign=${host}" target="_blank" rel="noopener noreferrer">cloudflare.com</a> for more information.</div>
    </header>
    <div class="my-4 bg-gradient-gray">
      <div class="w-240 lg:w-full mx-auto">
        <div class="clearfix md:px-8">
          <div id="cf-browser-status" class="relative w-1/3 md:w-full py-15 md:p-0 md:py-8 float-left md:float-none text-center"><span class="md:block w-full truncate">You</span> <h3 class="md:inline-block mt-3 md:mt-0 text-2xl text-gray-600 font-light leading-1.3">Browser</h3> <span class="leading-1.3 text-2xl text-green-success">Working</span></div>
          <div id="cf-cloudflare-status" class="relative w-1/3 md:w-full py-15 md:p-0 md:py-8 float-left md:float-none text-center"><span class="md:block w-full truncate">Jakarta</span> <h3 class="md:inline-block mt-3 md:mt-0 text-2xl text-gray-600 font-light leading-1.3">Cloudflare</h3> <span class="leading-1.3 text-2xl text-green-success">Working</span></div>
          <div id="cf-host-status" class="cf-error-source relative w-1/3 md:w-full py-15 md:p-0 md:py-8 float-left md:float-none text-center"><span class="md:block w-full truncate">${host}</span> <h3 class="md:inline-block mt-3 md:mt-0 text-2xl text-gray-600 font-light leading-1.3">Host</h3> <span class="leading-1.3 text-2xl text-red-error">Error</span></div>
        </div>
      </div>
    </div>
    <div class="w-240 lg:w-full mx-auto mb-8 lg:px-8">
      <div class="clearfix">
        <div class="w-1/2 md:w-full float-left pr-6 md:pb-10 md:pr-0 leading-relaxed">
          <h2 class="text-3xl font-normal leading-1.3 mb-4">What happened?</h2>
          <p>${what}</p>
        </div>
        <div class="w-1/2 md:w-full float-left leading-relaxed">
          <h2 class="text-3xl font-normal leading-1.3 mb-4">What can I do?</h2>
          <p class="mb-6">Please try again in a few minutes.</p>
        </div>
      </div>
    </div>
    <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
      <p class="text-13">
        <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">${ray}</strong></span>
        <span class="cf-footer-separator sm:hidden">&bull;</span>
        <span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_${status}" id="brand_link" target="_blank">Cloudflare</a></span>
      </p>
    </div>
  </div>
</div>
</body>
</html>
`;
}

/** SPSE's 403 "Akses Ditolak!" page, inside the SPSE layout (detail pages asked without a Referer). */
export function spseAccessDeniedPage(name: string = DEFAULT_PORTAL_NAME, slug: string = DEFAULT_PORTAL_SLUG): string {
  return (
    spseHead(`Akses Ditolak | ${name}`, slug) +
    `<body>
` +
    spseHeaderBar(name, slug) +
    `<div class="container">
\t<div class="content">
\t\t<div class="panel panel-danger">
\t\t\t<div class="panel-heading"><h4><i class="fa fa-ban"></i> Akses Ditolak!</h4></div>
\t\t\t<div class="panel-body">
\t\t\t\t<div class="alert alert-danger">Anda tidak memiliki hak akses ke halaman ini.</div>
\t\t\t\t<a href="/${slug}" class="btn btn-default"><i class="fa fa-home"></i> Kembali ke Beranda</a>
\t\t\t</div>
\t\t</div>
\t</div>
</div>
` +
    spseFooter(name, DEFAULT_SPSE_VERSION) +
    `</body>
</html>
`
  );
}

/** F5 BIG-IP ASM's default blocking page (served with HTTP 200 unless the policy says otherwise). */
export function f5RejectedPage(supportId = '14396929317839226498'): string {
  return `<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please consult with your administrator.<br><br>Your support ID is: ${supportId}<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>`;
}

/**
 * F5's JavaScript anti-bot challenge (TSPD) as legacy `lpse.*.go.id` hosts put it on the home page:
 * a `window["bobcmn"]` bootstrap, a `/TSPD/` script and only "Please enable JavaScript" without it.
 */
export function f5BotChallengePage(supportId = '6312718273645283910'): string {
  return `<!DOCTYPE html><html><head><meta http-equiv="Pragma" content="no-cache"/><meta http-equiv="Expires" content="-1"/><meta http-equiv="CacheControl" content="no-cache"/><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/><link rel="shortcut icon" href="data:;base64,iVBORw0KGgo="/><script>(function(){window["bobcmn"] = "11111010101010200000002200000005200000000214a7d3b2200000096200000000200000002300000000300000000300000006/TSPD/?type=20";window.FjG=!!window.FjG;try{(function(){(function(){})();}());}catch(e){}})();</script><script type="text/javascript" src="/TSPD/08d7e2a9c5ab2000c0b2b4a8f31d0b3e6f54c1e9ab7d2f10?type=9"></script><noscript>Please enable JavaScript to view the page content.<br/>Your support ID is: ${supportId}.</noscript></head><body></body></html>`;
}

/** A maintenance page as LPSE admins put up (static, outside SPSE). */
export function maintenancePage(name: string = DEFAULT_PORTAL_NAME): string {
  return `<!DOCTYPE html>
<html lang="id">
<head>
\t<meta charset="UTF-8">
\t<meta name="viewport" content="width=device-width, initial-scale=1">
\t<title>Sedang Maintenance | ${escapeHtml(name)}</title>
\t<style>
\t\tbody { font-family: Arial, Helvetica, sans-serif; background: #f4f6f9; color: #333; text-align: center; padding: 80px 20px; }
\t\t.box { max-width: 640px; margin: 0 auto; background: #fff; border-top: 4px solid #d9534f; padding: 32px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
\t\th1 { font-size: 28px; color: #d9534f; }
\t</style>
</head>
<body>
\t<div class="box">
\t\t<h1>Sedang Maintenance</h1>
\t\t<p>Mohon maaf, LPSE sedang dalam pemeliharaan (maintenance).</p>
\t\t<p>Layanan ${escapeHtml(name)} akan kembali normal secepatnya. Silakan kembali beberapa saat lagi.</p>
\t\t<p>Terima kasih atas pengertian Anda.</p>
\t</div>
</body>
</html>
`;
}

/** A 200 page without any SPSE marker: a default web-server page or a parked domain. */
export function unexpectedPage(variant: UnexpectedVariant = 'nginx-welcome', host = 'lpse.gresikkab.go.id'): string {
  switch (variant) {
    case 'nginx-welcome':
      return `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;
    case 'apache-default':
      return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
    <title>Apache2 Ubuntu Default Page: It works</title>
  </head>
  <body>
    <div class="main_page">
      <div class="page_header floating_element">
        <span class="floating_element">Apache2 Ubuntu Default Page</span>
      </div>
      <div class="content_section floating_element">
        <div class="section_header section_header_red"><div id="about"></div>It works!</div>
        <div class="content_section_text">
          <p>This is the default welcome page used to test the correct operation of the Apache2 server after
          installation on Ubuntu systems.</p>
        </div>
      </div>
    </div>
  </body>
</html>
`;
    case 'parked':
      return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(host)} - This domain may be for sale</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<div class="parking">
<h1>${escapeHtml(host)}</h1>
<p>This domain has expired or is parked free of charge.</p>
<p>Related searches: Tender Online, Pengadaan Barang, Lelang Proyek, Jasa Konstruksi</p>
</div>
</body>
</html>
`;
  }
}

/** The legacy host's transition page announcing the move to the central SPSE front. */
export function transitionPage(target = `https://spse.inaproc.id/${DEFAULT_PORTAL_SLUG}`, name: string = DEFAULT_PORTAL_NAME): string {
  const t = escapeHtml(target);
  return `<!DOCTYPE html>
<html lang="id">
<head>
\t<meta charset="UTF-8">
\t<meta name="viewport" content="width=device-width, initial-scale=1">
\t<meta http-equiv="refresh" content="5; url=${t}">
\t<title>Pengalihan ke SPSE Terpusat | ${escapeHtml(name)}</title>
</head>
<body>
\t<div class="container">
\t\t<h2>Informasi Pengalihan Layanan</h2>
\t\t<p>Sesuai kebijakan LKPP, layanan ${escapeHtml(name)} kini dilayani melalui SPSE terpusat di
\t\t<a href="${t}">${t}</a>.</p>
\t\t<p>Anda akan dialihkan secara otomatis dalam 5 detik. Jika tidak, silakan klik tautan di atas.</p>
\t</div>
\t<script>setTimeout(function () { window.location.href = ${JSON.stringify(target)}; }, 5000);</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------------

const HTML = 'text/html; charset=utf-8';

interface Prerendered {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

function prerender(status: number, body: string | Buffer, headers: OutgoingHttpHeaders = {}): Prerendered {
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { status, body: Buffer.alloc(0), headers: { ...headers } }; // no body allowed
  }
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    status,
    body: buf,
    headers: { 'content-type': HTML, ...headers, 'content-length': String(buf.length) },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface ServeContext {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  slug: string;
  name: string;
  rng: () => number;
  timers: Set<NodeJS.Timeout>;
  /** Rendered responses shared across portals with the same mode (farm). */
  cache: Map<string, Prerendered>;
}

function drawDelay(spec: DelaySpec | undefined, rng: () => number): number {
  if (spec === undefined) return 0;
  if (typeof spec === 'number') return Math.max(0, spec);
  return Math.max(0, spec.min + rng() * (spec.max - spec.min));
}

/** Runs `fn` after `ms`, unless the response is closed first (client gone, server closed). */
function later(ctx: ServeContext, res: ServerResponse, ms: number, fn: () => void): void {
  if (ms <= 0) {
    fn();
    return;
  }
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    res.off('close', cancel);
    if (!res.destroyed) fn();
  }, ms);
  const cancel = (): void => {
    clearTimeout(timer);
    ctx.timers.delete(timer);
  };
  ctx.timers.add(timer);
  res.once('close', cancel);
}

function send(res: ServerResponse, p: Prerendered): void {
  res.writeHead(p.status, p.headers);
  res.end(p.body);
}

function cached(ctx: ServeContext, key: string, make: () => Prerendered): Prerendered {
  const k = `${key}|${ctx.slug}|${ctx.name}`;
  let p = ctx.cache.get(k);
  if (!p) {
    p = make();
    ctx.cache.set(k, p);
  }
  return p;
}

function sessionCookie(rng: () => number, slug: string): string {
  return `SPSE_SESSION=${hex(rng, 40)}-___TS=${Date.now() + 3_600_000}&___ID=${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}&___AT=${hex(rng, 40)}; Path=/${slug}; HttpOnly`;
}

let hugeChunkBuf: Buffer | undefined;
/** 64 KiB of tender rows, shared by every `huge` response. */
function hugeChunk(): Buffer {
  if (!hugeChunkBuf) {
    const rng = seededRandom(42);
    let s = '';
    while (s.length < 65_536) s += tenderRow(rng, 'eproc4');
    hugeChunkBuf = Buffer.from(s.slice(0, 65_536));
  }
  return hugeChunkBuf;
}
const HUGE_PREFIX = Buffer.from(
  '<!DOCTYPE html>\n<html>\n<head><title>Daftar Paket</title></head>\n<body>\n<table class="table">\n',
);

function serveHuge(res: ServerResponse, req: IncomingMessage, total: number, contentLength: boolean): void {
  const headers: OutgoingHttpHeaders = { 'content-type': HTML };
  if (contentLength) headers['content-length'] = String(total);
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const chunk = hugeChunk();
  let remaining = total;
  let stopped = false;
  res.once('close', () => {
    stopped = true;
  });
  const first = HUGE_PREFIX.subarray(0, Math.min(remaining, HUGE_PREFIX.length));
  remaining -= first.length;
  const pump = (): void => {
    while (!stopped && remaining > 0) {
      const n = Math.min(remaining, chunk.length);
      remaining -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!stopped) res.end();
  };
  if (first.length > 0 && !res.write(first)) res.once('drain', pump);
  else pump();
}

/** TLS socket → the TCP socket under it (a TLS socket cannot send a RST itself). */
const rawSockets = new WeakMap<net.Socket, net.Socket>();

function resetSocket(req: IncomingMessage, how: 'rst' | 'close'): void {
  const socket = req.socket;
  if (how === 'rst') {
    try {
      // Over TLS only the TCP socket is reset: destroying the TLS socket as well leaves a dead
      // entry in the http server's connection list (Node 20), which breaks server.close().
      (rawSockets.get(socket) ?? socket).resetAndDestroy();
      return;
    } catch {
      // No TCP handle: fall back to a plain close.
    }
  }
  socket.destroy();
}

/** Turns a mode into a request handler, rendering every body up front. */
function compileMode(modeIn: PortalMode, ctx: ServeContext): Handler {
  const mode = normalizeMode(modeIn);
  switch (mode.kind) {
    case 'healthy':
    case 'slow': {
      const name = mode.name ?? ctx.name;
      const version = mode.kind === 'healthy' ? mode.version : undefined;
      const bytes = mode.bytes ?? 20_480;
      const page = cached(ctx, `home|${name}|${bytes}|${version ?? ''}`, () =>
        prerender(200, spseHomePage(name, { bytes, slug: ctx.slug, ...(version !== undefined ? { version } : {}) }), {
          'set-cookie': sessionCookie(ctx.rng, ctx.slug),
          'cache-control': 'no-cache, no-store, must-revalidate',
          'x-frame-options': 'SAMEORIGIN',
        }),
      );
      const delay = mode.kind === 'slow' ? (mode.delayMs ?? 3000) : mode.delayMs;
      return (req, res) =>
        later(ctx, res, drawDelay(delay, ctx.rng), () => {
          if (req.url !== undefined && req.url.endsWith('/json/getservertime')) {
            // SPSE's cheap probe: the server time in ms.
            send(res, prerender(200, String(Date.now()), { 'content-type': 'text/plain; charset=utf-8' }));
          } else {
            send(res, page);
          }
        });
    }
    case 'spse-error': {
      const status = mode.status ?? 500;
      const code = mode.code ?? DEFAULT_ERROR_CODE;
      const space = mode.spaceBeforeColon ?? true;
      const page = cached(ctx, `err|${status}|${code}|${space}`, () =>
        prerender(status, spseErrorPage(code, space, { name: ctx.name, slug: ctx.slug })),
      );
      const delay = mode.delayMs;
      return (_req, res) => later(ctx, res, drawDelay(delay, ctx.rng), () => send(res, page));
    }
    case 'nginx': {
      const status = mode.status ?? 502;
      const page = cached(ctx, `nginx|${status}`, () =>
        prerender(status, nginxErrorPage(status), { 'content-type': 'text/html', server: 'nginx' }),
      );
      const delay = mode.delayMs;
      return (_req, res) => later(ctx, res, drawDelay(delay, ctx.rng), () => send(res, page));
    }
    case 'status': {
      const status = mode.status ?? 500;
      const page = prerender(status, mode.body ?? `${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\n`, {
        'content-type': mode.contentType ?? 'text/plain; charset=utf-8',
        ...mode.headers,
      });
      const delay = mode.delayMs;
      return (_req, res) => later(ctx, res, drawDelay(delay, ctx.rng), () => send(res, page));
    }
    case 'cloudflare': {
      const status = mode.status ?? 403;
      const ray = `${hex(ctx.rng, 16)}-CGK`;
      const common: OutgoingHttpHeaders = {
        'content-type': 'text/html; charset=UTF-8',
        server: 'cloudflare',
        'cf-ray': ray,
        'cache-control': 'private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0',
        expires: 'Thu, 01 Jan 1970 00:00:01 GMT',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'same-origin',
      };
      const page =
        status === 429
          ? prerender(429, cloudflareRateLimitPage('spse.inaproc.id', ray), { ...common, 'retry-after': '60' })
          : prerender(status, cloudflareChallengePage('spse.inaproc.id', ray), {
              ...common,
              'cf-mitigated': 'challenge',
              'cross-origin-embedder-policy': 'require-corp',
              'cross-origin-opener-policy': 'same-origin',
              'cross-origin-resource-policy': 'same-origin',
            });
      return (_req, res) => send(res, page);
    }
    case 'cloudflare-origin': {
      const status = mode.status ?? 522;
      const ray = `${hex(ctx.rng, 16)}-CGK`;
      const page = prerender(status, cloudflareOriginErrorPage(status, 'spse.inaproc.id', ray), {
        'content-type': 'text/html; charset=UTF-8',
        server: 'cloudflare',
        'cf-ray': ray,
        'cache-control': 'private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0',
        expires: 'Thu, 01 Jan 1970 00:00:01 GMT',
        'referrer-policy': 'same-origin',
      });
      return (_req, res) => send(res, page);
    }
    case 'access-denied': {
      const status = mode.status ?? 403;
      const page = cached(ctx, `denied|${status}`, () =>
        prerender(status, spseAccessDeniedPage(ctx.name, ctx.slug), { 'set-cookie': sessionCookie(ctx.rng, ctx.slug) }),
      );
      return (_req, res) => send(res, page);
    }
    case 'waf-rejected': {
      const status = mode.status ?? 200;
      const page = prerender(status, f5RejectedPage(String(10n ** 19n + BigInt(Math.floor(ctx.rng() * 1e9)))), {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        pragma: 'no-cache',
        connection: 'close',
      });
      return (_req, res) => send(res, page);
    }
    case 'bot-challenge': {
      const page = prerender(200, f5BotChallengePage(), {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache, no-store, must-revalidate',
        pragma: 'no-cache',
        'set-cookie': `TS01a2b3c4=01${hex(ctx.rng, 60)}; Path=/`,
      });
      return (_req, res) => send(res, page);
    }
    case 'not-found': {
      const status = mode.status ?? 404;
      const page = cached(ctx, `nf|${status}`, () => prerender(status, spseNotFoundPage(ctx.name, ctx.slug)));
      return (_req, res) => send(res, page);
    }
    case 'maintenance': {
      const status = mode.status ?? 503;
      const page = cached(ctx, `mt|${status}`, () =>
        prerender(status, maintenancePage(ctx.name), status === 503 ? { 'retry-after': '3600' } : {}),
      );
      return (_req, res) => send(res, page);
    }
    case 'unexpected': {
      const variant = mode.variant ?? 'nginx-welcome';
      const server = variant === 'apache-default' ? 'Apache/2.4.52 (Ubuntu)' : variant === 'parked' ? 'Parking/1.0' : 'nginx';
      const page = prerender(mode.status ?? 200, unexpectedPage(variant), { server });
      return (_req, res) => send(res, page);
    }
    case 'hang':
      return () => {
        // Never answer. The socket stays open until the client gives up or close() destroys it.
      };
    case 'hang-body': {
      const full = cached(ctx, 'home|hang-body', () => prerender(200, spseHomePage(ctx.name, { slug: ctx.slug })));
      const partial = full.body.subarray(0, Math.min(mode.bytes ?? 4096, full.body.length - 1));
      return (_req, res) => {
        res.writeHead(200, full.headers);
        res.write(partial);
        // ... and nothing more.
      };
    }
    case 'huge': {
      const total = Math.max(0, Math.floor(mode.bytes ?? 50 * 1024 * 1024));
      const contentLength = mode.contentLength ?? false;
      return (req, res) => serveHuge(res, req, total, contentLength);
    }
    case 'redirect-loop': {
      const status = mode.status ?? 302;
      return (req, res) => {
        res.writeHead(status, { location: `${ctx.origin}${req.url ?? '/'}`, 'content-length': '0' });
        res.end();
      };
    }
    case 'redirect': {
      const status = mode.status ?? 302;
      const location = mode.location ?? `https://spse.inaproc.id/${ctx.slug}`;
      const page = prerender(status, `<html><body>Moved to <a href="${escapeHtml(location)}">${escapeHtml(location)}</a></body></html>`, {
        location,
      });
      return (_req, res) => send(res, page);
    }
    case 'reset': {
      const how = mode.how ?? 'rst';
      return (req) => resetSocket(req, how);
    }
    case 'transition-page': {
      const status = mode.status ?? 200;
      const target = mode.target ?? `https://spse.inaproc.id/${ctx.slug}`;
      const page = prerender(status, transitionPage(target, ctx.name), status >= 300 && status < 400 ? { location: target } : {});
      return (_req, res) => send(res, page);
    }
  }
}

interface ServerHandle {
  server: http.Server | https.Server;
  origin: string;
  close(): Promise<void>;
}

async function startServer(
  handler: Handler,
  tls: { key: string; cert: string } | null,
  timers: Set<NodeJS.Timeout>,
): Promise<ServerHandle> {
  const server: http.Server | https.Server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
  const sockets = new Set<net.Socket>();
  const byPort = new Map<number, net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    const port = socket.remotePort;
    if (tls && port !== undefined) byPort.set(port, socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (port !== undefined && byPort.get(port) === socket) byPort.delete(port);
    });
  });
  if (tls) {
    server.on('secureConnection', (tlsSocket: net.Socket) => {
      const raw = tlsSocket.remotePort === undefined ? undefined : byPort.get(tlsSocket.remotePort);
      if (raw) rawSockets.set(tlsSocket, raw);
    });
  }
  server.on('request', handler);
  // A client going away mid-request is normal here: no 400 answers, no noise.
  server.on('clientError', (_err: Error, socket: net.Socket) => socket.destroy());
  if (tls) server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    origin,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        try {
          server.close(() => resolve());
          server.closeAllConnections();
        } catch {
          // http's bookkeeping can trip over sockets reset underneath it: close the listener directly.
          net.Server.prototype.close.call(server, () => resolve());
        }
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One portal
// ---------------------------------------------------------------------------------------------

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  userAgent: string | null;
  headers: Record<string, string | string[] | undefined>;
  /** Epoch ms. */
  at: number;
  /** The mode that handled it. */
  mode: PortalModeObject['kind'];
}

export interface RequestLog {
  /** Every request ever received (also those dropped from `list`). */
  readonly count: number;
  /** The last 10,000 requests, oldest first. */
  readonly list: readonly SeenRequest[];
  readonly paths: string[];
  readonly userAgents: (string | null)[];
  clear(): void;
}

const MAX_LOG = 10_000;

export interface FakePortalOptions {
  tls?: 'self-signed' | { key: string; cert: string };
  /** Initial mode. Default `healthy`. */
  mode?: PortalMode;
  /** Path of the portal (`url` = origin + `/` + slug). Default `gresikkab`. */
  slug?: string;
  /** Name in titles and footers. Default `LPSE Kabupaten Gresik`. */
  name?: string;
  /** Seed of the PRNG used for delays and tokens. Default 1. */
  seed?: number;
}

export interface FakePortal {
  /** `http(s)://127.0.0.1:PORT/<slug>` */
  readonly url: string;
  /** `http(s)://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** The certificate served over TLS (PEM), to trust as `ca`; null over plain HTTP. */
  readonly cert: string | null;
  /** The current mode, normalised. */
  readonly mode: PortalModeObject;
  /** `/x` → origin + `/x`; `x` → url + `/x`. */
  urlFor(path: string): string;
  /** Switches behaviour for the next requests (requests already in progress keep the old one). */
  setMode(mode: PortalMode): void;
  /**
   * Serves `mode` instead of the portal's mode to requests whose User-Agent contains `match` (a
   * string) or matches it (a RegExp): one monitor challenged or cut off while others are served.
   * Setting the same `match` again replaces its mode; `null` removes it. The first rule set wins.
   */
  setModeForUserAgent(match: string | RegExp, mode: PortalMode | null): void;
  readonly requests: RequestLog;
  /** Closes the server and destroys every open socket (hanging ones included). Idempotent. */
  close(): Promise<void>;
}

/** Starts one fake portal on 127.0.0.1 (random port). Every path is served according to the mode. */
export async function createFakePortal(options: FakePortalOptions = {}): Promise<FakePortal> {
  const slug = options.slug ?? DEFAULT_PORTAL_SLUG;
  const name = options.name ?? DEFAULT_PORTAL_NAME;
  const tls = options.tls === undefined ? null : options.tls === 'self-signed' ? createSelfSignedCert() : options.tls;
  const timers = new Set<NodeJS.Timeout>();
  const list: SeenRequest[] = [];
  let count = 0;
  const ctx: ServeContext = { origin: '', slug, name, rng: seededRandom(options.seed ?? 1), timers, cache: new Map() };
  let current: PortalModeObject = normalizeMode(options.mode ?? 'healthy');
  let handler: Handler = () => {};
  const byAgent: Array<{ key: string; match: string | RegExp; mode: PortalModeObject; handler: Handler }> = [];
  const agentRule = (userAgent: string) => byAgent.find((r) => (typeof r.match === 'string' ? userAgent.includes(r.match) : r.match.test(userAgent)));

  const handle = await startServer(
    (req, res) => {
      count++;
      const rule = agentRule(req.headers['user-agent'] ?? '');
      list.push({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        userAgent: req.headers['user-agent'] ?? null,
        headers: { ...req.headers },
        at: Date.now(),
        mode: rule ? rule.mode.kind : current.kind,
      });
      if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
      (rule ? rule.handler : handler)(req, res);
    },
    tls,
    timers,
  );
  ctx.origin = handle.origin;
  handler = compileMode(current, ctx);
  const url = `${handle.origin}/${slug}`;

  return {
    url,
    origin: handle.origin,
    port: (handle.server.address() as net.AddressInfo).port,
    cert: tls?.cert ?? null,
    get mode() {
      return current;
    },
    urlFor: (p) => (p.startsWith('/') ? `${handle.origin}${p}` : `${url}/${p}`),
    setMode(mode) {
      const next = normalizeMode(mode);
      handler = compileMode(next, ctx);
      current = next;
    },
    setModeForUserAgent(match, mode) {
      const key = typeof match === 'string' ? `s:${match}` : `r:${String(match)}`;
      const at = byAgent.findIndex((r) => r.key === key);
      if (mode === null) {
        if (at >= 0) byAgent.splice(at, 1);
        return;
      }
      const next = normalizeMode(mode);
      const rule = { key, match, mode: next, handler: compileMode(next, ctx) };
      if (at >= 0) byAgent[at] = rule;
      else byAgent.push(rule);
    },
    requests: {
      get count() {
        return count;
      },
      get list() {
        return list;
      },
      get paths() {
        return list.map((r) => r.path);
      },
      get userAgents() {
        return list.map((r) => r.userAgent);
      },
      clear() {
        list.length = 0;
        count = 0;
      },
    },
    close: () => handle.close(),
  };
}

/** A 127.0.0.1 port nothing listens on (bound, then released: a tiny race with other processes remains). */
export async function createRefusedPort(): Promise<{ url: string; origin: string; port: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  return { url: `${origin}/${DEFAULT_PORTAL_SLUG}`, origin, port };
}

/**
 * A self-signed EC (prime256v1) certificate for 127.0.0.1 and localhost, valid from now for `days`
 * days (default 365), made with the openssl CLI. Trust it as `ca` to get a valid chain.
 */
export function createSelfSignedCert(options: { days?: number; commonName?: string } = {}): { key: string; cert: string } {
  const days = Math.max(1, Math.floor(options.days ?? 365));
  const cn = options.commonName ?? 'localhost';
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-portal-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      '/usr/bin/openssl',
      [
        'req', '-x509', '-nodes',
        '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-keyout', keyFile, '-out', certFile,
        '-days', String(days),
        '-subj', `/CN=${cn}`,
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 },
    );
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Farm
// ---------------------------------------------------------------------------------------------

export type FarmMix = ReadonlyArray<{ weight: number; mode: PortalMode }>;

/** 90% healthy ~20 KB with 5–50 ms delay, 5% hang, 5% spse-error. */
export const DEFAULT_FARM_MIX: FarmMix = [
  { weight: 90, mode: { kind: 'healthy', delayMs: { min: 5, max: 50 } } },
  { weight: 5, mode: 'hang' },
  { weight: 5, mode: 'spse-error' },
];

export interface FarmPortal {
  /** `p0001` ... (unique across hosts; also the path). */
  id: string;
  url: string;
  mode: PortalModeObject;
}

export interface FakePortalFarm {
  portals: FarmPortal[];
  /** Origins of the servers. */
  origins: string[];
  /** Changes one portal's mode at run time. */
  setMode(id: string, mode: PortalMode): void;
  readonly requests: { readonly count: number; byPortal(id: string): number };
  close(): Promise<void>;
}

/**
 * `hosts` servers on distinct ports, each serving `portalsPerHost` portals at `/p0001`... Modes are
 * assigned in exact proportion to the mix weights (largest remainder), shuffled with a seeded PRNG.
 */
export async function createFakePortalFarm(options: {
  hosts: number;
  portalsPerHost: number;
  mix?: FarmMix;
  seed?: number;
}): Promise<FakePortalFarm> {
  const mix = options.mix ?? DEFAULT_FARM_MIX;
  const total = options.hosts * options.portalsPerHost;
  const rng = seededRandom(options.seed ?? 20230525);
  const modes = assignModes(mix, total, rng);
  const width = Math.max(4, String(total).length);
  const cache = new Map<string, Prerendered>();
  const timers = new Set<NodeJS.Timeout>();
  const routes = new Map<string, { handler: Handler; count: number; ctx: ServeContext; portal: FarmPortal }>();
  const handles: ServerHandle[] = [];
  let count = 0;
  const noSuchPortal = prerender(404, 'no such fake portal\n', { 'content-type': 'text/plain; charset=utf-8' });

  const onRequest: Handler = (req, res) => {
    count++;
    const u = req.url ?? '/';
    let end = u.indexOf('/', 1);
    const q = u.indexOf('?');
    if (end === -1 || (q !== -1 && q < end)) end = q === -1 ? u.length : q;
    const route = routes.get(u.slice(1, end));
    if (!route) {
      send(res, noSuchPortal);
      return;
    }
    route.count++;
    route.handler(req, res);
  };

  try {
    for (let h = 0; h < options.hosts; h++) handles.push(await startServer(onRequest, null, timers));
  } catch (err) {
    await Promise.all(handles.map((x) => x.close()));
    throw err;
  }

  const portals: FarmPortal[] = [];
  for (let i = 0; i < total; i++) {
    const handle = handles[Math.floor(i / options.portalsPerHost)] as ServerHandle;
    const id = `p${String(i + 1).padStart(width, '0')}`;
    const mode = modes[i] as PortalModeObject;
    // Shared name and slug: identical modes share one rendered body.
    const ctx: ServeContext = { origin: handle.origin, slug: 'eproc4', name: 'LPSE Kabupaten Contoh', rng, timers, cache };
    const portal: FarmPortal = { id, url: `${handle.origin}/${id}`, mode };
    portals.push(portal);
    routes.set(id, { handler: compileMode(mode, ctx), count: 0, ctx, portal });
  }

  return {
    portals,
    origins: handles.map((x) => x.origin),
    setMode(id, mode) {
      const route = routes.get(id);
      if (!route) throw new Error(`no fake portal ${id}`);
      const next = normalizeMode(mode);
      route.handler = compileMode(next, route.ctx);
      route.portal.mode = next;
    },
    requests: {
      get count() {
        return count;
      },
      byPortal: (id) => routes.get(id)?.count ?? 0,
    },
    close: async () => {
      await Promise.all(handles.map((x) => x.close()));
    },
  };
}

function assignModes(mix: FarmMix, total: number, rng: () => number): PortalModeObject[] {
  const sum = mix.reduce((n, m) => n + Math.max(0, m.weight), 0);
  if (sum <= 0) throw new Error('farm mix needs a positive weight');
  const shares = mix.map((m, i) => {
    const exact = (Math.max(0, m.weight) / sum) * total;
    return { i, n: Math.floor(exact), frac: exact - Math.floor(exact) };
  });
  let left = total - shares.reduce((n, s) => n + s.n, 0);
  for (const s of [...shares].sort((a, b) => b.frac - a.frac || a.i - b.i)) {
    if (left-- <= 0) break;
    s.n++;
  }
  const out: PortalModeObject[] = [];
  for (const s of shares) {
    const mode = normalizeMode((mix[s.i] as FarmMix[number]).mode);
    for (let k = 0; k < s.n; k++) out.push(mode);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as PortalModeObject, out[i] as PortalModeObject];
  }
  return out;
}
