import { t } from '../../core/i18n.js';
import type { Language, PortalState } from '../../core/types.js';
import { formatDateTime } from '../../core/time.js';

// Characters XML 1.0 forbids; a portal name copied from a web page may carry one.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and XML content and quoted attributes. Every dynamic string goes through it. */
export function esc(text: string): string {
  return text.replace(FORBIDDEN_CONTROL, '').replace(SPECIAL, (c) => ENTITY[c]!);
}

/** `?lang=en` wins, then the configured language. */
export function pickLanguage(url: URL, fallback: Language): { language: Language; explicit: boolean } {
  const asked = url.searchParams.get('lang');
  if (asked === 'id' || asked === 'en') return { language: asked, explicit: true };
  return { language: fallback, explicit: false };
}

/**
 * `formatDateTime` remembered per minute (its output has nothing finer): ~10 µs a call is still
 * ~6 ms of every render for 600 portals' "since", against a 50 ms budget for the whole page.
 */
export function createTimeText(zone: string): (ms: number, language: Language) => string {
  const cache = new Map<string, string>();
  return (ms, language) => {
    const key = `${language}${Math.floor(ms / 60_000)}`;
    let text = cache.get(key);
    if (text === undefined) {
      // Bounded: "since" times change only on transitions, so this rarely fills.
      if (cache.size >= 20_000) cache.clear();
      text = formatDateTime(ms, zone, language);
      cache.set(key, text);
    }
    return text;
  };
}
export type TimeText = ReturnType<typeof createTimeText>;

/** The order a person scans for: what is broken first. */
export const STATE_ORDER: readonly PortalState[] = ['down', 'degraded', 'blocked', 'maintenance', 'unknown', 'up'];

