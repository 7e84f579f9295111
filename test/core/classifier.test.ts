import { describe, expect, it } from 'vitest';
import { MAX_ERROR_CODE_LENGTH, classify, decodeErrorCode, type ClassifyOptions } from '../../src/core/classifier.js';
import { CAUSES, type Cause, type CheckResult, type ObservedState } from '../../src/core/types.js';
import { causeText } from '../../src/core/i18n.js';
import {
  cloudflareChallengePage,
  cloudflareOriginErrorPage,
  cloudflareRateLimitPage,
  f5BotChallengePage,
  f5RejectedPage,
  maintenancePage,
  nginxErrorPage,
  spseAccessDeniedPage,
  spseErrorPage,
  spseHomePage,
  spseNotFoundPage,
  unexpectedPage,
} from '../fakes/fake-portal.js';

const NOW = Date.UTC(2023, 4, 26, 8, 0);
const DAY_MS = 86_400_000;
const OPTIONS: ClassifyOptions = { degradedLatencyMs: 8000, certWarningDays: 14, now: NOW };
const GRESIK_CODE = '81kep4jo9';
const GRESIK_START = '2023-05-25T08:48:09.749Z';

/** A check that got an HTTP answer; everything not given is what a quick healthy answer looks like. */
function answer(status: number, body: string, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    portalId: 'gresikkab',
    url: 'https://spse.inaproc.id/gresikkab',
    startedAt: NOW,
    status,
    ttfbMs: 120,
    totalMs: 250,
    finalUrl: 'https://spse.inaproc.id/gresikkab',
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body,
    bodyBytes: Buffer.byteLength(body),
    bodyTruncated: false,
    certExpiresAt: NOW + 90 * DAY_MS,
    failure: null,
    ...extra,
  };
}

/** A check where nothing usable answered. */
function failed(kind: NonNullable<CheckResult['failure']>['kind'], code: string, status: number | null = null, message = code): CheckResult {
  return answer(status ?? 0, '', { status, ttfbMs: null, certExpiresAt: null, failure: { kind, code, message } });
}

/** A healthy SPSE home page whose news column quotes `text`. */
function homeWithNews(text: string): string {
  return spseHomePage().replace('</noscript>', `</noscript><div class="berita"><h5>Pengumuman</h5><p>${text}</p></div>`);
}

