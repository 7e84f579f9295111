import type { CheckResult, Classification } from './types.js';

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

// Play! renders SPSE's application error page with `Kode Error : <id>`; the space before the colon
// varies between versions, and proxies may rewrite the HTTP status, so the body decides. The code
// itself is usually wrapped in markup (`Kode Error : <b>81kep4jo9</b>`).
const KODE_ERROR = /Kode\s*Error\s*:\s*(?:<[^>]*>\s*)*([0-9a-z]+)/i;
const SPSE_ERROR_TEXT = /terjadi\s+error\s+pada\s+aplikasi\s+spse|terjadi\s+kesalahan/i;
const SPSE_NOT_FOUND = /halaman\s+yang\s+dituju\s+tidak\s+ditemukan/i;
const MAINTENANCE = /sedang\s+(?:dalam\s+)?(?:pemeliharaan|perbaikan|maintenance)|under\s+maintenance|maintenance\s+mode/i;
const NGINX_FOOTER = /<center>\s*nginx[^<]*<\/center>/i;
const CLOUDFLARE_CHALLENGE = /just a moment|cf-browser-verification|challenge-platform|attention required!\s*\|\s*cloudflare/i;
// What the SPSE application itself renders. A static page an admin puts up (maintenance) often
// carries "LPSE ..." in its title too, so the title alone does not prove the application answered.
const SPSE_APP_MARKERS = [
  /aplikasi\s+spse/i,
  /SPSE\s+v\d/i,
  /Lembaga\s+Kebijakan\s+Pengadaan\s+Barang\/Jasa\s+Pemerintah/i,
  /authenticityToken/,
];
// "LPSE" as a word, not as part of a host name: a parked `lpse.<kab>.go.id` carries it in its title.
const SPSE_MARKERS = [/<title>[^<]*(?<![\w.-])(?:LPSE|SPSE)(?![\w.-])[^<]*<\/title>/i, ...SPSE_APP_MARKERS];

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

function hasSpseMarkers(body: string, headers: Record<string, string>, markers: RegExp[] = SPSE_MARKERS): boolean {
  if ((headers['set-cookie'] ?? '').includes('SPSE_SESSION')) return true;
  return markers.some((marker) => marker.test(body));
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

/**
 * Reads one check result against what SPSE pages look like: the body decides before the status, because SPSE's error page may arrive with any status, and a refusal of
 * the monitor (Cloudflare) is `blocked`, never an outage.
 */
export function classify(check: CheckResult, options: ClassifyOptions): Classification {
  const { status, body, headers } = check;

  if (check.failure) {
    if (check.failure.kind === 'too_many_redirects') {
      return result({ state: 'down', cause: 'too_many_redirects', detail: check.failure.message }, status);
    }
    return result(
      { state: 'down', cause: check.failure.kind, detail: `${check.failure.code}: ${check.failure.message}`, networkLevel: true },
      null,
    );
  }
  if (status === null) {
    return result({ state: 'down', cause: 'unknown', detail: 'no answer' }, null);
  }

  if ((headers['cf-mitigated'] ?? '').toLowerCase() === 'challenge') {
    return result({ state: 'blocked', cause: 'cloudflare_challenge', detail: `HTTP ${status} Cloudflare challenge` }, status);
  }
  if (status === 429) {
    return result({ state: 'blocked', cause: 'rate_limited', detail: 'HTTP 429 Too Many Requests' }, status);
  }
  if (status === 403 && CLOUDFLARE_CHALLENGE.test(body)) {
    return result({ state: 'blocked', cause: 'cloudflare_challenge', detail: 'HTTP 403 challenge page' }, status);
  }

  const kodeError = KODE_ERROR.exec(body);
  if (kodeError?.[1] || SPSE_ERROR_TEXT.test(body)) {
    const errorCode = kodeError?.[1] ?? null;
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
  if (MAINTENANCE.test(body) && (status >= 500 || !hasSpseMarkers(body, headers, SPSE_APP_MARKERS))) {
    return result({ state: 'down', cause: 'maintenance_page', detail: `maintenance page (HTTP ${status})` }, status);
  }
  if (status >= 500 && NGINX_FOOTER.test(body)) {
    return result({ state: 'down', cause: 'nginx_error', detail: `nginx error page HTTP ${status}` }, status);
  }
  if (SPSE_NOT_FOUND.test(body)) {
    return result({ state: 'down', cause: 'spse_not_found', detail: `SPSE not-found page (HTTP ${status})` }, status);
  }
  if (status >= 300) {
    return result({ state: 'down', cause: 'http_status', detail: `HTTP ${status}` }, status);
  }

  const expected = options.expectText ? body.includes(options.expectText) : hasSpseMarkers(body, headers);
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