/** Words of the pages (state and cause names come from core/i18n.ts). */
export const PAGE_TEXT = {
  id: {
    title: 'Status Portal LPSE',
    seenFrom: (n: number) => `terlihat dari ${n} titik pantau`,
    tagline: 'Pemantauan ketersediaan portal pengadaan (LPSE/SPSE) pemerintah',
    allNormal: 'Semua portal normal',
    someDown: (n: number) => `${n} portal down`,
    showing: (n: number, total: number) => `Menampilkan ${n} dari ${total} portal`,
    updated: 'Diperbarui',
    notChecked: 'belum ada pemeriksaan',
    offline:
      'Pemantau sedang offline: jaringan pemantau sendiri bermasalah, jadi status di bawah bisa tidak terkini. Tidak ada peringatan yang dikirim sampai jaringan pulih.',
    province: 'Provinsi',
    allProvinces: 'Semua provinsi',
    state: 'Status',
    allStates: 'Semua status',
    apply: 'Terapkan',
    reset: 'Atur ulang',
    filters: 'Saring portal',
    noMatch: 'Tidak ada portal yang cocok dengan saringan ini.',
    since: 'sejak',
    sinceLabel: 'Sejak',
    portals: 'Daftar portal',
    h24: '24 jam',
    d7: '7 hari',
    d30: '30 hari',
    d90: '90 hari',
    daysAgo: '90 hari lalu',
    today: 'Hari ini',
    uptime: 'Uptime',
    barLabel: (ok: number, minor: number, major: number, none: number, total: string) =>
      `Uptime 90 hari: ${total}; ${ok} hari normal, ${minor} gangguan ringan, ${major} gangguan berat, ${none} tanpa data`,
    barScale: 'Bilah: 90 hari terakhir, hari ini di kanan',
    dayTitle: (day: string, pct: string) => `${day}: uptime ${pct}`,
    dayNoData: (day: string) => `${day}: tanpa data`,
    legendOk: 'normal',
    legendMinor: 'gangguan ringan',
    legendMajor: 'gangguan berat',
    legendNone: 'tanpa data',
    back: 'Semua portal',
    address: 'Alamat',
    lastChecked: 'Terakhir diperiksa',
    lastLatency: 'Waktu respons terakhir',
    httpStatus: 'Status HTTP',
    errorCode: 'Kode Error',
    estimate: 'Perkiraan waktu aplikasi SPSE yang error mulai berjalan',
    estimateNote: 'estimasi, dihitung dari Kode Error',
    cause: 'Penyebab',
    latencyTitle: 'Waktu respons, 24 jam terakhir',
    latencyChartTitle: 'Grafik waktu respons rata-rata per jam, 24 jam terakhir',
    latencySummary: (points: number, min: number, max: number, avg: number) =>
      `${points} dari 24 jam memiliki data. Rata-rata ${avg} ms, tercepat ${min} ms, terlambat ${max} ms.`,
    latencyNone: 'Belum ada data waktu respons dalam 24 jam terakhir.',
    latencyTable: 'Tabel data waktu respons',
    hour: 'Jam',
    average: 'Rata-rata',
    noData: 'tanpa data',
    incidents: 'Riwayat gangguan',
    noIncidents: 'Belum ada gangguan tercatat.',
    csv: 'Unduh semua gangguan (CSV)',
    ongoing: 'Berlangsung',
    resolved: 'Selesai',
    started: 'Mulai',
    ended: 'Berakhir',
    duration: 'Durasi',
    checksFailed: 'Pemeriksaan gagal',
    affectedStages: (n: number) => `${n} tahap tender berakhir selama gangguan`,
    stageEnded: 'berakhir',
    moreStages: (n: number) => `…dan ${n} tahap lainnya`,
    affectedCsv: 'Bukti (CSV)',
    notFoundTitle: 'Portal tidak ditemukan',
    notFoundText: (id: string) => `Tidak ada portal dengan id “${id}” yang dipantau.`,
    feed: 'Umpan Atom gangguan',
    api: 'API JSON',
    badgeHint: 'Lencana untuk disematkan',
    switchLanguage: 'English',
    switchLanguageCode: 'en',
    percentiles: 'Persentil (24 jam)',
  },
  en: {
    title: 'LPSE Portal Status',
    seenFrom: (n: number) => `seen from ${n} vantage points`,
    tagline: "Availability monitoring of Indonesia's government procurement portals (LPSE/SPSE)",
    allNormal: 'All portals operational',
    someDown: (n: number) => `${n} ${n === 1 ? 'portal' : 'portals'} down`,
    showing: (n: number, total: number) => `Showing ${n} of ${total} portals`,
    updated: 'Updated',
    notChecked: 'not checked yet',
    offline:
      "The monitor is offline: its own network is failing, so the states below may be out of date. No alerts are sent until it is back.",
    province: 'Province',
    allProvinces: 'All provinces',
    state: 'State',
    allStates: 'All states',
    apply: 'Apply',
    reset: 'Reset',
    filters: 'Filter portals',
    noMatch: 'No portal matches these filters.',
    since: 'since',
    sinceLabel: 'Since',
    portals: 'Portals',
    h24: '24 h',
    d7: '7 days',
    d30: '30 days',
    d90: '90 days',
    daysAgo: '90 days ago',
    today: 'Today',
    uptime: 'Uptime',
    barLabel: (ok: number, minor: number, major: number, none: number, total: string) =>
      `Uptime over 90 days: ${total}; ${ok} days normal, ${minor} minor disruption, ${major} major disruption, ${none} no data`,
    barScale: 'Bars: the last 90 days, today on the right',
    dayTitle: (day: string, pct: string) => `${day}: uptime ${pct}`,
    dayNoData: (day: string) => `${day}: no data`,
    legendOk: 'normal',
    legendMinor: 'minor disruption',
    legendMajor: 'major disruption',
    legendNone: 'no data',
    back: 'All portals',
    address: 'Address',
    lastChecked: 'Last checked',
    lastLatency: 'Last response time',
    httpStatus: 'HTTP status',
    errorCode: 'Kode Error',
    estimate: 'Estimated start of the failing SPSE application instance',
    estimateNote: 'an estimate, decoded from the Kode Error',
    cause: 'Cause',
    latencyTitle: 'Response time, last 24 hours',
    latencyChartTitle: 'Chart of the hourly average response time, last 24 hours',
    latencySummary: (points: number, min: number, max: number, avg: number) =>
      `${points} of 24 hours have data. Average ${avg} ms, fastest ${min} ms, slowest ${max} ms.`,
    latencyNone: 'No response time data in the last 24 hours yet.',
    latencyTable: 'Response time data table',
    hour: 'Hour',
    average: 'Average',
    noData: 'no data',
    incidents: 'Incident history',
    noIncidents: 'No incidents recorded yet.',
    csv: 'Download all incidents (CSV)',
    ongoing: 'Ongoing',
    resolved: 'Resolved',
    started: 'Started',
    ended: 'Ended',
    duration: 'Duration',
    checksFailed: 'Failed checks',
    affectedStages: (n: number) => `${n} tender stage${n === 1 ? '' : 's'} ended during the outage`,
    stageEnded: 'ended',
    moreStages: (n: number) => `…and ${n} more stage${n === 1 ? '' : 's'}`,
    affectedCsv: 'Evidence (CSV)',
    notFoundTitle: 'Portal not found',
    notFoundText: (id: string) => `No watched portal has the id “${id}”.`,
    feed: 'Atom feed of incidents',
    api: 'JSON API',
    badgeHint: 'Embeddable badge',
    switchLanguage: 'Bahasa Indonesia',
    switchLanguageCode: 'id',
    percentiles: 'Percentiles (24 h)',
  },
} satisfies Record<Language, unknown>;

