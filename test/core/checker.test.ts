import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createChecker, type Checker, type CheckerOptions } from '../../src/core/checker.js';
import { classify, type ClassifyOptions } from '../../src/core/classifier.js';
import type { CheckResult } from '../../src/core/types.js';
import { createFakePortal, createRefusedPort, createSelfSignedCert, type FakePortal, type PortalMode } from '../fakes/fake-portal.js';

const DAY_MS = 86_400_000;
const TIMEOUT_MS = 800;
/** The browser-like User-Agent the bot sends unless configured otherwise. */
const DEFAULT_USER_AGENT = loadConfig('', {}).check.userAgent;

function options(extra: Partial<CheckerOptions> = {}): CheckerOptions {
  return {
    timeoutMs: TIMEOUT_MS,
    maxBodyBytes: 1_000_000,
    maxRedirects: 3,
    userAgent: DEFAULT_USER_AGENT,
    maxConcurrentPerHost: 4,
    maxConcurrency: 32,
    maxRequestsPerSecondPerHost: Infinity,
    ...extra,
  };
}

// Loopback answers in a few ms; the margin keeps a busy CI machine from turning healthy into slow.
const classifyOptions = (): ClassifyOptions => ({ degradedLatencyMs: 300, certWarningDays: 14, now: Date.now() });
const check = (checker: Checker, url: string) => checker.check({ id: 'gresikkab', url });

let portal: FakePortal;
let checker: Checker;

beforeAll(async () => {
  portal = await createFakePortal();
  checker = createChecker(options());
});
afterEach(() => {
  portal.setMode('healthy');
  portal.requests.clear();
});
afterAll(async () => {
  await checker.close();
  await portal.close();
});

