import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenderHttp } from '../../../src/core/tenders/http.js';
import { createFakePortal, type FakePortal } from '../../fakes/fake-portal.js';

let portal: FakePortal;
const http = createTenderHttp({ timeoutMs: 500, maxBodyBytes: 50_000, maxRedirects: 2, userAgent: 'Mozilla/5.0 pantau-lpse-test' });
// A monitor for which 127.0.0.1 counts as a public address and 10.0.0.0/8 as private: the fake
// stands in for a portal on the internet that redirects into the monitor's own network.
const strict = createTenderHttp({
  timeoutMs: 500,
  maxBodyBytes: 50_000,
  maxRedirects: 2,
  userAgent: 'test',
  isForbiddenAddress: (address) => address.startsWith('10.'),
  resolve: async () => [{ address: '127.0.0.1', family: 4 }],
});

beforeAll(async () => {
  portal = await createFakePortal();
});
afterAll(async () => {
  await http.close();
  await strict.close();
  await portal.close();
});

describe('tender HTTP, as safe as the checker', () => {
  it('answers with the status, the kept headers and the body', async () => {
    portal.setMode('healthy');
    const response = await http.fetch({ url: portal.url, method: 'GET' });
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toContain('SPSE_SESSION=');
    expect(response.body).toContain('<title>');
    expect(response.failure).toBeNull();
    expect(portal.requests.list.at(-1)!.userAgent).toBe('Mozilla/5.0 pantau-lpse-test');
  });

  it('cuts the body at the cap and says so', async () => {
    portal.setMode({ kind: 'huge', bytes: 10_000_000 });
    const response = await http.fetch({ url: portal.url, method: 'GET' });
    expect(response.bodyTruncated).toBe(true);
    expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(50_000);
  });

  it('gives up at its deadline when a portal never answers', async () => {
    portal.setMode('hang');
    const t0 = performance.now();
    const response = await http.fetch({ url: portal.url, method: 'GET' });
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(response.failure).toEqual({ kind: 'timeout', code: 'TIMEOUT' });
  });

  it('follows a bounded number of redirects', async () => {
    portal.setMode('redirect-loop');
    expect((await http.fetch({ url: portal.url, method: 'GET' })).failure?.kind).toBe('too_many_redirects');
  });

  it('refuses a redirect to a private address', async () => {
    portal.setMode({ kind: 'redirect', location: 'http://10.0.0.5/eproc4/lelang' });
    const response = await strict.fetch({ url: portal.url, method: 'GET' });
    expect(response.failure).toEqual({ kind: 'redirect_refused', code: 'REDIRECT_PRIVATE' });
  });

  it('resolves a request aborted by the collector as aborted, never rejects', async () => {
    portal.setMode('hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const response = await http.fetch({ url: portal.url, method: 'GET', signal: controller.signal });
    expect(response.failure?.kind).toBe('aborted');
  });

  it('turns a redirected POST into a GET, as browsers do', async () => {
    portal.setMode({ kind: 'redirect', location: `${portal.url}/login`, status: 302 });
    portal.requests.clear();
    await http.fetch({ url: `${portal.url}/dt/lelang`, method: 'POST', body: 'a=1' });
    expect(portal.requests.list.map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
  });
});
