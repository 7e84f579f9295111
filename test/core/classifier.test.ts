import { describe, expect, it } from 'vitest';
import { classify, decodeErrorCode, type ClassifyOptions } from '../../src/core/classifier.js';
import type { Cause, CheckResult, ObservedState } from '../../src/core/types.js';
import {
  cloudflareChallengePage,
  cloudflareRateLimitPage,
  maintenancePage,
  nginxErrorPage,
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
function failed(kind: NonNullable<CheckResult['failure']>['kind'], code: string, status: number | null = null): CheckResult {
  return answer(status ?? 0, '', { status, ttfbMs: null, certExpiresAt: null, failure: { kind, code, message: code } });
}

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