describe('checker + classifier against a fake SPSE portal', () => {
  const modes: Array<{ mode: PortalMode; state: string; cause: string; status: number | null; errorCode?: string }> = [
    { mode: 'healthy', state: 'up', cause: 'ok', status: 200 },
    { mode: { kind: 'spse-error', status: 500 }, state: 'down', cause: 'spse_error', status: 500, errorCode: '81kep4jo9' },
    { mode: { kind: 'spse-error', status: 200, spaceBeforeColon: false }, state: 'down', cause: 'spse_error', status: 200, errorCode: '81kep4jo9' },
    { mode: { kind: 'nginx', status: 502 }, state: 'down', cause: 'nginx_error', status: 502 },
    { mode: { kind: 'nginx', status: 503 }, state: 'down', cause: 'nginx_error', status: 503 },
    { mode: { kind: 'nginx', status: 504 }, state: 'down', cause: 'nginx_error', status: 504 },
    { mode: 'cloudflare', state: 'blocked', cause: 'cloudflare_challenge', status: 403 },
    { mode: 'cloudflare-429', state: 'blocked', cause: 'rate_limited', status: 429 },
    { mode: 'not-found', state: 'down', cause: 'spse_not_found', status: 404 },
    { mode: 'maintenance', state: 'down', cause: 'maintenance_page', status: 503 },
    { mode: { kind: 'maintenance', status: 200 }, state: 'down', cause: 'maintenance_page', status: 200 },
    { mode: 'unexpected', state: 'degraded', cause: 'no_spse_markers', status: 200 },
    { mode: { kind: 'slow', delayMs: 550 }, state: 'degraded', cause: 'slow', status: 200 },
    { mode: { kind: 'status', status: 500 }, state: 'down', cause: 'http_status', status: 500 },
  ];

  it.each(modes)('$mode → $state / $cause', async ({ mode, state, cause, status, errorCode }) => {
    portal.setMode(mode);
    const result = await check(checker, portal.url);
    expect(result.failure).toBeNull();
    expect(result.status).toBe(status);
    const c = classify(result, classifyOptions());
    expect({ state: c.state, cause: c.cause }).toEqual({ state, cause });
    expect(c.errorCode).toBe(errorCode ?? null);
  });

  it('reports timings, the final URL and the headers classification needs', async () => {
    const result = await check(checker, portal.url);
    expect(result).toMatchObject({ portalId: 'gresikkab', url: portal.url, finalUrl: portal.url, status: 200, bodyBytes: 20_480, bodyTruncated: false, certExpiresAt: null });
    expect(result.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(result.totalMs).toBeGreaterThanOrEqual(result.ttfbMs!);
    expect(result.headers['set-cookie']).toMatch(/^SPSE_SESSION=/);
    expect(result.headers['content-type']).toContain('text/html');
  });

  it('sends a browser-like User-Agent and Indonesian Accept-Language', async () => {
    expect(DEFAULT_USER_AGENT).toMatch(/^Mozilla\/5\.0 \(.+\) AppleWebKit\/[\d.]+ \(KHTML, like Gecko\) Chrome\/[\d.]+ Safari\/[\d.]+/);
    await check(checker, portal.url);
    const [seen] = portal.requests.list;
    expect(seen?.userAgent).toBe(DEFAULT_USER_AGENT);
    expect(String(seen?.headers['accept-language'])).toMatch(/^id-ID/);
    expect(String(seen?.headers.accept)).toContain('text/html');
  });

  it('a hanging portal is a timeout after about timeoutMs', async () => {
    portal.setMode('hang');
    const result = await check(checker, portal.url);
    expect(result.failure?.kind).toBe('timeout');
    expect(result.status).toBeNull();
    expect(result.totalMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(result.totalMs).toBeLessThan(TIMEOUT_MS + 1000);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'timeout', networkLevel: true });
  });

  it('an answer just inside the deadline is not a timeout', async () => {
    portal.setMode({ kind: 'slow', delayMs: TIMEOUT_MS - 150 });
    const result = await check(checker, portal.url);
    expect(result.failure).toBeNull();
    expect(result.status).toBe(200);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'degraded', cause: 'slow' });
  });

  it('a body that stalls after the headers is a timeout too', async () => {
    portal.setMode({ kind: 'hang-body', bytes: 4096 });
    const result = await check(checker, portal.url);
    expect(result.status).toBe(200);
    expect(result.failure?.kind).toBe('timeout');
    expect(result.totalMs).toBeLessThan(TIMEOUT_MS + 1000);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'timeout' });
  });

  it('stops reading a 50 MB body at maxBodyBytes', async () => {
    portal.setMode({ kind: 'huge', bytes: 50 * 1024 * 1024 });
    const cap = 1_000_000;
    const result = await check(checker, portal.url);
    expect(result.failure).toBeNull();
    expect(result.bodyTruncated).toBe(true);
    expect(result.bodyBytes).toBeGreaterThan(cap);
    expect(result.bodyBytes).toBeLessThanOrEqual(cap + 65_536);
    // Only the sample classification needs is kept in memory.
    expect(Buffer.byteLength(result.body)).toBeLessThanOrEqual(256 * 1024);
    expect(result.totalMs).toBeLessThan(2000);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'degraded', cause: 'body_too_large' });
    // The checker is still usable afterwards.
    portal.setMode('healthy');
    expect((await check(checker, portal.url)).status).toBe(200);
  });

  it.each(['rst', 'close'] as const)('a connection dropped with %s is connect_reset', async (how) => {
    portal.setMode({ kind: 'reset', how });
    const result = await check(checker, portal.url);
    expect(result.failure?.kind).toBe('connect_reset');
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'connect_reset', networkLevel: true });
  });

  it('a redirect loop stops after maxRedirects', async () => {
    portal.setMode('redirect-loop');
    const result = await check(checker, portal.url);
    expect(result.failure?.kind).toBe('too_many_redirects');
    expect(portal.requests.count).toBe(1 + 3);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'too_many_redirects', httpStatus: 302 });
  });

  it('follows a redirect to the portal that answers and reports where it ended', async () => {
    const central = await createFakePortal({ slug: 'gresikkab' });
    try {
      portal.setMode({ kind: 'redirect', location: central.url });
      const result = await check(checker, portal.url);
      expect(result).toMatchObject({ status: 200, finalUrl: central.url, failure: null });
      expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
    } finally {
      await central.close();
    }
  });
});

describe('checker: failures before any HTTP answer', () => {
  it('a closed port is connect_refused', async () => {
    const refused = await createRefusedPort();
    const result = await check(checker, refused.url);
    expect(result.failure?.kind).toBe('connect_refused');
    expect(result.failure?.code).toBe('ECONNREFUSED');
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'connect_refused' });
  });

  it('a name that does not resolve is dns', async () => {
    const result = await check(checker, 'http://does-not-exist.invalid/gresikkab');
    expect(result.failure?.kind).toBe('dns');
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(result.failure?.code);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'dns', networkLevel: true });
  });
});

