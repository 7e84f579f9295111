import http from 'node:http';
import net from 'node:net';
import { ProxyAgent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakePortal, type FakePortal } from './fake-portal.js';
import { createFakeProxy, type FakeProxy } from './fake-proxy.js';

/** One absolute-form request to the proxy, as a plain HTTP client sends it (no tunnel). */
function absolute(proxy: FakeProxy, target: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'GET', path: target, headers: { host: new URL(target).host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** A GET through the proxy with undici's ProxyAgent (CONNECT tunnel, as the checker does). */
async function tunnelled(proxyUrl: string, target: string, ca?: string) {
  const agent = new ProxyAgent({ uri: proxyUrl, proxyTunnel: true, ...(ca ? { requestTls: { ca } } : {}) });
  try {
    const res = await request(target, { dispatcher: agent, signal: AbortSignal.timeout(2000) });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    // close() would wait for a tunnel request the proxy never answers (undici's 300 s headersTimeout).
    await agent.destroy();
  }
}

/** A bare CONNECT: the proxy's status line, or `silence` when nothing came within `timeoutMs`. */
function rawConnect(proxy: FakeProxy, target: string, timeoutMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('silence');
    }, timeoutMs);
    socket.once('connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(String(chunk).split('\r\n')[0]!);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('createFakeProxy', () => {
  let portal: FakePortal;
  let tlsPortal: FakePortal;
  let proxy: FakeProxy;
  beforeAll(async () => {
    portal = await createFakePortal();
    tlsPortal = await createFakePortal({ tls: 'self-signed' });
  });
  afterEach(async () => {
    await proxy?.close();
  });
  afterAll(async () => {
    await Promise.all([portal.close(), tlsPortal.close()]);
  });
  const target = (p: FakePortal) => `127.0.0.1:${p.port}`;

  it('forwards absolute-form requests and counts them per target', async () => {
    proxy = await createFakeProxy();
    const answer = await absolute(proxy, portal.url);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('LPSE Kabupaten Gresik');
    expect(proxy.requests.to(target(portal))).toBe(1);
    expect(proxy.requests.forwardedTo(target(portal))).toBe(1);
    expect(proxy.requests.list[0]).toMatchObject({ method: 'GET', url: portal.url, outcome: 'forwarded', proxyAuthorization: null });
    // The portal got the path, not the absolute URL, and no proxy headers.
    expect(portal.requests.list.at(-1)?.path).toBe('/gresikkab');
  });

  it('opens CONNECT tunnels, to https and http portals alike', async () => {
    proxy = await createFakeProxy();
    expect(await tunnelled(proxy.url, tlsPortal.url, tlsPortal.cert!)).toMatchObject({ status: 200 });
    expect(await tunnelled(proxy.url, portal.url)).toMatchObject({ status: 200 });
    expect(proxy.requests.list.map((r) => [r.method, r.target, r.outcome])).toEqual([
      ['CONNECT', target(tlsPortal), 'forwarded'],
      ['CONNECT', target(portal), 'forwarded'],
    ]);
  });

  it('requires Basic credentials when configured: 407 without or with wrong ones', async () => {
    proxy = await createFakeProxy({ auth: { username: 'kantor', password: 's3cret:pass@word' } });
    const none = await absolute(proxy, portal.url);
    expect(none.status).toBe(407);
    expect(none.headers['proxy-authenticate']).toContain('Basic');
    expect((await absolute(proxy, portal.url, { 'proxy-authorization': basic('kantor', 'wrong') })).status).toBe(407);
    expect((await absolute(proxy, portal.url, { 'proxy-authorization': basic('kantor', 's3cret:pass@word') })).status).toBe(200);
    // Tunnels too; urlWith percent-encodes what a URL needs, undici decodes it.
    await expect(tunnelled(proxy.url, portal.url)).rejects.toThrow();
    expect(await tunnelled(proxy.urlWith({ username: 'kantor', password: 's3cret:pass@word' }), portal.url)).toMatchObject({ status: 200 });
    expect(proxy.requests.list.map((r) => r.outcome)).toEqual(['auth-required', 'auth-required', 'forwarded', 'auth-required', 'forwarded']);
  });

  it('refuse: 407 whatever the credentials; bad-gateway: 502; back to forward', async () => {
    proxy = await createFakeProxy();
    proxy.setMode('refuse');
    expect((await absolute(proxy, portal.url)).status).toBe(407);
    await expect(tunnelled(proxy.url, portal.url)).rejects.toThrow(/407/);
    proxy.setMode('bad-gateway');
    expect((await absolute(proxy, portal.url)).status).toBe(502);
    await expect(tunnelled(proxy.url, portal.url)).rejects.toThrow(/502/);
    expect(await rawConnect(proxy, target(portal))).toBe('HTTP/1.1 502 Bad Gateway');
    proxy.setMode('forward');
    expect((await absolute(proxy, portal.url)).status).toBe(200);
    expect(proxy.requests.to(target(portal))).toBe(6);
    expect(proxy.requests.forwardedTo(target(portal))).toBe(1);
  });

  it('hang: accepts and never answers, until closed', async () => {
    proxy = await createFakeProxy({ mode: 'hang' });
    await expect(absolute(proxy, portal.url, {}, 300)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await rawConnect(proxy, target(portal))).toBe('silence');
    expect(proxy.requests.list.map((r) => r.outcome)).toEqual(['hang', 'hang']);
    expect(proxy.openConnections).toBeGreaterThan(0);
    await proxy.close();
    expect(proxy.openConnections).toBe(0);
    proxy.setMode('forward');
    await expect(rawConnect(proxy, target(portal))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('answers 502 when the target cannot be reached; names only it resolves reach their address', async () => {
    proxy = await createFakeProxy({ hosts: { 'lpse.intranet.test': '127.0.0.1' } });
    expect((await absolute(proxy, 'http://127.0.0.1:1/x')).status).toBe(502);
    await expect(tunnelled(proxy.url, 'http://127.0.0.1:1/x')).rejects.toThrow(/502/);
    expect(proxy.requests.list.map((r) => r.outcome)).toEqual(['unreachable', 'unreachable']);
    const named = `http://lpse.intranet.test:${portal.port}/gresikkab`;
    expect((await absolute(proxy, named)).status).toBe(200);
    expect(await tunnelled(proxy.url, named)).toMatchObject({ status: 200 });
    expect(proxy.requests.forwardedTo(`lpse.intranet.test:${portal.port}`)).toBe(2);
  });

  it('closed: the port refuses connections', async () => {
    proxy = await createFakeProxy();
    await proxy.close();
    await expect(absolute(proxy, portal.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(tunnelled(proxy.url, portal.url)).rejects.toThrow();
    expect(proxy.openConnections).toBe(0);
  });
});
