import { isProxyFailure, type ProxyFailureCode } from './checker.js';
import { REDIRECT_REFUSAL_TEXT, isRedirectRefusal } from './redirect-policy.js';
import type { CheckResult, Classification, NetworkFailure } from './types.js';

/** What classification needs besides the result itself. */
export interface ClassifyOptions {
  /** A healthy answer slower than this (total ms) is `degraded`/`slow`. */
  degradedLatencyMs: number;
  /** A certificate expiring within this many days makes an otherwise healthy portal `degraded`. */
  certWarningDays: number;
  /** Text the portal's healthy page contains, for portals that are not SPSE-like. */
  expectText?: string | undefined;
  now: number;
}

// Every portal page is hostile input. The body sample is at most 256 KB, and every search below is
// linear over a bounded window: literal anchors found with a global regex (at most a few
// occurrences), then a short window after each anchor parsed by hand. No pattern has an unbounded
// quantifier that can backtrack over what another quantifier already consumed.

/** How much of the body any marker search looks at. */
const SCAN_LIMIT = 256 * 1024;
/** Where the page's own head ends, for head-only markers (the bot's generator tag). */
const HEAD_LIMIT = 16 * 1024;
/** Characters after `<title…>` examined for the title text. */
const TITLE_WINDOW = 300;
/** `<title>` occurrences examined. */
const MAX_TITLES = 4;
/** Characters after `Kode Error :` examined for the code (markup included). */
const KODE_WINDOW = 200;
/** `Kode Error` occurrences examined. */
const MAX_KODE_ERRORS = 8;
/**
 * The longest run accepted as a `Kode Error`. Play! exception ids are a base-26 counter of epoch ms
 * (9 characters today); a longer run of letters and digits is not a code and is not stored at all
 * (not truncated: a cut-off code would be a made-up one).
 */
export const MAX_ERROR_CODE_LENGTH = 20;

// Play! renders SPSE's application error page with `Kode Error : <id>`; the space before the colon
// varies between versions, and proxies may rewrite the HTTP status, so the body decides. The code
// itself is usually wrapped in markup (`Kode Error : <b>81kep4jo9</b>`).
const KODE_ERROR_LABEL = /kode\s{0,8}error\s{0,8}:/gi;
const SPSE_ERROR_TEXT = /terjadi\s{1,8}(?:error\s{1,8}pada\s{1,8}aplikasi\s{1,8}spse|kesalahan)/i;
const SPSE_NOT_FOUND = /halaman\s{1,8}yang\s{1,8}dituju\s{1,8}tidak\s{1,8}ditemukan/i;
const MAINTENANCE =
  /sedang\s{1,8}(?:dalam\s{1,8})?(?:pemeliharaan|perbaikan|maintenance)|under\s{1,8}maintenance|maintenance\s{1,8}mode/i;