describe('checker: TLS', () => {
  const servers: FakePortal[] = [];
  const checkers: Checker[] = [];
  afterAll(async () => {
    await Promise.all([...checkers.map((c) => c.close()), ...servers.map((s) => s.close())]);
  });
  async function tlsPortal(days: number | 'self-signed') {
    const cert = days === 'self-signed' ? createSelfSignedCert() : createSelfSignedCert({ days });
    const server = await createFakePortal({ tls: cert });
    servers.push(server);
    return { server, cert };
  }
  function checkerTrusting(ca?: string): Checker {
    const c = createChecker(options(ca ? { ca: [ca] } : {}));
    checkers.push(c);
    return c;
  }

  it('an untrusted self-signed certificate is a tls failure', async () => {
    const { server } = await tlsPortal('self-signed');
    const result = await check(checkerTrusting(), server.url);
    expect(result.failure?.kind).toBe('tls');
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'tls', networkLevel: true });
  });

  it('a trusted certificate expiring in 5 days is degraded cert_expiring', async () => {
    const { server, cert } = await tlsPortal(5);
    const result = await check(checkerTrusting(cert.cert), server.url);
    expect(result.failure).toBeNull();
    expect(result.certExpiresAt).not.toBeNull();
    const daysLeft = (result.certExpiresAt! - Date.now()) / DAY_MS;
    expect(daysLeft).toBeGreaterThan(4);
    expect(daysLeft).toBeLessThanOrEqual(5.01);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'degraded', cause: 'cert_expiring' });
  });

  it('a trusted certificate valid for 60 days is up', async () => {
    const { server, cert } = await tlsPortal(60);
    const result = await check(checkerTrusting(cert.cert), server.url);
    expect((result.certExpiresAt! - Date.now()) / DAY_MS).toBeGreaterThan(59);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
  });
});

describe('checker: politeness per origin', () => {
  let polite: Checker | undefined;
  const others: FakePortal[] = [];
  afterEach(async () => {
    await polite?.close();
    polite = undefined;
    await Promise.all(others.splice(0).map((p) => p.close()));
  });

  it('starts at most maxRequestsPerSecondPerHost requests a second to one origin, others unaffected', async () => {
    const other = await createFakePortal();
    others.push(other);
    polite = createChecker(options({ maxRequestsPerSecondPerHost: 5 }));
    const started = Date.now();
    const pending: Promise<CheckResult>[] = [];
    for (let i = 0; i < 6; i++) pending.push(check(polite, portal.urlFor(`/gresikkab/p${i}`)));
    pending.push(check(polite, other.url));
    const results = await Promise.all(pending);
    expect(results.every((r) => r.status === 200)).toBe(true);

    // 5 a second: the sixth starts five intervals (1 s) after the first, as the server saw it...
    const times = portal.requests.list.map((r) => r.at);
    expect(times).toHaveLength(6);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(800);
    expect(times.at(-1)! - times[0]!).toBeLessThan(3000);
    // ... and as the checker started them.
    expect(results[5]!.startedAt - results[0]!.startedAt).toBeGreaterThanOrEqual(990);
    // The other origin did not wait in this origin's queue (it would have been seventh, at 1.2 s).
    expect(other.requests.list[0]!.at - started).toBeLessThan(700);
  });

  it('keeps at most maxConcurrentPerHost requests in flight to one origin', async () => {
    portal.setMode('hang');
    polite = createChecker(options({ maxConcurrentPerHost: 2, timeoutMs: 500 }));
    const results = Promise.all([0, 1, 2, 3].map((i) => check(polite!, portal.urlFor(`/gresikkab/h${i}`))));
    // Until the first two time out (500 ms), the server sees two requests hanging; two more wait here.
    const since = Date.now();
    while (portal.requests.count < 2 && Date.now() - since < 400) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(portal.requests.count).toBe(2);
    const done = await results;
    expect(done.map((r) => r.failure?.kind)).toEqual(['timeout', 'timeout', 'timeout', 'timeout']);
    expect(portal.requests.count).toBe(4);
    // The third and fourth started only when the first two had given up.
    expect(done[2]!.startedAt - done[0]!.startedAt).toBeGreaterThanOrEqual(450);
    expect(done[3]!.startedAt - done[1]!.startedAt).toBeGreaterThanOrEqual(450);
  });
});
