import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChecker, isAborted, isNetworkFailure, type Checker, type CheckerOptions } from '../../src/core/checker.js';
import { classify, type ClassifyOptions } from '../../src/core/classifier.js';
import { isForbiddenAddress } from '../../src/core/redirect-policy.js';
import type { CheckResult } from '../../src/core/types.js';
import { createFakePortal, createRefusedPort, createSelfSignedCert, spseHomePage, type FakePortal, type PortalMode } from '../fakes/fake-portal.js';

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
    { mode: 'cloudflare-origin', state: 'down', cause: 'origin_error', status: 522 },
    { mode: { kind: 'cloudflare-origin', status: 521 }, state: 'down', cause: 'origin_error', status: 521 },
    { mode: 'access-denied', state: 'blocked', cause: 'access_denied', status: 403 },
    { mode: 'waf-rejected', state: 'blocked', cause: 'waf_rejected', status: 200 },
    { mode: 'bot-challenge', state: 'blocked', cause: 'bot_challenge', status: 200 },
    { mode: { kind: 'spse-error', code: 'z'.repeat(400 * 1024) }, state: 'down', cause: 'spse_error', status: 500 },
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

describe('checker: what an answer sends before and around the page', () => {
  let server: Server;
  let base: string;
  let redirectBytesSent = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/endless-redirect') {
        // A redirect whose body never ends: it is read up to a limit, then the hop goes on.
        res.writeHead(302, { location: '/home', 'content-type': 'text/html' });
        const chunk = Buffer.alloc(16_384, 'x');
        const timer = setInterval(() => {
          redirectBytesSent += chunk.length;
          res.write(chunk);
        }, 2);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/early-hints') {
        res.writeEarlyHints({ link: '</public/css/style.css>; rel=preload; as=style' });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(spseHomePage());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('follows a redirect whose body never ends once 64 KB of it were read, well inside the deadline', async () => {
    const started = performance.now();
    const result = await check(checker, `${base}/endless-redirect`);
    expect(result).toMatchObject({ status: 200, finalUrl: `${base}/home`, failure: null });
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    expect(redirectBytesSent).toBeGreaterThan(65_536);
  });

  it('an informational head (103 Early Hints) is not the answer: the page after it is', async () => {
    const result = await check(checker, `${base}/early-hints`);
    expect(result).toMatchObject({ status: 200, failure: null, bodyTruncated: false });
    expect(result.body).toContain('authenticityToken');
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
  });
});