const NGINX_FOOTER = /<center>\s{0,8}nginx[^<]{0,64}<\/center>/i;
const CLOUDFLARE_CHALLENGE = /just a moment|cf-browser-verification|challenge-platform|attention required!\s{0,8}\|\s{0,8}cloudflare/i;
// Cloudflare's own error pages when it cannot reach the portal's server (HTTP 520–526).
const CLOUDFLARE_BRANDING = /cf-error-code|cloudflare\s{0,8}ray\s{0,8}id|cdn-cgi\/styles\/cf\.errors\.css/i;
const CLOUDFLARE_ORIGIN_ERRORS: Record<number, string> = {
  520: 'web server returned an unknown error',
  521: 'web server is down',
  522: 'connection timed out',
  523: 'origin is unreachable',
  524: 'a timeout occurred',
  525: 'SSL handshake failed',
  526: 'invalid SSL certificate',
};
// SPSE's refusal of a request it does not like (detail pages without a Referer): 403 "Akses Ditolak!".
const AKSES_DITOLAK = /akses\s{1,8}ditolak/i;
// Web-application firewalls' block pages. F5 BIG-IP ASM's default page (any status, often 200);
// Imperva/Incapsula's. Each is anchored by two phrases the firewall itself writes.
const WAF_PAGES: Array<[RegExp, RegExp]> = [
  [/the\s{1,8}requested\s{1,8}url\s{1,8}was\s{1,8}rejected/i, /please\s{1,8}consult\s{1,8}with\s{1,8}your\s{1,8}administrator|support\s{1,8}id/i],
  [/request\s{1,8}unsuccessful/i, /incapsula\s{1,8}incident\s{1,8}id/i],
];
const REQUEST_REJECTED_TITLE = /^\s{0,8}request\s{1,8}rejected\s{0,8}$/i;
const SUPPORT_ID = /support\s{1,8}id/i;
// JavaScript anti-bot challenges on legacy hosts: F5's TSPD ("bobcmn") and pages that only ask for
// JavaScript while a challenge script runs.
const F5_TSPD = /window\s{0,4}\[\s{0,4}["']bobcmn["']|src\s{0,4}=\s{0,4}["']?\/TSPD\//i;
const ENABLE_JS = /please\s{1,8}enable\s{1,8}javascript\s{1,8}to\s{1,8}view\s{1,8}the\s{1,8}page\s{1,8}content/i;
const SCRIPT_TAG = /<script/i;
// The bot's own pages (status page, feed): never evidence about a portal.
const OWN_PAGE =
  /<meta\s{1,8}name\s{0,4}=\s{0,4}["']?generator["']?\s{1,8}content\s{0,4}=\s{0,4}["']?pantau-lpse|<generator[^>]{0,100}>\s{0,8}pantau-lpse/i;
// Both forms contain the name: looking for it first costs a fifth of the pattern's scan, which stops at
// every `<` of every page.
const OWN_NAME = /pantau-lpse/i;

// What the SPSE application itself renders. A static page an admin puts up (maintenance) often
// carries "LPSE ..." in its title too, so the title alone does not prove the application answered.
const SPSE_APP_MARKERS = [
  /aplikasi\s{1,8}spse/i,
  /SPSE\s{1,8}v\d/i,
  /Lembaga\s{1,8}Kebijakan\s{1,8}Pengadaan\s{1,8}Barang\/Jasa\s{1,8}Pemerintah/i,
  /authenticityToken/,
];
// "LPSE" as a word, not as part of a host name: a parked `lpse.<kab>.go.id` carries it in its title.
const TITLE_SPSE_WORD = /(?<![\w.-])(?:LPSE|SPSE)(?![\w.-])/i;
const TITLE_OPEN = /<title\b[^<>]{0,64}>/gi;

const DAY_MS = 86_400_000;
// Exception ids older than SPSE 4 or from the future are not JVM start times: do not guess.
const EARLIEST_PLAUSIBLE_START = Date.UTC(2010, 0, 1);

/**
 * Decodes SPSE's `Kode Error` as a Play! exception id: a counter seeded with the JVM start time in
 * epoch ms, written in base 26. Returns an ISO time (an estimate of when the failing application
 * instance started) or null when the code does not decode to a plausible time.
 */
export function decodeErrorCode(code: string, now: number = Date.now()): string | null {
  if (!/^[0-9a-p]{6,12}$/i.test(code)) return null;
  const ms = parseInt(code.toLowerCase(), 26);
  if (!Number.isSafeInteger(ms) || ms < EARLIEST_PLAUSIBLE_START || ms > now + DAY_MS) return null;
  return new Date(ms).toISOString();
}

/** The part of the body that marker searches look at. */
function sample(body: string): string {
  return body.length > SCAN_LIMIT ? body.slice(0, SCAN_LIMIT) : body;
}

/** The texts of the page's first few `<title>` elements that close within TITLE_WINDOW characters. */
function titles(text: string): string[] {
  const found: string[] = [];
  let seen = 0;
  for (const open of text.matchAll(TITLE_OPEN)) {
    if (seen++ >= MAX_TITLES) break;
    const start = open.index + open[0].length;
    const window = text.slice(start, start + TITLE_WINDOW);
    const end = window.indexOf('<');
    if (end !== -1 && window.slice(end, end + 8).toLowerCase() === '</title>') found.push(window.slice(0, end));
  }
  return found;
}

function isCodeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 160;
}