const CLOUDFLARE_HEADERS = { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare', 'cf-ray': '8c9a3f1e2b7d4a61-CGK' };

interface Row {
  name: string;
  check: CheckResult;
  state: ObservedState;
  cause: Cause;
  errorCode?: string | null;
  httpStatus?: number | null;
}

const rows: Row[] = [
  { name: 'SPSE home page, 200', check: answer(200, spseHomePage()), state: 'up', cause: 'ok', httpStatus: 200 },
  {
    name: 'SPSE home page whose news mentions maintenance',
    check: answer(200, spseHomePage().replace('</noscript>', '</noscript><p>Server sedang dalam pemeliharaan Sabtu malam</p>')),
    state: 'up',
    cause: 'ok',
  },
  {
    name: 'SPSE error page, "Kode Error :" at HTTP 500',
    check: answer(500, spseErrorPage(GRESIK_CODE, true)),
    state: 'down',
    cause: 'spse_error',
    errorCode: GRESIK_CODE,
    httpStatus: 500,
  },
  {
    name: 'SPSE error page, "Kode Error:" at HTTP 500',
    check: answer(500, spseErrorPage(GRESIK_CODE, false)),
    state: 'down',
    cause: 'spse_error',
    errorCode: GRESIK_CODE,
  },
  {
    name: 'SPSE error page, "Kode Error :" rewritten to HTTP 200 by a proxy',
    check: answer(200, spseErrorPage(GRESIK_CODE, true)),
    state: 'down',
    cause: 'spse_error',
    errorCode: GRESIK_CODE,
    httpStatus: 200,
  },
  {
    name: 'SPSE error page, "Kode Error:" rewritten to HTTP 200 by a proxy',
    check: answer(200, spseErrorPage(GRESIK_CODE, false)),
    state: 'down',
    cause: 'spse_error',
    errorCode: GRESIK_CODE,
  },
  {
    name: 'SPSE error page with a code that is not a Play id',
    check: answer(500, spseErrorPage('7n3x1q2zk')),
    state: 'down',
    cause: 'spse_error',
    errorCode: '7n3x1q2zk',
  },
  { name: 'nginx 502 Bad Gateway', check: answer(502, nginxErrorPage(502)), state: 'down', cause: 'nginx_error', httpStatus: 502 },
  { name: 'nginx 503', check: answer(503, nginxErrorPage(503)), state: 'down', cause: 'nginx_error', httpStatus: 503 },
  { name: 'nginx 504 Gateway Time-out', check: answer(504, nginxErrorPage(504)), state: 'down', cause: 'nginx_error', httpStatus: 504 },
  {
    name: 'Cloudflare challenge with cf-mitigated: challenge',
    check: answer(403, cloudflareChallengePage(), { headers: { 'cf-mitigated': 'challenge', server: 'cloudflare' } }),
    state: 'blocked',
    cause: 'cloudflare_challenge',
    httpStatus: 403,
  },
  {
    name: 'plain 403 "Just a moment..." without the header',
    check: answer(403, cloudflareChallengePage()),
    state: 'blocked',
    cause: 'cloudflare_challenge',
  },
  {
    name: 'Cloudflare rate limit, 429',
    check: answer(429, cloudflareRateLimitPage(), { headers: { 'retry-after': '60' } }),
    state: 'blocked',
    cause: 'rate_limited',
    httpStatus: 429,
  },
  { name: 'a 403 that is not a challenge', check: answer(403, nginxErrorPage(403)), state: 'down', cause: 'http_status' },
  { name: 'SPSE not-found page, 404', check: answer(404, spseNotFoundPage()), state: 'down', cause: 'spse_not_found', httpStatus: 404 },
  { name: 'SPSE not-found page served with 200', check: answer(200, spseNotFoundPage()), state: 'down', cause: 'spse_not_found' },
  { name: 'maintenance page, 503', check: answer(503, maintenancePage()), state: 'down', cause: 'maintenance_page', httpStatus: 503 },
  // The admin's static page has "LPSE Kabupaten Gresik" in its title, but it is not SPSE answering.
  { name: 'maintenance page served with 200', check: answer(200, maintenancePage()), state: 'down', cause: 'maintenance_page' },
  { name: 'nginx welcome page, 200', check: answer(200, unexpectedPage('nginx-welcome')), state: 'degraded', cause: 'no_spse_markers' },
  { name: 'parked domain, 200', check: answer(200, unexpectedPage('parked')), state: 'degraded', cause: 'no_spse_markers' },
  { name: 'plain 500 without a known page', check: answer(500, 'Internal Server Error'), state: 'down', cause: 'http_status' },
  {
    name: 'SPSE home page after 9 s (degradedLatencyMs 8000)',
    check: answer(200, spseHomePage(), { totalMs: 9000 }),
    state: 'degraded',
    cause: 'slow',
  },
  {
    name: 'SPSE home page, certificate expiring in 5 days',
    check: answer(200, spseHomePage(), { certExpiresAt: NOW + 5 * DAY_MS }),
    state: 'degraded',
    cause: 'cert_expiring',
  },
  {
    name: 'SPSE home page, certificate expiring in 60 days',
    check: answer(200, spseHomePage(), { certExpiresAt: NOW + 60 * DAY_MS }),
    state: 'up',
    cause: 'ok',
  },
  {
    name: 'SPSE home page over plain HTTP (no certificate)',
    check: answer(200, spseHomePage(), { certExpiresAt: null }),
    state: 'up',
    cause: 'ok',
  },
  {
    name: 'huge body without SPSE markers, truncated',
    check: answer(200, '<html><body><table>' + '<tr><td>Pembangunan Jalan Lingkungan</td></tr>'.repeat(5000), {
      bodyBytes: 2_065_536,
      bodyTruncated: true,
    }),
    state: 'degraded',
    cause: 'body_too_large',
  },
  {
    name: 'huge SPSE page, truncated after its head (markers already seen)',
    check: answer(200, spseHomePage(undefined, { bytes: 300_000 }).slice(0, 256 * 1024), { bodyBytes: 2_065_536, bodyTruncated: true }),
    state: 'up',
    cause: 'ok',
  },
  { name: 'DNS failure', check: failed('dns', 'ENOTFOUND'), state: 'down', cause: 'dns', httpStatus: null },
  { name: 'connection refused', check: failed('connect_refused', 'ECONNREFUSED'), state: 'down', cause: 'connect_refused' },
  { name: 'connection reset', check: failed('connect_reset', 'ECONNRESET'), state: 'down', cause: 'connect_reset' },
  { name: 'timeout', check: failed('timeout', 'TIMEOUT'), state: 'down', cause: 'timeout' },
  { name: 'TLS failure', check: failed('tls', 'DEPTH_ZERO_SELF_SIGNED_CERT'), state: 'down', cause: 'tls' },
  {
    name: 'timeout while reading the body after a 200',
    check: answer(200, spseHomePage().slice(0, 4096), { failure: { kind: 'timeout', code: 'TIMEOUT', message: 'body' } }),
    state: 'down',
    cause: 'timeout',
  },
  {
    name: 'redirect loop',
    check: failed('too_many_redirects', 'TOO_MANY_REDIRECTS', 302),
    state: 'down',
    cause: 'too_many_redirects',
    httpStatus: 302,
  },
  // Refusals of the monitor: blocked, never an outage.
  { name: 'SPSE 403 "Akses Ditolak!"', check: answer(403, spseAccessDeniedPage()), state: 'blocked', cause: 'access_denied', httpStatus: 403 },
  { name: 'F5 ASM block page at HTTP 200 (its default)', check: answer(200, f5RejectedPage()), state: 'blocked', cause: 'waf_rejected', httpStatus: 200 },
  { name: 'F5 ASM block page at HTTP 403', check: answer(403, f5RejectedPage()), state: 'blocked', cause: 'waf_rejected', httpStatus: 403 },
  {
    name: 'a "Request Rejected" page with a support ID only',
    check: answer(200, '<html><head><title>Request Rejected</title></head><body>Your support ID is: 9876543210</body></html>'),
    state: 'blocked',
    cause: 'waf_rejected',
  },
  {
    name: 'Imperva/Incapsula block page',
    check: answer(403, '<html><head><META NAME="robots" CONTENT="noindex,nofollow"></head><body>Request unsuccessful. Incapsula incident ID: 1234000140012345678-123456789012345678</body></html>'),
    state: 'blocked',
    cause: 'waf_rejected',
  },
  { name: 'F5 TSPD anti-bot challenge (bobcmn)', check: answer(200, f5BotChallengePage()), state: 'blocked', cause: 'bot_challenge', httpStatus: 200 },
  {
    name: 'a page that only asks for JavaScript while a challenge script runs',
    check: answer(200, '<html><head><script src="/c/check.js"></script></head><body><noscript>Please enable JavaScript to view the page content.</noscript></body></html>'),
    state: 'blocked',
    cause: 'bot_challenge',
  },
  // Cloudflare cannot reach the portal's server: a real outage.
  ...[520, 521, 522, 523, 524, 525, 526].map((status): Row => ({
    name: `Cloudflare ${status} origin error page`,
    check: answer(status, cloudflareOriginErrorPage(status), { headers: CLOUDFLARE_HEADERS }),
    state: 'down',
    cause: 'origin_error',
    httpStatus: status,
  })),
  {
    name: 'Cloudflare 522 page recognised by its Ray ID footer alone (no headers kept)',
    check: answer(522, cloudflareOriginErrorPage(522), { headers: {} }),
    state: 'down',
    cause: 'origin_error',
  },
  { name: 'a bare 522 from something that is not Cloudflare', check: answer(522, 'Connection timed out'), state: 'down', cause: 'http_status' },
  // A healthy SPSE page that merely quotes these words is still up.
  ...[
    'Akses Ditolak! Pengguna diminta melengkapi Referer.',
    'The requested URL was rejected. Please consult with your administrator. Your support ID is: 14396929317839226498',
    'Request unsuccessful. Incapsula incident ID: 123',
    'Please enable JavaScript to view the page content. <script>window["bobcmn"] = "1";</script><script src="/TSPD/abc"></script>',
    'Web server is down, Connection timed out, A timeout occurred, SSL handshake failed. Cloudflare Ray ID: 8c9a3f1e2b7d4a61',
    '<title>Request Rejected</title> support ID',
  ].map((text): Row => ({ name: `SPSE home page whose news quotes: ${text.slice(0, 40)}…`, check: answer(200, homeWithNews(text)), state: 'up', cause: 'ok' })),
  { name: 'SPSE "Akses Ditolak" page rewritten to HTTP 200 (SPSE answered)', check: answer(200, spseAccessDeniedPage()), state: 'up', cause: 'ok' },
  {
    name: 'SPSE home page with Cloudflare headers at 200',
    check: answer(200, spseHomePage(), { headers: { ...CLOUDFLARE_HEADERS } }),
    state: 'up',
    cause: 'ok',
  },
  // Redirects the checker refused.
  { name: 'redirect to a private address refused', check: failed('redirect_refused', 'REDIRECT_PRIVATE', 302), state: 'down', cause: 'redirect_refused', httpStatus: 302 },
  { name: "redirect to the bot's own origin refused", check: failed('redirect_refused', 'REDIRECT_OWN', 301), state: 'down', cause: 'redirect_refused' },
];

describe('classify', () => {
  it.each(rows)('$name → $state / $cause', (row) => {
    const c = classify(row.check, OPTIONS);
    expect({ state: c.state, cause: c.cause }).toEqual({ state: row.state, cause: row.cause });
    expect(c.errorCode).toBe(row.errorCode ?? null);
    if (row.httpStatus !== undefined) expect(c.httpStatus).toBe(row.httpStatus);
    expect(c.detail).not.toBe('');
  });

  it('decodes the Gresik code into when the failing instance started', () => {
    const c = classify(answer(500, spseErrorPage(GRESIK_CODE)), OPTIONS);
    expect(c.errorCodeEstimate).toBe(GRESIK_START);
    expect(c.detail).toContain(GRESIK_CODE);
  });

  it('marks only failures without any HTTP answer as network-level', () => {
    expect(classify(failed('dns', 'ENOTFOUND'), OPTIONS).networkLevel).toBe(true);
    expect(classify(failed('timeout', 'TIMEOUT'), OPTIONS).networkLevel).toBe(true);
    expect(classify(failed('too_many_redirects', 'TOO_MANY_REDIRECTS', 302), OPTIONS).networkLevel).toBe(false);
    expect(classify(answer(502, nginxErrorPage(502)), OPTIONS).networkLevel).toBe(false);
  });

  it('uses expectText instead of SPSE markers for portals that are not SPSE', () => {
    const page = '<html><title>Portal Pengadaan</title><body>Selamat datang di e-Katalog</body></html>';
    expect(classify(answer(200, page), { ...OPTIONS, expectText: 'e-Katalog' })).toMatchObject({ state: 'up', cause: 'ok' });
    expect(classify(answer(200, page), { ...OPTIONS, expectText: 'Tender' })).toMatchObject({ state: 'degraded', cause: 'no_spse_markers' });
  });

  it('counts the SPSE_SESSION cookie as a marker when the page itself is bare', () => {
    const bare = answer(200, '<html><body>ok</body></html>', { headers: { 'set-cookie': 'SPSE_SESSION=abc; Path=/' } });
    expect(classify(bare, OPTIONS)).toMatchObject({ state: 'up', cause: 'ok' });
  });
});

describe('decodeErrorCode', () => {
  it("reads '81kep4jo9' as a Play exception id: 1685004489749 ms", () => {
    expect(parseInt(GRESIK_CODE, 26)).toBe(1685004489749);
    expect(decodeErrorCode(GRESIK_CODE, NOW)).toBe(GRESIK_START);
    expect(decodeErrorCode('81KEP4JO9', NOW)).toBe(GRESIK_START);
  });

  it.each([
    ['empty', ''],
    ['too short', '81ke'],
    ['digits outside base 26', '7n3x1q2zk'],
    ['not alphanumeric', '81kep-4jo9'],
    ['before SPSE 4 (2010)', '000000'],
    ['a time after now', (Date.UTC(2024, 0, 1)).toString(26)],
    ['too long', '81kep4jo981kep'],
  ])('returns null for %s', (_label, code) => {
    expect(decodeErrorCode(code, NOW)).toBeNull();
  });
});

describe('classify: refusals and origin errors', () => {
  it('names the Cloudflare status in the detail, and the public cause text exists in both languages', () => {
    const c = classify(answer(521, cloudflareOriginErrorPage(521), { headers: CLOUDFLARE_HEADERS }), OPTIONS);
    expect(c.detail).toContain('521');
    expect(c.detail.toLowerCase()).toContain('web server is down');
    expect(c.networkLevel).toBe(false);
    for (const cause of ['access_denied', 'waf_rejected', 'bot_challenge', 'origin_error', 'redirect_refused'] as const) {
      expect(CAUSES).toContain(cause);
      expect(causeText(cause, 'id')).not.toBe(causeText(cause, 'en'));
      expect(causeText(cause, 'id').length).toBeGreaterThan(10);
    }
  });
});

describe('classify: Kode Error is bounded', () => {
  it('accepts a code of up to MAX_ERROR_CODE_LENGTH letters and digits, in markup', () => {
    const code = '81kep4jo9'.padEnd(MAX_ERROR_CODE_LENGTH, 'a');
    const c = classify(answer(500, `<p>Terjadi Kesalahan</p><p>Kode Error : <b> <i>${code}</i></b></p>`), OPTIONS);
    expect(c).toMatchObject({ state: 'down', cause: 'spse_error', errorCode: code });
  });

  it('a 400 KB "code" is no code: spse_error from the error text, errorCode null, nothing of it in detail', () => {
    const huge = 'a'.repeat(400 * 1024);
    const c = classify(answer(500, spseErrorPage(huge)), OPTIONS);
    expect(c).toMatchObject({ state: 'down', cause: 'spse_error', errorCode: null, errorCodeEstimate: null });
    expect(c.detail.length).toBeLessThan(100);
  });

  it('one character over the limit is no code either', () => {
    const c = classify(answer(500, spseErrorPage('b'.repeat(MAX_ERROR_CODE_LENGTH + 1))), OPTIONS);
    expect(c).toMatchObject({ cause: 'spse_error', errorCode: null });
  });

  it('labels followed only by markup, then a real one further down: the real one', () => {
    const body = `${`Kode Error : ${'<i></i>'.repeat(20)}`.repeat(3)}<p>Terjadi Kesalahan</p><p>Kode Error : <b>${GRESIK_CODE}</b></p>`;
    expect(classify(answer(500, body), OPTIONS)).toMatchObject({ cause: 'spse_error', errorCode: GRESIK_CODE, errorCodeEstimate: GRESIK_START });
  });
});

describe('classify: detail carries causes and statuses only', () => {
  it.each([
    ['connect_refused', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:19199', 'connection refused'],
    ['dns', 'ENOTFOUND', 'getaddrinfo ENOTFOUND internal.corp.example', 'DNS lookup failed'],
    ['tls', 'CERT_HAS_EXPIRED', 'certificate has expired for 10.0.0.5:443', 'TLS: certificate has expired'],
    ['timeout', 'TIMEOUT', 'connect ETIMEDOUT 169.254.169.254:80', 'timed out'],
    ['connect_reset', 'ECONNRESET', 'read ECONNRESET 192.168.1.1:8080', 'connection reset'],
    ['network', 'ECONNREFUSED 127.0.0.1:19199', 'weird', 'network failure'],
  ] as const)('%s (%s) → "%s…" without the raw text', (kind, code, message, expected) => {
    const c = classify(failed(kind, code, null, message), OPTIONS);
    expect(c.detail.startsWith(expected)).toBe(true);
    expect(c.detail).not.toMatch(/127\.0\.0\.1|19199|10\.0\.0\.5|169\.254|192\.168|internal\.corp|:\d{2,5}/);
  });

  it('a refused redirect never echoes where it pointed', () => {
    const c = classify(failed('redirect_refused', 'REDIRECT_PRIVATE', 302, 'redirect to http://127.0.0.1:19199/admin refused'), OPTIONS);
    expect(c.detail).toBe('redirect to a private address refused (HTTP 302)');
    expect(c.networkLevel).toBe(false);
  });

  it('a body failure after a 200 says what failed and the status only', () => {
    const c = classify(answer(200, 'x', { failure: { kind: 'connect_reset', code: 'ECONNRESET', message: 'while reading the body: read ECONNRESET 10.1.1.1:80' } }), OPTIONS);
    expect(c).toMatchObject({ state: 'down', cause: 'connect_reset' });
    expect(c.detail).toBe('connection reset (ECONNRESET) after HTTP 200');
  });
});

describe('classify: aborted checks', () => {
  it('are never an outage (the monitor skips them; blocked if recorded anyway)', () => {
    const c = classify(failed('aborted', 'ABORTED'), OPTIONS);
    expect(c.state).toBe('blocked');
    expect(c.networkLevel).toBe(false);
  });
});

describe("classify: the monitor's own pages", () => {
  // What src/http/pages/html.ts renders (with the generator tag) and what feed.ts renders.
  const statusPage =
    '<!doctype html><html lang="id"><head><meta charset="utf-8"><meta name="generator" content="pantau-lpse">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><title>LPSE Kabupaten Gresik · Pantau LPSE</title></head><body>' +
    '<main class="wrap"><h1>LPSE Kabupaten Gresik</h1><p>aplikasi SPSE menampilkan halaman error</p><p>SPSE v4.5u20221227</p></main>' +
    '<footer><div class="wrap"><span>pantau-lpse</span></div></footer></body></html>';
  const feed = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Pantau LPSE: gangguan portal</title><generator>pantau-lpse</generator></feed>';

  it.each([
    ['status page', statusPage],
    ['Atom feed', feed],
  ])('the %s is never up', (_label, page) => {
    const c = classify(answer(200, page, { headers: { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'SPSE_SESSION=x' } }), OPTIONS);
    expect(c).toMatchObject({ state: 'degraded', cause: 'no_spse_markers' });
  });

  it('a portal page that mentions pantau-lpse in its text is still the portal', () => {
    expect(classify(answer(200, homeWithNews('Status portal dipantau oleh pantau-lpse')), OPTIONS)).toMatchObject({ state: 'up' });
  });
});

describe('classify: linear time on hostile bodies', () => {
  const SIZE = 256 * 1024;
  const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const bodies: Array<[string, string]> = [
    ['<title> then "LPSE " repeated', `<title>${fill('LPSE ')}`],
    ['"<title>LPSE " repeated', fill('<title>LPSE ')],
    ['"Kode Error :" with markup and no code, repeated', fill('Kode Error : <b><i> ')],
    ['"Kode Error :" with unclosed tags, repeated', fill('Kode Error : <b ')],
    ['"Kode Error :" then one endless code', `Kode Error : ${fill('a')}`],
    ['"Kode" then endless spaces', `Kode${fill(' ')}`],
    ['a "<" flood', fill('<')],
    ['256 KB of one character', fill('a')],
    ['256 KB of spaces', fill(' ')],
    ['alternating "<title><"', fill('<title><')],
    ['alternating "LPSE <"', fill('LPSE <')],
    ['lookbehind bait ".LPSE-"', `<title>${fill('.LPSE-')}`],
    ['"terjadi " repeated', fill('terjadi ')],
    ['"sedang dalam " repeated', fill('sedang dalam ')],
    ['"<center>nginx " repeated', fill('<center>nginx ')],
    ['generator tag prefix repeated', fill('<meta name="generator" content=')],
    ['"Akses " repeated', fill('Akses ')],
    ['"please enable javascript to view the " repeated', fill('please enable javascript to view the ')],
    ['"the requested url was " repeated', fill('the requested url was ')],
    ['"halaman yang dituju tidak " repeated', fill('halaman yang dituju tidak ')],
    ['"aplikasi " repeated', fill('aplikasi ')],
    ['a 1 MB body (more than the checker ever keeps)', `<title>${fill('LPSE ', 1024 * 1024)}`],
  ];
  const BOUND_MS = 100; // a safety bound on a slow, busy machine, not a benchmark

  it.each(bodies)('%s: each classify() well under 100 ms', (_label, body) => {
    for (const status of [200, 403, 500, 522]) {
      for (const headers of [{}, { server: 'cloudflare' }]) {
        const check = answer(status, body, { headers });
        const t0 = performance.now();
        classify(check, OPTIONS);
        classify(check, { ...OPTIONS, expectText: 'Tender' });
        const elapsed = (performance.now() - t0) / 2;
        expect(elapsed, `HTTP ${status}`).toBeLessThan(BOUND_MS);
      }
    }
  });
});
