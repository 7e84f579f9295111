import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createChecker, DIRECT, isNetworkFailure, isProxyFailure, proxySecrets, type Checker, type CheckerOptions } from '../../src/core/checker.js';
import { classify, type ClassifyOptions } from '../../src/core/classifier.js';
import { isForbiddenAddress } from '../../src/core/redirect-policy.js';
import type { CheckResult, Classification } from '../../src/core/types.js';
import { createLogger } from '../../src/logger.js';
import { createFakePortal, createSelfSignedCert, type FakePortal } from '../fakes/fake-portal.js';
import { createFakeProxy, type FakeProxy, type ProxyCredentials } from '../fakes/fake-proxy.js';
import { cycle, startApp } from '../helpers/app.js';
import type { App } from '../../src/app.js';

const DAY_MS = 86_400_000;
const TIMEOUT_MS = 800;
const USER_AGENT = loadConfig('', {}).check.userAgent;
/** The office proxy's credentials: the password must never show up anywhere. */
const CREDENTIALS: ProxyCredentials = { username: 'kantor-gresik', password: 'Rahasia:Proxy@8c1f' };
const PASSWORD_FORMS = [CREDENTIALS.password, encodeURIComponent(CREDENTIALS.password), Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')];

function options(extra: Partial<CheckerOptions> = {}): CheckerOptions {
  return {
    timeoutMs: TIMEOUT_MS,
    maxBodyBytes: 1_000_000,
    maxRedirects: 3,
    userAgent: USER_AGENT,
    maxConcurrentPerHost: 4,
    maxConcurrency: 32,
    maxRequestsPerSecondPerHost: Infinity,
    ...extra,
  };
}
const classifyOptions = (): ClassifyOptions => ({ degradedLatencyMs: 300, certWarningDays: 14, now: Date.now() });
const hostPort = (url: string) => new URL(url).host;

function expectNoSecret(text: string) {
  for (const form of PASSWORD_FORMS) expect(text).not.toContain(form);
}

const checkers: Checker[] = [];
function checkerWith(extra: Partial<CheckerOptions>): Checker {
  const checker = createChecker(options(extra));
  checkers.push(checker);
  return checker;
}

let portal: FakePortal;
let tlsPortal: FakePortal;
let tlsCa: string;
let office: FakeProxy; // requires credentials
let home: FakeProxy; // open
let officeUrl: string;

beforeAll(async () => {
  const cert = createSelfSignedCert({ days: 60 });
  tlsCa = cert.cert;
  [portal, tlsPortal, office, home] = await Promise.all([
    createFakePortal(),
    createFakePortal({ tls: cert }),
    createFakeProxy({ auth: CREDENTIALS, hosts: { 'lpse.kantor.test': '127.0.0.1' } }),
    createFakeProxy(),
  ]);
  officeUrl = office.urlWith(CREDENTIALS);
});
afterEach(async () => {
  await Promise.all(checkers.splice(0).map((c) => c.close()));
  for (const p of [portal, tlsPortal]) {
    p.setMode('healthy');
    p.requests.clear();
  }
  for (const p of [office, home]) {
    p.setMode('forward');
    p.requests.clear();
  }
});
afterAll(async () => {
  await Promise.all([portal.close(), tlsPortal.close(), office.close(), home.close()]);
});

describe('config: check.proxyUrl and portals[].proxyUrl', () => {
  const portalYaml = (proxy: string) => `portals:\n  - { id: gresikkab, name: Gresik, url: "http://lpse.gresikkab.go.id/", proxyUrl: ${proxy} }\n`;

  it('accepts a proxy with credentials, a portal proxy that wins, and `direct`', () => {
    const config = loadConfig(
      `check:\n  proxyUrl: "http://kantor:p%40ss@10.0.0.2:3128"\nportals:\n  - { id: a, name: A, url: "https://a.go.id/", proxyUrl: "https://proxy.example:8443" }\n  - { id: b, name: B, url: "https://b.go.id/", proxyUrl: direct }\n  - { id: c, name: C, url: "https://c.go.id/" }\n`,
      {},
    );
    expect(config.check.proxyUrl).toBe('http://kantor:p%40ss@10.0.0.2:3128');
    expect(config.portals?.map((p) => p.proxyUrl)).toEqual(['https://proxy.example:8443', 'direct', undefined]);
    expect(loadConfig('', {}).check.proxyUrl).toBeUndefined();
  });

  it.each([
    ['a SOCKS proxy', 'socks5://kantor:Rahasia@10.0.0.2:1080'],
    ['a file: URL', 'file:///etc/Rahasia'],
    ['a path after the port', 'http://kantor:Rahasia@10.0.0.2:3128/pac'],
    ['a query', 'http://kantor:Rahasia@10.0.0.2:3128/?x=Rahasia'],
    ['not a URL', 'kantor:Rahasia@10.0.0.2'],
    ['direct (portals only)', 'direct'],
    ['over 2048 characters', `http://kantor:Rahasia${'x'.repeat(2100)}@10.0.0.2:3128`],
  ])('refuses check.proxyUrl: %s, naming the key and never the value', (_label, value) => {
    const run = () => loadConfig(`check:\n  proxyUrl: ${JSON.stringify(value)}\n`, {});
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^check\.proxyUrl: /);
      expect((error as Error).message).not.toContain('Rahasia');
    }
  });

  it.each([
    ['a SOCKS proxy', '"socks5://kantor:Rahasia@10.0.0.2:1080"'],
    ['null (opt out with direct)', 'null'],
    ['a number', '3128'],
    ['another word', 'none'],
  ])('refuses portals[].proxyUrl: %s', (_label, value) => {
    try {
      loadConfig(portalYaml(value), {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]).toMatch(/^portals\[0\]\.proxyUrl: /);
      expect((error as Error).message).not.toContain('Rahasia');
    }
  });

  it('proxySecrets lists every form of the credentials, for the logger', () => {
    const url = office.urlWith(CREDENTIALS);
    const secrets = proxySecrets(url);
    for (const form of PASSWORD_FORMS) expect(secrets).toContain(form);
    expect(secrets).toContain(`${CREDENTIALS.username}:${CREDENTIALS.password}`);
    expect(proxySecrets(home.url)).toEqual([]);
    expect(proxySecrets(DIRECT)).toEqual([]);
    expect(proxySecrets(undefined)).toEqual([]);
  });
});