export type PageText = (typeof PAGE_TEXT)['id'];

/** Builds links that keep an explicitly chosen language. */
export function linker(language: Language, explicit: boolean) {
  return (path: string, params: Record<string, string | null> = {}): string => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
    if (explicit) query.set('lang', language);
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };
}
export type Linker = ReturnType<typeof linker>;

// Colours: text on pills and links passes WCAG AA (≥ 4.5:1); bar colours differ in lightness too,
// and every chart has a text alternative.
const CSS = `
:root{--fg:#101828;--muted:#475467;--line:#e4e7ec;--bg:#f4f6f8;--card:#fff;--brand:#0b3b66;
--up:#067647;--degraded:#a15c07;--down:#b42318;--blocked:#475467;--maintenance:#175cd3;--unknown:#5d6b82;
--ok:#12915a;--minor:#e59a0b;--major:#d92d20;--none:#cfd4dc}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:#0b5cad}
a:focus-visible,button:focus-visible,select:focus-visible{outline:3px solid #f79009;outline-offset:2px}
.wrap{max-width:1160px;margin:0 auto;padding:0 16px}
.top{background:var(--brand);color:#fff}
.top .wrap{display:flex;align-items:center;justify-content:space-between;gap:12px;padding-top:14px;padding-bottom:14px}
.brand{color:#fff;text-decoration:none;font-weight:700;font-size:18px;letter-spacing:.2px}
.brand small{display:block;font-weight:400;font-size:13px;color:#d4e3f3}
.lang{color:#fff;font-size:14px;border:1px solid #8fb3d9;border-radius:999px;padding:3px 12px;text-decoration:none;white-space:nowrap}
main.wrap{padding-top:20px;padding-bottom:32px}
h1{font-size:24px;line-height:1.25;margin:0}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:16px;margin:0;line-height:1.3;overflow-wrap:anywhere}
h3 a{color:var(--fg);text-decoration:none}
h3 a:hover{text-decoration:underline}
.banner{border-radius:10px;padding:12px 16px;margin:0 0 16px;font-weight:600;background:#fef3f2;color:#912018;border:1px solid #fecdca}
.summary{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin-bottom:16px}
.headline{display:flex;align-items:center;gap:12px;flex-wrap:wrap}
.headline h1{font-size:22px}
.dot{width:14px;height:14px;border-radius:50%;flex:none;background:var(--ok);box-shadow:0 0 0 4px #d1fadf}
.dot.bad{background:var(--down);box-shadow:0 0 0 4px #fee4e2}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:14px 0 0;padding:0;list-style:none}
.counts a{display:inline-flex;align-items:center;gap:6px;padding:4px 12px;border:1px solid var(--line);border-radius:999px;text-decoration:none;color:var(--fg);font-size:14px}
.counts a:hover{border-color:#98a2b3}
.counts b{font-variant-numeric:tabular-nums}
.sw{width:10px;height:10px;border-radius:50%;display:inline-block}
.updated{color:var(--muted);font-size:13px;margin:10px 0 0}
.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:10px 14px;margin:0 0 16px}
.filters label{display:flex;flex-direction:column;font-size:13px;color:var(--muted);gap:3px}
.filters select{font:inherit;color:var(--fg);padding:7px 10px;border:1px solid #98a2b3;border-radius:8px;background:#fff;min-width:180px;max-width:100%}
.filters button{font:inherit;font-weight:600;padding:8px 16px;border:0;border-radius:8px;background:var(--brand);color:#fff;cursor:pointer}
.filters a{font-size:14px;padding:8px 4px}
.showing{color:var(--muted);font-size:14px;margin:-6px 0 12px}
.grid{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.grid .card{border-left-width:4px}
.c-down{border-left-color:var(--down)}.c-degraded{border-left-color:var(--minor)}.c-blocked{border-left-color:var(--blocked)}
.c-maintenance{border-left-color:var(--maintenance)}.c-unknown{border-left-color:var(--none)}.c-up{border-left-color:var(--ok)}
.row{display:flex;justify-content:space-between;align-items:flex-start;gap:10px}
.pill{display:inline-block;flex:none;font-size:12.5px;font-weight:700;line-height:1;padding:5px 10px;border-radius:999px;color:#fff;white-space:nowrap}
.s-up{background:var(--up)}.s-degraded{background:var(--degraded)}.s-down{background:var(--down)}
.s-blocked{background:var(--blocked)}.s-maintenance{background:var(--maintenance)}.s-unknown{background:var(--unknown)}
.meta{color:var(--muted);font-size:13px;margin:4px 0 0}
.why{font-size:13.5px;margin:6px 0 0;color:#344054}
.why code,.facts code{font:600 13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f4f7;padding:1px 5px;border-radius:4px}
.defs{position:absolute}
.bar{display:block;width:100%;height:30px;margin:10px 0 4px}
.gap{fill:var(--card)}
.d-ok{fill:var(--ok)}.d-minor{fill:var(--minor)}.d-major{fill:var(--major)}.d-none{fill:var(--none)}
.scale{display:flex;justify-content:space-between;gap:8px;font-size:12px;color:var(--muted)}
.ups{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin:8px 0 0;padding-top:8px;border-top:1px solid var(--line)}
.ups dt{font-size:12px;color:var(--muted)}
.ups dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.l-ok{background:var(--ok)}.l-minor{background:var(--minor)}.l-major{background:var(--major)}.l-none{background:var(--none)}
.empty{background:var(--card);border:1px dashed #98a2b3;border-radius:12px;padding:24px;text-align:center;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12.5px;color:var(--muted);margin:0 0 12px;padding:0;list-style:none}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.stack{display:grid;gap:16px}
.back{display:inline-block;margin:0 0 12px;font-size:14px}
.hero .row{align-items:center}
.hero .pill{font-size:14px;padding:6px 12px}
.lead{font-size:16px;margin:8px 0 0}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:10px 20px;margin:16px 0 0}
.facts div{min-width:0}
.facts dt{font-size:12.5px;color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
.est{font-size:12.5px;color:var(--muted)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(74px,1fr));gap:10px;margin:0 0 8px}
.stat{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.stat span{display:block;font-size:12.5px;color:var(--muted)}
.stat b{font-size:20px;font-variant-numeric:tabular-nums;white-space:nowrap}
.big .bar{height:40px}
.chart{display:block;width:100%;height:auto;margin:8px 0}
.chart .grid-line{stroke:#e4e7ec}
.chart .axis{fill:#475467;font-size:12px}
.chart .line{fill:none;stroke:#0b5cad;stroke-width:2.2;stroke-linejoin:round;stroke-linecap:round}
.chart .area{fill:#0b5cad;fill-opacity:.08}
.chart .pt{fill:#fff;stroke:#0b5cad;stroke-width:2}
.chart .none{fill:#475467;font-size:13px}
.note{color:var(--muted);font-size:13.5px;margin:4px 0 0}
details{margin-top:10px}
summary{cursor:pointer;color:#0b5cad;font-size:14px}
table{border-collapse:collapse;margin-top:8px;font-size:13.5px;min-width:260px}
th,td{text-align:left;padding:4px 12px 4px 0;border-bottom:1px solid var(--line)}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.head2{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap;margin-bottom:8px}
.head2 h2{margin:0}
.timeline{list-style:none;margin:0;padding:0 0 0 18px;border-left:2px solid var(--line)}
.timeline li{position:relative;padding:0 0 16px 4px}
.timeline p{margin:0}
.timeline li::before{content:"";position:absolute;left:-26px;top:5px;width:12px;height:12px;border-radius:50%;background:var(--ok);border:2px solid var(--card)}
.timeline li.open::before{background:var(--down)}
.timeline .facts{margin-top:6px;grid-template-columns:repeat(auto-fit,minmax(150px,1fr))}
.tag{font-size:12px;font-weight:700;padding:2px 8px;border-radius:999px;margin-right:6px}
.tag.open{background:#fee4e2;color:#912018}.tag.done{background:#dcfae6;color:#085d3a}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:13px;padding:16px 0 28px}
footer a{margin-right:14px}
@media (max-width:560px){
 .wrap{padding:0 12px}
 .grid{grid-template-columns:1fr}
 .headline h1{font-size:19px}
 .filters label,.filters select{width:100%}
 .filters button{flex:1}
 .brand small{display:none}
 .facts{grid-template-columns:repeat(auto-fit,minmax(140px,1fr))}
 .stat{padding:8px 10px}
 .stat b{font-size:15px}
 .chart .axis{font-size:28px}
 .chart .minor{display:none}
 .chart .line{stroke-width:5}
 .chart .pt{stroke-width:4.5;r:7px}
}
`
  .replace(/\n\s*/g, '')
  .trim();