/**
 * Reads the code after one `Kode Error :` label ending at `from`: whitespace and tags are skipped
 * within KODE_WINDOW characters, then a run of letters and digits is the code when it is at most
 * MAX_ERROR_CODE_LENGTH long. Every loop is bounded.
 */
function codeAt(text: string, from: number): string | null {
  const limit = Math.min(text.length, from + KODE_WINDOW);
  let i = from;
  for (let tags = 0; i < limit; ) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 60 /* < */ && tags < 8) {
      const close = text.slice(i, limit).indexOf('>');
      if (close === -1) return null;
      i += close + 1;
      tags++;
    } else {
      break;
    }
  }
  if (i >= limit) return null;
  const start = i;
  while (i < text.length && i - start <= MAX_ERROR_CODE_LENGTH && isCodeChar(text.charCodeAt(i))) i++;
  const length = i - start;
  return length >= 1 && length <= MAX_ERROR_CODE_LENGTH ? text.slice(start, i) : null;
}

/** SPSE's `Kode Error` on the page: the first plausible code after one of its first few labels. */
function findKodeError(text: string): string | null {
  let seen = 0;
  for (const match of text.matchAll(KODE_ERROR_LABEL)) {
    if (seen++ >= MAX_KODE_ERRORS) break;
    const code = codeAt(text, match.index + match[0].length);
    if (code) return code;
  }
  return null;
}

function hasAppMarkers(text: string): boolean {
  return SPSE_APP_MARKERS.some((marker) => marker.test(text));
}

function hasSpseMarkers(text: string, headers: Record<string, string>): boolean {
  if ((headers['set-cookie'] ?? '').includes('SPSE_SESSION')) return true;
  return titles(text).some((title) => TITLE_SPSE_WORD.test(title)) || hasAppMarkers(text);
}

function isCloudflare(headers: Record<string, string>, text: string): boolean {
  return (headers['server'] ?? '').toLowerCase() === 'cloudflare' || (headers['cf-ray'] ?? '') !== '' || CLOUDFLARE_BRANDING.test(text);
}

function isWafPage(text: string): boolean {
  if (WAF_PAGES.some(([first, second]) => first.test(text) && second.test(text))) return true;
  return titles(text).some((title) => REQUEST_REJECTED_TITLE.test(title)) && SUPPORT_ID.test(text);
}

function isBotChallenge(text: string): boolean {
  return F5_TSPD.test(text) || (ENABLE_JS.test(text) && SCRIPT_TAG.test(text));
}

/** A network-level failure in words: kind and (sanitised) code only, never the raw error text. */
const FAILURE_TEXT: Record<NetworkFailure, string> = {
  dns: 'DNS lookup failed',
  connect_refused: 'connection refused',
  connect_reset: 'connection reset',
  timeout: 'timed out',
  tls: 'TLS failure',
  network: 'network failure',
};
const TLS_TEXT: Record<string, string> = {
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  CERT_NOT_YET_VALID: 'TLS: certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: incomplete certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: unknown certificate issuer',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
};
const SAFE_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;

/** A failure of the proxy the checks go through, in words (the codes: ProxyFailureCode in checker.ts). */
const PROXY_TEXT: Partial<Record<ProxyFailureCode, string>> = {
  PROXY_REFUSED: 'the proxy refused the connection',
  PROXY_RESET: 'the proxy closed the connection',
  PROXY_TIMEOUT: 'the proxy did not answer in time',
  PROXY_DNS: "the proxy's name does not resolve",
  PROXY_TLS: 'TLS to the proxy failed',
  PROXY_AUTH: 'the proxy refused its credentials (HTTP 407)',
};