describe('checks through a proxy', () => {
  it('an http portal: through the proxy (which counts it), with the credentials, up', async () => {
    const checker = checkerWith({ proxyUrl: officeUrl });
    const result = await checker.check({ id: 'gresikkab', url: portal.url });
    expect(result).toMatchObject({ status: 200, failure: null, finalUrl: portal.url });
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
    expect(office.requests.forwardedTo(hostPort(portal.url))).toBe(1);
    expect(office.requests.list[0]?.proxyAuthorization).toBe(`Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`);
    expect(portal.requests.count).toBe(1);
    // The portal sees the browser-like request, never the proxy's credentials.
    expect(portal.requests.list[0]?.userAgent).toBe(USER_AGENT);
    expect(JSON.stringify(portal.requests.list[0]?.headers)).not.toMatch(/proxy-authorization/i);
  });

  it('one dispatcher per proxy URL: checks of portals routed to the same proxy share its kept-alive tunnels', async () => {
    const checker = checkerWith({ proxyUrl: home.url, portalProxyUrls: { a: home.url, b: home.url } });
    for (const id of ['a', 'b', 'c', 'a']) {
      expect((await checker.check({ id, url: portal.urlFor(`/${id}`) })).status).toBe(200);
      // The connection goes back to the pool just after the body ends.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(portal.requests.count).toBe(4);
    expect(home.requests.list.map((r) => r.method)).toEqual(['CONNECT']);
  });

  it('an https portal: tunnelled, its certificate trusted through `ca`, its expiry captured', async () => {
    const checker = checkerWith({ proxyUrl: officeUrl, ca: [tlsCa] });
    const result = await checker.check({ id: 'gresikkab', url: tlsPortal.url });
    expect(result).toMatchObject({ status: 200, failure: null });
    expect(office.requests.list.map((r) => [r.method, r.target, r.outcome])).toEqual([['CONNECT', hostPort(tlsPortal.url), 'forwarded']]);
    expect(result.certExpiresAt).not.toBeNull();
    const daysLeft = (result.certExpiresAt! - Date.now()) / DAY_MS;
    expect(daysLeft).toBeGreaterThan(59);
    expect(daysLeft).toBeLessThanOrEqual(60.01);
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
  });

  it('an https portal whose certificate is not trusted is still the portal\'s tls failure', async () => {
    const checker = checkerWith({ proxyUrl: officeUrl });
    const result = await checker.check({ id: 'gresikkab', url: tlsPortal.url });
    expect(result.failure?.kind).toBe('tls');
    expect(isProxyFailure(result.failure)).toBe(false);
  });

  it('a portal reachable only through the proxy is up through it (and a DNS failure without it)', async () => {
    const url = `http://lpse.kantor.test:${portal.port}/gresikkab`;
    const direct = await checkerWith({}).check({ id: 'kantor', url });
    expect(direct.failure?.kind).toBe('dns');
    const proxied = await checkerWith({ proxyUrl: officeUrl }).check({ id: 'kantor', url });
    expect(proxied).toMatchObject({ status: 200, failure: null });
    expect(classify(proxied, classifyOptions())).toMatchObject({ state: 'up', cause: 'ok' });
    expect(office.requests.forwardedTo(`lpse.kantor.test:${portal.port}`)).toBe(1);
  });

  it('a portal only the proxy can resolve may redirect within its own host', async () => {
    const target = await createFakePortal({ slug: 'eproc4' });
    try {
      portal.setMode({ kind: 'redirect', location: `http://lpse.kantor.test:${target.port}/eproc4` });
      const result = await checkerWith({ proxyUrl: officeUrl }).check({ id: 'kantor', url: `http://lpse.kantor.test:${portal.port}/gresikkab` });
      expect(result).toMatchObject({ status: 200, failure: null, finalUrl: `http://lpse.kantor.test:${target.port}/eproc4` });
      expect(office.requests.forwardedTo(`lpse.kantor.test:${target.port}`)).toBe(1);
    } finally {
      await target.close();
    }
  });

  it("a portal's own proxy wins over check.proxyUrl; `direct` opts out; every other id (references) takes check.proxyUrl", async () => {
    const checker = checkerWith({ proxyUrl: officeUrl, portalProxyUrls: { rumah: home.url, langsung: DIRECT } });
    const [own, direct, reference] = await Promise.all([
      checker.check({ id: 'rumah', url: portal.urlFor('/rumah') }),
      checker.check({ id: 'langsung', url: portal.urlFor('/langsung') }),
      checker.check({ id: 'reference-0', url: tlsPortal.url }),
    ]);
    expect([own.status, direct.status]).toEqual([200, 200]);
    // The reference's certificate is not trusted here: it reached the portal through the office proxy all the same.
    expect(reference.failure?.kind).toBe('tls');
    expect(home.requests.list.map((r) => r.target)).toEqual([hostPort(portal.url)]);
    expect(office.requests.list.map((r) => r.target)).toEqual([hostPort(tlsPortal.url)]);
    expect(portal.requests.paths.sort()).toEqual(['/langsung', '/rumah']);
  });

  it('politeness still counts per portal origin, not per proxy', async () => {
    const other = await createFakePortal();
    try {
      const checker = checkerWith({ proxyUrl: home.url, maxRequestsPerSecondPerHost: 5 });
      const started = Date.now();
      const pending: Promise<CheckResult>[] = [];
      for (let i = 0; i < 6; i++) pending.push(checker.check({ id: `p${i}`, url: portal.urlFor(`/gresikkab/p${i}`) }));
      pending.push(checker.check({ id: 'other', url: other.url }));
      const results = await Promise.all(pending);
      expect(results.every((r) => r.status === 200)).toBe(true);
      // 5 a second to the portal's origin: the sixth starts about a second after the first...
      expect(results[5]!.startedAt - results[0]!.startedAt).toBeGreaterThanOrEqual(990);
      const times = portal.requests.list.map((r) => r.at);
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(800);
      // ... while the other origin, through the same proxy, did not queue behind it.
      expect(other.requests.list[0]!.at - started).toBeLessThan(700);
      expect(home.requests.forwardedTo(hostPort(other.url))).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('failures of the proxy itself', () => {
  type Case = { label: string; setup: () => Promise<{ checker: Checker; cleanup?: () => Promise<void> }>; code: string };
  const cases: Case[] = [
    { label: 'wrong credentials (407)', setup: async () => ({ checker: checkerWith({ proxyUrl: office.urlWith({ ...CREDENTIALS, password: `${CREDENTIALS.password}-old` }) }) }), code: 'PROXY_AUTH' },
    { label: 'no credentials where they are required (407)', setup: async () => ({ checker: checkerWith({ proxyUrl: office.url }) }), code: 'PROXY_AUTH' },
    {
      label: 'a proxy refusing everything (407)',
      setup: async () => {
        office.setMode('refuse');
        return { checker: checkerWith({ proxyUrl: officeUrl }) };
      },
      code: 'PROXY_AUTH',
    },
    {
      label: 'a bad gateway from the proxy (502)',
      setup: async () => {
        office.setMode('bad-gateway');
        return { checker: checkerWith({ proxyUrl: officeUrl }) };
      },
      code: 'PROXY_HTTP_502',
    },
    {
      label: 'a proxy that never answers (timeout)',
      setup: async () => {
        office.setMode('hang');
        return { checker: checkerWith({ proxyUrl: officeUrl }) };
      },
      code: 'PROXY_TIMEOUT',
    },
    {
      label: 'a proxy that is down (connection refused)',
      setup: async () => {
        const gone = await createFakeProxy({ auth: CREDENTIALS });
        const url = gone.urlWith(CREDENTIALS);
        await gone.close();
        return { checker: checkerWith({ proxyUrl: url }) };
      },
      code: 'PROXY_REFUSED',
    },
    {
      label: 'an https:// proxy whose certificate is not trusted',
      setup: async () => {
        const server = tls.createServer(createSelfSignedCert(), (socket) => socket.destroy());
        server.on('tlsClientError', () => undefined);
        await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
        const { port } = server.address() as AddressInfo;
        const checker = checkerWith({ proxyUrl: `https://${encodeURIComponent(CREDENTIALS.username)}:${encodeURIComponent(CREDENTIALS.password)}@localhost:${port}` });
        return { checker, cleanup: () => new Promise<void>((resolve) => server.close(() => resolve())) };
      },
      code: 'PROXY_TLS',
    },
  ];

  const seen: Array<{ result: CheckResult; classification: Classification }> = [];

  it.each(cases)('$label → a network-level proxy failure ($code), never the portal down', async ({ setup, code }) => {
    const { checker, cleanup } = await setup();
    const started = performance.now();
    const result = await checker.check({ id: 'gresikkab', url: portal.url });
    await cleanup?.();
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 500);
    expect(result).toMatchObject({ status: null, failure: { kind: 'network', code } });
    expect(isProxyFailure(result.failure)).toBe(true);
    // Offline detection counts it as the monitor's own network failing.
    expect(isNetworkFailure(result.failure)).toBe(true);
    expect(portal.requests.count).toBe(0);
    const classification = classify(result, classifyOptions());
    seen.push({ result, classification });
    expect(classification).toMatchObject({ state: 'blocked', cause: 'proxy_error', networkLevel: true, httpStatus: null });
    expect(classification.state).not.toBe('down');
    expect(classification.detail).toMatch(/proxy/i);
    expect(classification.detail).not.toContain('127.0.0.1');
  });

  it('a portal failing behind a working proxy is still the portal failing', async () => {
    portal.setMode({ kind: 'nginx', status: 502 });
    const result = await checkerWith({ proxyUrl: officeUrl }).check({ id: 'gresikkab', url: portal.url });
    expect(result).toMatchObject({ status: 502, failure: null });
    expect(classify(result, classifyOptions())).toMatchObject({ state: 'down', cause: 'nginx_error' });
    portal.setMode('hang');
    const hung = await checkerWith({ proxyUrl: officeUrl }).check({ id: 'gresikkab', url: portal.url });
    // The tunnel opened; the portal never answered: the portal's timeout, not the proxy's.
    expect(hung.failure).toMatchObject({ kind: 'timeout', code: 'TIMEOUT' });
    expect(isProxyFailure(hung.failure)).toBe(false);
  });

  it('a direct check failing is never taken for a proxy failure', async () => {
    const result = await checkerWith({}).check({ id: 'mati', url: 'http://127.0.0.1:1/gresikkab' });
    expect(result.failure?.kind).toBe('connect_refused');
    expect(isProxyFailure(result.failure)).toBe(false);
  });

  it("the proxy's password is in no result, classification or log line", async () => {
    // A few more outcomes to look through: a healthy check, a portal error, a redirect.
    const checker = checkerWith({ proxyUrl: officeUrl });
    const extra = [await checker.check({ id: 'gresikkab', url: portal.url })];
    portal.setMode({ kind: 'redirect', location: `${portal.origin}/elsewhere` });
    extra.push(await checker.check({ id: 'gresikkab', url: portal.url }));
    const all = [...seen, ...extra.map((result) => ({ result, classification: classify(result, classifyOptions()) }))];
    expect(all.length).toBeGreaterThanOrEqual(cases.length + 2);

    // A plain pino logger, nothing scrubbed: what the checker and classifier produce is clean by itself.
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const plain = pino({ level: 'debug' }, sink);
    for (const { result, classification } of all) {
      expectNoSecret(JSON.stringify(result));
      expectNoSecret(JSON.stringify(classification));
      plain.info({ portalId: result.portalId, failure: result.failure, classification }, classification.detail);
      if (result.failure) plain.warn({ err: Object.assign(new Error(result.failure.message), { code: result.failure.code }) }, 'check failed');
    }
    expect(lines.length).toBeGreaterThan(all.length);
    expectNoSecret(lines.join('\n'));

    // And the production logger, given proxySecrets (as main.ts does), scrubs a library that echoes the URL.
    const scrubbed: string[] = [];
    const logger = createLogger(
      { level: 'info', secrets: proxySecrets(officeUrl) },
      new Writable({
        write(chunk, _encoding, done) {
          scrubbed.push(String(chunk));
          done();
        },
      }),
    );
    logger.error({ proxy: officeUrl, header: `Basic ${PASSWORD_FORMS[2]}`, decoded: `${CREDENTIALS.username}:${CREDENTIALS.password}` }, `request via ${officeUrl} failed`);
    expect(scrubbed.join('\n')).toContain('[redacted]');
    expectNoSecret(scrubbed.join('\n'));
  });
});

describe('redirects through a proxy', () => {
  // 127.0.0.1 plays a public address here (as in checker.test.ts); the rest of the policy is real.
  const dnsTable: Record<string, string[]> = {
    'portal.test': ['127.0.0.1'],
    'intranet.test': ['10.0.0.7'],
    'metadata.test': ['169.254.169.254'],
    'router.test': ['192.168.1.1'],
    'v6-loopback.test': ['::1'],
  };
  const resolve = async (name: string): Promise<LookupAddress[]> => {
    const found = dnsTable[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const publicPolicy = (address: string) => address !== '127.0.0.1' && isForbiddenAddress(address);
  let proxy: FakeProxy;
  beforeAll(async () => {
    // The proxy would reach every one of them: only the monitor's own check stands in the way.
    const everywhere = ['portal.test', 'intranet.test', 'metadata.test', 'router.test', 'v6-loopback.test', 'unknown.test'];
    proxy = await createFakeProxy({ hosts: Object.fromEntries(everywhere.map((name) => [name, '127.0.0.1'])) });
  });
  afterAll(async () => {
    await proxy.close();
  });
  afterEach(() => proxy.requests.clear());
  const redirectTo = (location: string) => {
    portal.setMode({ kind: 'redirect', location });
    return checkerWith({ proxyUrl: proxy.url, resolve, isForbiddenAddress: publicPolicy }).check({ id: 'gresikkab', url: portal.url });
  };

  it('follows a redirect to a public name through the proxy', async () => {
    const target = await createFakePortal({ slug: 'gresikkab' });
    try {
      const result = await redirectTo(`http://portal.test:${target.port}/gresikkab`);
      expect(result).toMatchObject({ status: 200, failure: null, finalUrl: `http://portal.test:${target.port}/gresikkab` });
      expect(proxy.requests.forwardedTo(`portal.test:${target.port}`)).toBe(1);
    } finally {
      await target.close();
    }
  });

  it.each([
    ['a name resolving to a private address', 'http://intranet.test/', 'REDIRECT_PRIVATE', 'redirect_refused'],
    ['a name resolving to the metadata address', 'http://metadata.test/latest/meta-data/', 'REDIRECT_PRIVATE', 'redirect_refused'],
    ['an RFC 1918 literal', 'http://192.168.1.1/admin', 'REDIRECT_PRIVATE', 'redirect_refused'],
    ["a name on the proxy's LAN", 'http://router.test/admin', 'REDIRECT_PRIVATE', 'redirect_refused'],
    ['a name resolving to ::1', 'http://v6-loopback.test/', 'REDIRECT_PRIVATE', 'redirect_refused'],
    ['a name the monitor cannot resolve', 'http://unknown.test/', 'ENOTFOUND', 'dns'],
  ])('never asks the proxy for %s', async (_label, location, code, kind) => {
    const result = await redirectTo(location);
    expect(result.failure).toMatchObject({ kind, code });
    // Only the portal itself went through the proxy.
    expect(proxy.requests.list.map((r) => r.target)).toEqual([hostPort(portal.url)]);
  });
});

describe('stopping with a proxy that hangs', () => {
  it('close() aborts the checks and the tunnel requests at once', async () => {
    const stuck = await createFakeProxy({ mode: 'hang' });
    try {
      const checker = createChecker(options({ proxyUrl: stuck.url, timeoutMs: 20_000 }));
      const pending = [0, 1, 2].map((i) => checker.check({ id: `c${i}`, url: portal.urlFor(`/gresikkab/c${i}`) }));
      const since = Date.now();
      while (stuck.requests.count < 1 && Date.now() - since < 2000) await new Promise((resolve) => setTimeout(resolve, 10));
      const t0 = performance.now();
      await checker.close();
      const results = await Promise.all(pending);
      expect(performance.now() - t0).toBeLessThan(500);
      expect(results.map((r) => r.failure?.kind)).toEqual(['aborted', 'aborted', 'aborted']);
    } finally {
      await stuck.close();
    }
  });
});

describe('the monitor with a broken proxy', () => {
  let app: App | null = null;
  afterEach(async () => {
    await app?.stop();
    app = null;
  });
  const yaml = (proxyUrl: string, references: string[]) =>
    [
      'check:',
      '  failuresToDown: 1',
      '  successesToUp: 1',
      '  timeoutSeconds: 2',
      `  proxyUrl: "${proxyUrl}"`,
      `  referenceUrls: ${JSON.stringify(references)}`,
      'portals:',
      `  - { id: gresikkab, name: Gresik, url: "${portal.url}" }`,
      `  - { id: sidoarjo, name: Sidoarjo, url: "${portal.urlFor('/sidoarjo')}" }`,
    ].join('\n');

  it('never opens an outage on the word of a refusing proxy', async () => {
    office.setMode('refuse');
    app = await startApp(yaml(officeUrl, []), {});
    for (let i = 0; i < 3; i++) {
      const report = await cycle(app);
      expect(report.transitions.filter((t) => t.kind === 'down')).toEqual([]);
    }
    expect(app.monitor.status('gresikkab')).toMatchObject({ state: 'blocked', cause: 'proxy_error', openIncident: null });
    expectNoSecret(JSON.stringify([...app.monitor.statuses().values()]));
    // The proxy recovers: the portal is up, and nothing was ever announced as an outage.
    office.setMode('forward');
    const report = await cycle(app);
    expect(report.transitions.every((t) => t.kind !== 'down' && t.kind !== 'up')).toBe(true);
    expect(app.monitor.status('gresikkab')).toMatchObject({ state: 'up' });
  });

  it("routes each configured portal as its proxyUrl says, and the password reaches neither the portals nor /api/portals", async () => {
    const config = [
      'check:',
      '  failuresToDown: 1',
      '  successesToUp: 1',
      '  timeoutSeconds: 2',
      `  proxyUrl: "${home.url}"`,
      'portals:',
      `  - { id: lewat-rumah, name: Rumah, url: "${portal.urlFor('/rumah')}" }`,
      `  - { id: lewat-kantor, name: Kantor, url: "${portal.urlFor('/kantor')}", proxyUrl: "${officeUrl}" }`,
      `  - { id: langsung, name: Langsung, url: "${portal.urlFor('/langsung')}", proxyUrl: direct }`,
    ].join('\n');
    app = await startApp(config, {});
    await cycle(app);
    expect(home.requests.forwardedTo(hostPort(portal.url))).toBe(1);
    expect(office.requests.forwardedTo(hostPort(portal.url))).toBe(1);
    expect(portal.requests.paths.sort()).toEqual(['/kantor', '/langsung', '/rumah']);
    for (const id of ['lewat-rumah', 'lewat-kantor', 'langsung']) expect(app.monitor.status(id)).toMatchObject({ state: 'up' });
    expectNoSecret(JSON.stringify(app.catalog.all()));
    const api = await fetch(`http://127.0.0.1:${app.port()}/api/portals`);
    expect(api.status).toBe(200);
    expectNoSecret(await api.text());
  });

  it('the reference addresses go through the proxy too: a dead proxy is the monitor offline', async () => {
    office.setMode('bad-gateway');
    app = await startApp(yaml(officeUrl, [portal.urlFor('/generate_204')]), {});
    const report = await cycle(app);
    expect(report.offline).toBe(true);
    expect(report.transitions).toEqual([]);
    expect(office.requests.to(hostPort(portal.url))).toBeGreaterThanOrEqual(3);
  });
});
