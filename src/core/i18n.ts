import type { Cause, Language, PortalState } from './types.js';

/** Text (or anything else) in both languages the bot speaks. */
export type Bilingual<T = string> = Record<Language, T>;

/** The one translation helper: picks the chat's (or page's) language from a pair. */
export const t = <T>(language: Language, text: Bilingual<T>): T => text[language];

/** Plain words for each cause, for people who are not engineers. */
const CAUSE_TEXT: Record<Cause, Record<Language, string>> = {
  ok: { id: 'normal', en: 'normal' },
  slow: { id: 'lambat merespons', en: 'responding slowly' },
  no_spse_markers: { id: 'halaman yang tampil bukan halaman SPSE', en: 'the page shown is not an SPSE page' },
  cert_expiring: { id: 'sertifikat TLS segera kedaluwarsa', en: 'TLS certificate expires soon' },
  dns: { id: 'nama domain tidak dapat ditemukan (DNS)', en: 'domain name not found (DNS)' },
  connect_refused: { id: 'server menolak koneksi', en: 'server refused the connection' },
  connect_reset: { id: 'koneksi terputus oleh server', en: 'connection reset by the server' },
  timeout: { id: 'server tidak menjawab (timeout)', en: 'server did not answer (timeout)' },
  tls: { id: 'koneksi aman (TLS/sertifikat) gagal', en: 'secure connection (TLS/certificate) failed' },
  network: { id: 'gangguan jaringan', en: 'network failure' },
  http_status: { id: 'server menjawab dengan kode galat HTTP', en: 'server answered with an HTTP error status' },
  nginx_error: { id: 'halaman galat server (nginx)', en: 'server error page (nginx)' },
  spse_error: { id: 'aplikasi SPSE menampilkan halaman error', en: 'the SPSE application shows its error page' },
  spse_not_found: { id: 'halaman portal tidak ditemukan di SPSE', en: 'the portal page is not found on SPSE' },
  maintenance_page: { id: 'portal menampilkan halaman pemeliharaan', en: 'the portal shows a maintenance page' },
  body_too_large: { id: 'jawaban server terlalu besar dan bukan halaman SPSE', en: 'the answer is too large and not an SPSE page' },
  too_many_redirects: { id: 'pengalihan (redirect) berulang tanpa akhir', en: 'endless redirects' },
  redirect_refused: { id: 'portal mengalihkan (redirect) ke alamat yang tidak diizinkan', en: 'the portal redirects to an address that is not allowed' },
  origin_error: { id: 'server portal di belakang Cloudflare tidak dapat dijangkau', en: "the portal's server behind Cloudflare cannot be reached" },
  cloudflare_challenge: { id: 'pemantau diblokir oleh Cloudflare (bukan gangguan portal)', en: 'the monitor is blocked by Cloudflare (not an outage)' },
  rate_limited: { id: 'pemantau dibatasi (HTTP 429, bukan gangguan portal)', en: 'the monitor is rate-limited (HTTP 429, not an outage)' },
  access_denied: { id: 'portal menolak akses pemantau ("Akses Ditolak", bukan gangguan portal)', en: 'the portal denies the monitor access ("Akses Ditolak", not an outage)' },
  waf_rejected: { id: 'permintaan pemantau ditolak firewall aplikasi web (bukan gangguan portal)', en: "the monitor's request is rejected by a web application firewall (not an outage)" },
  bot_challenge: { id: 'pemantau dihadang tantangan anti-bot JavaScript (bukan gangguan portal)', en: 'the monitor is stopped by a JavaScript anti-bot challenge (not an outage)' },
  proxy_error: { id: 'proxy yang dipakai pemantau gagal (bukan gangguan portal)', en: "the proxy the monitor goes through failed (not an outage)" },
  maintenance_window: { id: 'pemeliharaan terjadwal', en: 'scheduled maintenance' },
  partial_outage: { id: 'down dari sebagian titik pantau saja', en: 'down from some vantage points only' },
  unknown: { id: 'belum diketahui', en: 'not known yet' },
};

const STATE_TEXT: Record<PortalState, Record<Language, string>> = {
  up: { id: 'Normal', en: 'Up' },
  degraded: { id: 'Terganggu', en: 'Degraded' },
  down: { id: 'Down', en: 'Down' },
  blocked: { id: 'Pemantau diblokir', en: 'Monitor blocked' },
  unknown: { id: 'Belum diketahui', en: 'Unknown' },
  maintenance: { id: 'Pemeliharaan', en: 'Maintenance' },
};

export const STATE_EMOJI: Record<PortalState, string> = {
  up: '🟢',
  degraded: '🟡',
  down: '🔴',
  blocked: '⚪',
  unknown: '⚪',
  maintenance: '🔧',
};

export function causeText(cause: Cause, language: Language, httpStatus: number | null = null): string {
  const text = CAUSE_TEXT[cause][language];
  return httpStatus !== null && (cause === 'http_status' || cause === 'nginx_error' || cause === 'origin_error') ? `${text} (HTTP ${httpStatus})` : text;
}

export function stateText(state: PortalState, language: Language): string {
  return STATE_TEXT[state][language];
}