function proxyDetail(code: string): string {
  const status = /^PROXY_HTTP_(\d{3})$/.exec(code)?.[1];
  const text = status ? `the proxy answered HTTP ${status} instead of opening the tunnel` : (PROXY_TEXT[code as ProxyFailureCode] ?? 'the proxy failed');
  return `proxy failure: ${text} (not the portal's answer)`;
}

function failureDetail(kind: NetworkFailure, code: string, status: number | null): string {
  const safe = SAFE_CODE.test(code) ? code : null;
  const text = (kind === 'tls' && safe ? TLS_TEXT[safe] : undefined) ?? FAILURE_TEXT[kind];
  const withCode = safe && !text.startsWith('TLS: ') ? `${text} (${safe})` : text;
  return status !== null ? `${withCode} after HTTP ${status}` : withCode;
}

function result(
  partial: Pick<Classification, 'state' | 'cause' | 'detail'> & Partial<Classification>,
  httpStatus: number | null,
): Classification {
  return {
    httpStatus,
    errorCode: null,
    errorCodeEstimate: null,
    networkLevel: false,
    ...partial,
  };
}

function classifyFailure(check: CheckResult, failure: NonNullable<CheckResult['failure']>): Classification {
  const { status } = check;
  // The proxy the checks go through failed: the portal was never asked. `blocked` never opens or
  // closes an outage; networkLevel lets offline detection see the monitor's own path failing.
  if (isProxyFailure(failure)) {
    return result({ state: 'blocked', cause: 'proxy_error', detail: proxyDetail(failure.code), networkLevel: true }, null);
  }
  switch (failure.kind) {
    case 'too_many_redirects':
      return result({ state: 'down', cause: 'too_many_redirects', detail: status !== null ? `too many redirects (HTTP ${status})` : 'too many redirects' }, status);
    case 'redirect_refused': {
      const text = isRedirectRefusal(failure.code) ? REDIRECT_REFUSAL_TEXT[failure.code] : 'redirect refused';
      return result({ state: 'down', cause: 'redirect_refused', detail: status !== null ? `${text} (HTTP ${status})` : text }, status);
    }
    case 'aborted':
      // The monitor is stopping: this says nothing about the portal. `blocked` is the state that
      // never opens or closes an outage, should a caller record it anyway (it should skip it).
      return result({ state: 'blocked', cause: 'unknown', detail: 'check aborted' }, null);
    default:
      return result({ state: 'down', cause: failure.kind, detail: failureDetail(failure.kind, failure.code, status), networkLevel: true }, null);
  }
}

/**
 * Reads one check result against what SPSE pages look like: the body decides before the status,
 * because SPSE's error page may arrive with any status; a refusal of the monitor (Cloudflare, a
 * firewall, an anti-bot challenge, SPSE's "Akses Ditolak") is `blocked`, never an outage; the
 * portal's origin failing behind Cloudflare is. Runs in time linear in the (capped) body.
 */