describe('checker: failures before any HTTP answer', () => {
  it('a closed port is connect_refused', async () => {
    const refused = await createRefusedPort();
    const result = await check(checker, refused.url);
    expect(result.failure?.kind).toBe('connect_refused');
    expect(result.failure?.code).toBe('ECONNREFUSED');
    const c = classify(result, classifyOptions());
    expect(c).toMatchObject({ state: 'down', cause: 'connect_refused' });
    // The raw text (with the address) stays on the result for logs; the public detail never has it.
    expect(result.failure?.message).toContain(String(refused.port));
    expect(c.detail).toBe('connection refused (ECONNREFUSED)');
    expect(c.detail).not.toContain('127.0.0.1');
    expect(c.detail).not.toContain(String(refused.port));
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

describe('checker: where redirects may lead', () => {
  // In these tests 127.0.0.1 plays a public address (every fake server listens there); every other
  // private address keeps the real policy. DNS is a table, with a count of lookups per name.
  const dnsTable: Record<string, (call: number) => string[]> = {
    'portal.test': () => ['127.0.0.1'],
    'intranet.test': () => ['10.0.0.7'],
    'mixed.test': () => ['127.0.0.1', '10.0.0.7'],
    'metadata.test': () => ['169.254.169.254'],
    'v6-loopback.test': () => ['::1'],
    // Public the first time it is asked, private afterwards.
    'rebind.test': (call) => (call === 1 ? ['127.0.0.1'] : ['10.0.0.7']),
  };
  const lookups = new Map<string, number>();
  const resolve = async (name: string): Promise<LookupAddress[]> => {
    const call = (lookups.get(name) ?? 0) + 1;
    lookups.set(name, call);
    const found = dnsTable[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found(call).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const publicPolicy = (address: string) => address !== '127.0.0.1' && isForbiddenAddress(address);

  let target: FakePortal;
  let guarded: Checker;
  beforeAll(async () => {
    target = await createFakePortal({ slug: 'gresikkab' });
  });
  afterEach(async () => {
    await guarded?.close();
    lookups.clear();
    target.requests.clear();
  });
  afterAll(async () => {
    await target.close();
  });
  const publicChecker = (extra: Partial<CheckerOptions> = {}) => {
    guarded = createChecker(options({ resolve, isForbiddenAddress: publicPolicy, ...extra }));
    return guarded;
  };
  const redirectTo = async (location: string, extra: Partial<CheckerOptions> = {}) => {
    portal.setMode({ kind: 'redirect', location });
    return check(publicChecker(extra), portal.url);
  };

  it('follows a public portal\'s redirect to a public name, connecting through the checked lookup', async () => {
    const result = await redirectTo(`http://portal.test:${target.port}/gresikkab`);
    expect(result).toMatchObject({ status: 200, failure: null, finalUrl: `http://portal.test:${target.port}/gresikkab` });
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
    expect(target.requests.count).toBe(1);
    expect(lookups.get('portal.test')).toBe(1);
  });

  it.each([
    ['a name resolving to 10.0.0.7', 'intranet.test'],
    ['a name with one private address among public ones', 'mixed.test'],
    ['a name resolving to the metadata address', 'metadata.test'],
    ['a name resolving to ::1', 'v6-loopback.test'],
  ])('refuses a redirect to %s, without connecting and without echoing it', async (_label, host) => {
    const result = await redirectTo(`http://${host}:${target.port}/gresikkab`);
    expect(result.failure).toMatchObject({ kind: 'redirect_refused', code: 'REDIRECT_PRIVATE' });
    expect(result.status).toBe(302);
    expect(result.finalUrl).toBe(portal.url);
    expect(target.requests.count).toBe(0);
    const c = classify(result, classifyOptions());
    expect(c).toMatchObject({ state: 'down', cause: 'redirect_refused', httpStatus: 302, networkLevel: false });
    expect(c.detail).toBe('redirect to a private address refused (HTTP 302)');
  });

  it.each([
    ['loopback other than the test\'s public one', (port: number) => `http://127.0.0.2:${port}/`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.9]:${port}/`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a decimal-encoded private address', () => 'http://167772167/'],
    ['RFC 1918', () => 'http://192.168.1.1:8080/admin'],
  ])('refuses a redirect to an IP literal: %s (open or closed port alike: no oracle)', async (_label, location) => {
    const closed = await createRefusedPort();
    const results = [await redirectTo(location(target.port)), await redirectTo(location(closed.port))];
    for (const result of results) {
      expect(result.failure).toMatchObject({ kind: 'redirect_refused', code: 'REDIRECT_PRIVATE' });
      expect(classify(result, classifyOptions()).detail).toBe('redirect to a private address refused (HTTP 302)');
    }
    expect(target.requests.count).toBe(0);
  });

  it('checks the address it connects to: a name that turns private after the check is never asked twice', async () => {
    const result = await redirectTo(`http://rebind.test:${target.port}/gresikkab`);
    expect(result).toMatchObject({ status: 200, failure: null });
    expect(lookups.get('rebind.test')).toBe(1);
    expect(target.requests.count).toBe(1);
  });

  it.each([
    ['gopher:', 'gopher://127.0.0.1:6379/_INFO', 'REDIRECT_SCHEME'],
    ['javascript:', 'javascript:alert(1)', 'REDIRECT_SCHEME'],
    ['file:', 'file:///etc/passwd', 'REDIRECT_SCHEME'],
    ['over 2048 characters', `http://portal.test/${'x'.repeat(3000)}`, 'REDIRECT_TOO_LONG'],
  ])('refuses a Location that is %s', async (_label, location, code) => {
    const result = await redirectTo(location);
    expect(result.failure).toMatchObject({ kind: 'redirect_refused', code });
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'redirect_refused' });
  });

  it("refuses a redirect to the bot's own origin, even for a portal on a private network", async () => {
    const bot = await createFakePortal({ slug: 'portal' });
    try {
      portal.setMode({ kind: 'redirect', location: `${bot.origin}/` });
      guarded = createChecker(options({ ownOrigins: [`${bot.origin}/`] }));
      const result = await check(guarded, portal.url);
      expect(result.failure).toMatchObject({ kind: 'redirect_refused', code: 'REDIRECT_OWN' });
      expect(bot.requests.count).toBe(0);
      expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'redirect_refused' });
      expect(classify(result, classifyOptions()).detail).not.toContain(String(bot.port));
    } finally {
      await bot.close();
    }
  });

  it('a portal that is itself on a private address may redirect within it', async () => {
    portal.setMode({ kind: 'redirect', location: `http://localhost:${target.port}/gresikkab` });
    guarded = createChecker(options());
    const result = await check(guarded, portal.url);
    expect(result).toMatchObject({ status: 200, failure: null });
  });

  it('refused redirects and aborts are not network failures (offline detection)', async () => {
    const refused = await redirectTo('http://intranet.test/');
    expect(isNetworkFailure(refused.failure)).toBe(false);
    const closed = await createRefusedPort();
    expect(isNetworkFailure((await check(checker, closed.url)).failure)).toBe(true);
  });
});

describe('checker: stopping', () => {
  let hanging: FakePortal;
  let other: FakePortal;
  let slow: Checker;
  beforeAll(async () => {
    hanging = await createFakePortal({ mode: 'hang' });
    other = await createFakePortal({ mode: { kind: 'hang-body', bytes: 2048 } });
  });
  afterEach(() => {
    hanging.requests.clear();
    other.requests.clear();
  });
  afterAll(async () => {
    await slow?.close();
    await Promise.all([hanging.close(), other.close()]);
  });

  const waitFor = async (condition: () => boolean) => {
    const since = Date.now();
    while (!condition() && Date.now() - since < 2000) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('abortAll() resolves every in-flight and queued check within 500 ms; the checker goes on working', async () => {
    slow = createChecker(options({ timeoutMs: 20_000, maxConcurrentPerHost: 2, maxConcurrency: 3, maxRequestsPerSecondPerHost: 5 }));
    const pending = [
      ...[0, 1, 2, 3, 4, 5].map((i) => check(slow, hanging.urlFor(`/gresikkab/h${i}`))),
      check(slow, other.url), // its headers arrive, its body stalls
    ];
    await waitFor(() => hanging.requests.count >= 2 && other.requests.count >= 1);
    expect(hanging.requests.count).toBe(2); // the rest wait for a slot
    const t0 = performance.now();
    slow.abortAll();
    const results = await Promise.all(pending);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(results.map((r) => r.failure?.kind)).toEqual(Array(7).fill('aborted'));
    expect(results.every(isAborted)).toBe(true);
    for (const r of results) expect(classify(r, classifyOptions()).state).not.toBe('down');
    // Queued checks never reached the portal.
    expect(hanging.requests.count).toBe(2);

    // Checks started after abortAll() run normally.
    const after = await check(slow, portal.url);
    expect(after).toMatchObject({ status: 200, failure: null });
  });

  it('close() aborts too, finishes promptly, and later checks resolve as aborted', async () => {
    const closing = createChecker(options({ timeoutMs: 20_000 }));
    const pending = [0, 1, 2].map((i) => check(closing, hanging.urlFor(`/gresikkab/c${i}`)));
    await waitFor(() => hanging.requests.count >= 3);
    const t0 = performance.now();
    await closing.close();
    const results = await Promise.all(pending);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(results.every(isAborted)).toBe(true);
    expect(isAborted(await check(closing, portal.url))).toBe(true);
  });
});

describe('checker: what it keeps is bounded', () => {
  it('caps kept header values', async () => {
    portal.setMode({ kind: 'status', status: 200, headers: { server: 's'.repeat(6000), 'retry-after': 'r'.repeat(6000) } });
    const result = await check(checker, portal.url);
    expect(result.status).toBe(200);
    expect(result.headers['server']!.length).toBeLessThanOrEqual(1024);
    expect(result.headers['retry-after']!.length).toBeLessThanOrEqual(1024);
    expect(result.headers['server']).toBe('s'.repeat(1024));
  });

  it('a 400 KB Kode Error is neither kept as a code nor in the detail', async () => {
    portal.setMode({ kind: 'spse-error', code: '8'.repeat(400 * 1024) });
    const result = await check(checker, portal.url);
    expect(Buffer.byteLength(result.body)).toBeLessThanOrEqual(256 * 1024);
    const c = classify(result, classifyOptions());
    expect(c).toMatchObject({ cause: 'spse_error', errorCode: null });
    expect(c.detail.length).toBeLessThan(100);
  });
});