export interface Layout {
  language: Language;
  title: string;
  /** The page's parts, joined once with the shell (600 cards make a large page). */
  body: string[];
  link: Linker;
  /** Path of this page, for the language switch. */
  path: string;
  params?: Record<string, string | null>;
}

/** The page shell: inline CSS, no script, no external asset (a CSP meta tag keeps it that way). */
export function layout(page: Layout): string {
  const words = t(page.language, PAGE_TEXT);
  const other = words.switchLanguageCode;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(page.params ?? {})) if (value) query.set(key, value);
  query.set('lang', other);
  return [
    `<!doctype html><html lang="${page.language}"><head><meta charset="utf-8">`,
    // Lets the checker know its own pages: a portal redirected onto them is never "up".
    '<meta name="generator" content="pantau-lpse">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'">`,
    `<title>${esc(page.title)}</title>`,
    `<meta name="description" content="${esc(words.tagline)}">`,
    '<meta name="theme-color" content="#0b3b66">',
    // An inline icon: browsers would otherwise ask for /favicon.ico and log a 404.
    `<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%2312915a'/%3E%3C/svg%3E">`,
    `<link rel="alternate" type="application/atom+xml" title="${esc(words.feed)}" href="${esc(page.link('/feed.xml'))}">`,
    `<style>${CSS}</style></head><body>`,
    `<header class="top"><div class="wrap"><a class="brand" href="${esc(page.link('/'))}">Pantau LPSE<small>${esc(words.tagline)}</small></a>`,
    `<a class="lang" lang="${other}" hreflang="${other}" href="${esc(`${page.path}?${query.toString()}`)}">${esc(words.switchLanguage)}</a></div></header>`,
    '<main class="wrap">',
    ...page.body,
    '</main>',
    `<footer><div class="wrap"><a href="${esc(page.link('/feed.xml'))}">${esc(words.feed)}</a><a href="/api/portals">${esc(words.api)}</a>`,
    `<span>pantau-lpse</span></div></footer></body></html>`,
  ].join('');
}