export function classify(check: CheckResult, options: ClassifyOptions): Classification {
  const { status, headers } = check;

  if (check.failure) return classifyFailure(check, check.failure);
  if (status === null) {
    return result({ state: 'down', cause: 'unknown', detail: 'no answer' }, null);
  }
  const text = sample(check.body);

  // The monitor's own status page (a redirect there, or a portal URL pointing at the bot) says
  // nothing about the portal: never up.
  const head = text.length > HEAD_LIMIT ? text.slice(0, HEAD_LIMIT) : text;
  if (OWN_NAME.test(head) && OWN_PAGE.test(head)) {
    return result({ state: 'degraded', cause: 'no_spse_markers', detail: `HTTP ${status}, a page of the monitor itself` }, status);
  }

  if ((headers['cf-mitigated'] ?? '').toLowerCase() === 'challenge') {
    return result({ state: 'blocked', cause: 'cloudflare_challenge', detail: `HTTP ${status} Cloudflare challenge` }, status);
  }
  if (status === 429) {
    return result({ state: 'blocked', cause: 'rate_limited', detail: 'HTTP 429 Too Many Requests' }, status);
  }
  if (status === 403 && CLOUDFLARE_CHALLENGE.test(text)) {
    return result({ state: 'blocked', cause: 'cloudflare_challenge', detail: 'HTTP 403 challenge page' }, status);
  }
  const originError = CLOUDFLARE_ORIGIN_ERRORS[status];
  if (originError && isCloudflare(headers, text)) {
    return result({ state: 'down', cause: 'origin_error', detail: `Cloudflare HTTP ${status}: ${originError} (the portal's server behind Cloudflare failed)` }, status);
  }
  // A firewall's or an anti-bot page is small and carries nothing of SPSE; a healthy SPSE page that
  // merely quotes these words (news, help text) has SPSE's own markers and is not one.
  const appMarkers = hasAppMarkers(text) || (headers['set-cookie'] ?? '').includes('SPSE_SESSION');
  if (!appMarkers && isBotChallenge(text)) {
    return result({ state: 'blocked', cause: 'bot_challenge', detail: `HTTP ${status} JavaScript anti-bot challenge` }, status);
  }
  if (!appMarkers && isWafPage(text)) {
    return result({ state: 'blocked', cause: 'waf_rejected', detail: `HTTP ${status} web application firewall rejection` }, status);
  }
  if (status === 403 && AKSES_DITOLAK.test(text)) {
    return result({ state: 'blocked', cause: 'access_denied', detail: 'HTTP 403 Akses Ditolak' }, status);
  }

  const errorCode = findKodeError(text);
  if (errorCode || SPSE_ERROR_TEXT.test(text)) {
    return result(
      {
        state: 'down',
        cause: 'spse_error',
        errorCode,
        errorCodeEstimate: errorCode ? decodeErrorCode(errorCode, options.now) : null,
        detail: errorCode ? `SPSE error page, Kode Error ${errorCode} (HTTP ${status})` : `SPSE error page (HTTP ${status})`,
      },
      status,
    );
  }
  // A healthy SPSE home page may mention maintenance in its news; an error status or a page
  // without SPSE's markers may not.
  if ((status >= 500 || !appMarkers) && MAINTENANCE.test(text)) {
    return result({ state: 'down', cause: 'maintenance_page', detail: `maintenance page (HTTP ${status})` }, status);
  }
  if (status >= 500 && NGINX_FOOTER.test(text)) {
    return result({ state: 'down', cause: 'nginx_error', detail: `nginx error page HTTP ${status}` }, status);
  }
  if (SPSE_NOT_FOUND.test(text)) {
    return result({ state: 'down', cause: 'spse_not_found', detail: `SPSE not-found page (HTTP ${status})` }, status);
  }
  if (status >= 300) {
    return result({ state: 'down', cause: 'http_status', detail: `HTTP ${status}` }, status);
  }

  const expected = options.expectText ? text.includes(options.expectText) : hasSpseMarkers(text, headers);
  if (!expected) {
    if (check.bodyTruncated) {
      return result({ state: 'degraded', cause: 'body_too_large', detail: `HTTP ${status}, body over ${check.bodyBytes} bytes without SPSE markers` }, status);
    }
    return result({ state: 'degraded', cause: 'no_spse_markers', detail: `HTTP ${status} without SPSE markers` }, status);
  }
  if (check.totalMs > options.degradedLatencyMs) {
    return result({ state: 'degraded', cause: 'slow', detail: `answered in ${Math.round(check.totalMs)} ms` }, status);
  }
  if (check.certExpiresAt !== null && check.certExpiresAt - options.now < options.certWarningDays * DAY_MS) {
    const days = Math.max(0, Math.floor((check.certExpiresAt - options.now) / DAY_MS));
    return result({ state: 'degraded', cause: 'cert_expiring', detail: `TLS certificate expires in ${days} days` }, status);
  }
  return result({ state: 'up', cause: 'ok', detail: `HTTP ${status}` }, status);
}
