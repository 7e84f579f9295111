import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FARM_MIX,
  cloudflareChallengePage,
  cloudflareOriginErrorPage,
  createFakePortal,
  createFakePortalFarm,
  createRefusedPort,
  createSelfSignedCert,
  f5BotChallengePage,
  f5RejectedPage,
  maintenancePage,
  nginxErrorPage,
  spseAccessDeniedPage,
  spseErrorPage,
  spseHomePage,
  spseNotFoundPage,
  type FakePortal,
} from './fake-portal.js';

const agent = new Agent({ keepAliveTimeout: 2_000 });
let portal: FakePortal;

async function get(url: string, opts: { headers?: Record<string, string>; method?: 'GET' | 'HEAD' | 'POST' } = {}) {
  const res = await request(url, { dispatcher: agent, method: opts.method ?? 'GET', headers: opts.headers ?? {} });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

const SPSE_MARKERS = [
  '<title>LPSE Kabupaten Gresik</title>',
  'Untuk tampilan Aplikasi SPSE yang lebih baik, harap aktifkan fitur javascript pada browser anda',
  'SPSE v4.5u20221227',
  'Lembaga Kebijakan Pengadaan Barang/Jasa Pemerintah (LKPP)',
];

beforeAll(async () => {
  portal = await createFakePortal();
});
afterEach(() => {
  portal.setMode('healthy');
});
afterAll(async () => {
  await portal.close();
  await agent.close();
});

describe('createFakePortal modes', () => {
  it('healthy: a ~20 KB SPSE 4.5 home page with a session cookie and authenticityToken', async () => {
    expect(portal.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gresikkab$/);
    expect(portal.url.startsWith(portal.origin)).toBe(true);
    const r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(String(r.headers['set-cookie'])).toMatch(/^SPSE_SESSION=/);
    for (const m of SPSE_MARKERS) expect(r.body).toContain(m);
    expect(r.body).toMatch(/authenticityToken = '[0-9a-f]{40}'/);
    expect(r.body).toContain('<td class="table-hps">Rp. ');
    expect(Buffer.byteLength(r.body)).toBe(20_480);
    expect(r.body).toBe(spseHomePage());
  });

  it('healthy: size and name are configurable; the SPSE time probe answers', async () => {
    portal.setMode({ kind: 'healthy', bytes: 50_000, name: 'LPSE Kota Surabaya' });
    const r = await get(portal.url);
    expect(Buffer.byteLength(r.body)).toBe(50_000);
    expect(r.body).toContain('<title>LPSE Kota Surabaya</title>');
    const t = await get(portal.urlFor('/eproc4/json/getservertime'));
    expect(Math.abs(Number(t.body) - Date.now())).toBeLessThan(5_000);
  });

  it('spse-error: 500 with "Kode Error : <code>" by default; 200 and "Kode Error:" on request', async () => {
    portal.setMode('spse-error');
    let r = await get(portal.url);
    expect(r.status).toBe(500);
    expect(r.body).toContain('Maaf, terjadi error pada aplikasi SPSE');
    expect(r.body).toContain('Terjadi Kesalahan');
    expect(r.body).toMatch(/Kode Error : <b>81kep4jo9<\/b>/);
    expect(r.body).toBe(spseErrorPage('81kep4jo9', true));

    portal.setMode({ kind: 'spse-error', status: 200, code: '7n3x1q2zk', spaceBeforeColon: false });
    r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('Kode Error: <b>7n3x1q2zk</b>');
  });

  it('nginx: 502, 503, 504 with the standard pages', async () => {
    const titles: Record<number, string> = {
      502: '502 Bad Gateway',
      503: '503 Service Temporarily Unavailable',
      504: '504 Gateway Time-out',
    };
    for (const status of [502, 503, 504]) {
      portal.setMode({ kind: 'nginx', status });
      const r = await get(portal.url);
      expect(r.status).toBe(status);
      expect(r.headers['server']).toBe('nginx');
      expect(r.body).toContain(`<title>${titles[status]}</title>`);
      expect(r.body).toContain(`<center><h1>${titles[status]}</h1></center>`);
      expect(r.body).toContain('<hr><center>nginx</center>');
      expect(r.body).toBe(nginxErrorPage(status));
    }
    portal.setMode('nginx');
    expect((await get(portal.url)).status).toBe(502);
  });

  it('status: any status with a plain body and extra headers', async () => {
    portal.setMode({ kind: 'status', status: 418, headers: { 'x-test': 'yes' } });
    const r = await get(portal.url);
    expect(r.status).toBe(418);
    expect(r.headers['x-test']).toBe('yes');
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('418');
  });

  it('cloudflare: 403 challenge with cf-mitigated; cloudflare-429 rate limit', async () => {
    portal.setMode('cloudflare');
    let r = await get(portal.url);
    expect(r.status).toBe(403);
    expect(r.headers['cf-mitigated']).toBe('challenge');
    expect(r.headers['server']).toBe('cloudflare');
    expect(r.headers['cf-ray']).toBeTruthy();
    expect(r.body).toContain('<title>Just a moment...</title>');
    expect(cloudflareChallengePage()).toContain('Just a moment...');

    portal.setMode('cloudflare-429');
    r = await get(portal.url);
    expect(r.status).toBe(429);
    expect(r.headers['server']).toBe('cloudflare');
    expect(r.headers['cf-mitigated']).toBeUndefined();
    expect(r.body).toContain('You are being rate limited');
  });

  it('cloudflare-origin: Cloudflare\'s own 520–526 pages with server: cloudflare, cf-ray and a Ray ID', async () => {
    const titles: Record<number, string> = {
      520: 'Web server is returning an unknown error',
      521: 'Web server is down',
      522: 'Connection timed out',
      523: 'Origin is unreachable',
      524: 'A timeout occurred',
      525: 'SSL handshake failed',
      526: 'Invalid SSL certificate',
    };
    for (const status of [520, 521, 522, 523, 524, 525, 526]) {
      portal.setMode({ kind: 'cloudflare-origin', status });
      const r = await get(portal.url);
      expect(r.status).toBe(status);
      expect(r.headers['server']).toBe('cloudflare');
      expect(String(r.headers['cf-ray'])).toMatch(/^[0-9a-f]{16}-CGK$/);
      expect(r.body).toContain(`<title>spse.inaproc.id | ${status}: ${titles[status]}</title>`);
      expect(r.body).toContain(`Error code ${status}`);
      expect(r.body).toContain(`Cloudflare Ray ID: <strong class="font-semibold">${String(r.headers['cf-ray'])}</strong>`);
      expect(r.body).toBe(cloudflareOriginErrorPage(status, 'spse.inaproc.id', String(r.headers['cf-ray'])));
      expect(r.body).not.toMatch(/SPSE v4|LKPP|Kode Error/);
    }
    portal.setMode('cloudflare-origin');
    expect((await get(portal.url)).status).toBe(522);
  });

  it('access-denied: SPSE\'s 403 "Akses Ditolak!" inside the SPSE layout', async () => {
    portal.setMode('access-denied');
    const r = await get(portal.url);
    expect(r.status).toBe(403);
    expect(r.body).toContain('Akses Ditolak!');
    expect(r.body).toContain('<title>Akses Ditolak | LPSE Kabupaten Gresik</title>');
    expect(r.body).toContain('SPSE v4.5u20221227');
    expect(String(r.headers['set-cookie'])).toMatch(/^SPSE_SESSION=/);
    expect(r.body).toBe(spseAccessDeniedPage());
  });

  it('waf-rejected: F5 ASM\'s block page with a support ID, HTTP 200 by default', async () => {
    portal.setMode('waf-rejected');
    let r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Request Rejected</title>');
    expect(r.body).toContain('The requested URL was rejected. Please consult with your administrator.');
    expect(r.body).toMatch(/Your support ID is: \d{19,20}</);
    expect(r.body).not.toMatch(/SPSE|LKPP/);
    expect(f5RejectedPage('123')).toContain('Your support ID is: 123<br>');
    portal.setMode({ kind: 'waf-rejected', status: 403 });
    r = await get(portal.url);
    expect(r.status).toBe(403);
    expect(r.body).toContain('The requested URL was rejected');
  });

  it('bot-challenge: F5 TSPD bootstrap (bobcmn, /TSPD/ script, noscript text), HTTP 200', async () => {
    portal.setMode('bot-challenge');
    const r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('window["bobcmn"]');
    expect(r.body).toMatch(/<script type="text\/javascript" src="\/TSPD\/[0-9a-f]+\?type=9"><\/script>/);
    expect(r.body).toContain('<noscript>Please enable JavaScript to view the page content.');
    expect(r.body).not.toMatch(/SPSE|LKPP|<title>/);
    expect(String(r.headers['set-cookie'])).toMatch(/^TS01[0-9a-f]+=/);
    expect(r.body).toBe(f5BotChallengePage());
  });

  it('not-found: 404 (or 200) with SPSE\'s not-found text', async () => {
    portal.setMode('not-found');
    let r = await get(portal.url);
    expect(r.status).toBe(404);
    expect(r.body).toContain('Halaman yang dituju tidak ditemukan');
    expect(r.body).toBe(spseNotFoundPage());
    portal.setMode({ kind: 'not-found', status: 200 });
    r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('Halaman yang dituju tidak ditemukan');
  });

  it('maintenance: 503 with Retry-After (or 200)', async () => {
    portal.setMode('maintenance');
    let r = await get(portal.url);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('3600');
    expect(r.body).toContain('Sedang Maintenance');
    expect(r.body).toContain('Mohon maaf, LPSE sedang dalam pemeliharaan (maintenance)');
    expect(r.body).toBe(maintenancePage());
    portal.setMode({ kind: 'maintenance', status: 200 });
    r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('Sedang Maintenance');
  });

  it('unexpected: a 200 page without SPSE markers', async () => {
    for (const variant of ['nginx-welcome', 'apache-default', 'parked'] as const) {
      portal.setMode({ kind: 'unexpected', variant });
      const r = await get(portal.url);
      expect(r.status).toBe(200);
      expect(r.body).not.toMatch(/SPSE|LKPP|aktifkan fitur javascript|Kode Error/);
    }
    portal.setMode('unexpected');
    expect((await get(portal.url)).body).toContain('Welcome to nginx!');
  });

  it('slow: healthy after delayMs', async () => {
    portal.setMode({ kind: 'slow', delayMs: 200 });
    const t0 = performance.now();
    const r = await get(portal.url);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(r.status).toBe(200);
    expect(r.body).toContain('SPSE v4.5u20221227');
  });

  it('redirect-loop: 302 to itself; redirect: 302 to the given URL', async () => {
    portal.setMode('redirect-loop');
    let r = await get(portal.url);
    expect(r.status).toBe(302);
    expect(r.headers['location']).toBe(portal.url);
    r = await get(String(r.headers['location']));
    expect(r.headers['location']).toBe(portal.url);

    portal.setMode({ kind: 'redirect', location: 'https://spse.inaproc.id/gresikkab', status: 301 });
    r = await get(portal.url);
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe('https://spse.inaproc.id/gresikkab');
  });

  it('transition-page: links and refreshes to spse.inaproc.id', async () => {
    portal.setMode('transition-page');
    let r = await get(portal.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('url=https://spse.inaproc.id/gresikkab');
    expect(r.body).toContain('href="https://spse.inaproc.id/gresikkab"');
    portal.setMode({ kind: 'transition-page', status: 302 });
    r = await get(portal.url);
    expect(r.status).toBe(302);
    expect(r.headers['location']).toBe('https://spse.inaproc.id/gresikkab');
  });

  it('reset: ECONNRESET (RST) by default, a plain close on request', async () => {
    portal.setMode('reset');
    await expect(request(portal.url, { dispatcher: agent })).rejects.toMatchObject({ code: 'ECONNRESET' });
    portal.setMode({ kind: 'reset', how: 'close' });
    await expect(request(portal.url, { dispatcher: agent })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    portal.setMode('healthy');
    expect((await get(portal.url)).status).toBe(200);
  });

  it('records requests: count, methods, paths, user agents', async () => {
    portal.requests.clear();
    await get(portal.urlFor('/gresikkab/lelang?tahun=2023'), { headers: { 'user-agent': 'pantau-lpse-test/1' } });
    await get(portal.urlFor('dt/lelang'), { method: 'POST' });
    await get(portal.url, { method: 'HEAD' });
    expect(portal.requests.count).toBe(3);
    expect(portal.requests.paths).toEqual(['/gresikkab/lelang?tahun=2023', '/gresikkab/dt/lelang', '/gresikkab']);
    expect(portal.requests.list.map((r) => r.method)).toEqual(['GET', 'POST', 'HEAD']);
    expect(portal.requests.userAgents[0]).toBe('pantau-lpse-test/1');
    expect(portal.requests.list[0]?.mode).toBe('healthy');
  });
});

describe('stalling and huge answers', () => {
  it('hang: no answer within 300 ms, and close() still returns promptly', async () => {
    const p = await createFakePortal({ mode: 'hang' });
    const pending = request(p.url, { dispatcher: agent }).then(
      () => 'answered',
      () => 'failed',
    );
    const first = await Promise.race([pending, new Promise((r) => setTimeout(() => r('timeout'), 300))]);
    expect(first).toBe('timeout');
    expect(p.requests.count).toBe(1);
    const t0 = performance.now();
    await p.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBe('failed');
  });

  it('hang-body: headers and part of the body, then nothing', async () => {
    const p = await createFakePortal({ mode: { kind: 'hang-body', bytes: 1000 } });
    try {
      const res = await request(p.url, { dispatcher: agent, bodyTimeout: 300 });
      expect(res.statusCode).toBe(200);
      expect(Number(res.headers['content-length'])).toBe(20_480);
      let got = 0;
      const read = (async () => {
        for await (const chunk of res.body) got += (chunk as Buffer).length;
      })();
      await expect(read).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
      expect(got).toBe(1000);
    } finally {
      const t0 = performance.now();
      await p.close();
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });

  it('huge: streams far more than 10 MB without buffering it', async () => {
    const p = await createFakePortal({ mode: 'huge' });
    try {
      const before = process.memoryUsage();
      const ac = new AbortController();
      const res = await request(p.url, { dispatcher: agent, signal: ac.signal });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-length']).toBeUndefined();
      let got = 0;
      await expect(
        (async () => {
          for await (const chunk of res.body) {
            got += (chunk as Buffer).length;
            if (got > 10 * 1024 * 1024) ac.abort();
          }
        })(),
      ).rejects.toThrow();
      expect(got).toBeGreaterThan(10 * 1024 * 1024);
      expect(got).toBeLessThan(50 * 1024 * 1024);
      const after = process.memoryUsage();
      // Server and client share this process: a 50 MB body rendered up front would show here
      // (the ~10 MB of chunks the client read are garbage not yet collected, hence the margin).
      expect(after.rss - before.rss).toBeLessThan(40 * 1024 * 1024);
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(40 * 1024 * 1024);
    } finally {
      const t0 = performance.now();
      await p.close();
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });

  it('huge: exact size, with Content-Length on request', async () => {
    const p = await createFakePortal({ mode: { kind: 'huge', bytes: 1_000_003, contentLength: true } });
    try {
      const res = await request(p.url, { dispatcher: agent });
      expect(res.headers['content-length']).toBe('1000003');
      expect((await res.body.arrayBuffer()).byteLength).toBe(1_000_003);
    } finally {
      await p.close();
    }
  });
});

describe('network failures and TLS', () => {
  it('refused port: ECONNREFUSED', async () => {
    const { url } = await createRefusedPort();
    await expect(request(url, { dispatcher: agent })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('self-signed TLS: fails verification by default, succeeds with the cert as ca', async () => {
    const p = await createFakePortal({ tls: 'self-signed' });
    const trusting = new Agent({ connect: { ca: p.cert ?? '' } });
    try {
      expect(p.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/gresikkab$/);
      await expect(request(p.url, { dispatcher: agent })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      const res = await request(p.url, { dispatcher: trusting });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toContain('SPSE v4.5u20221227');
      p.setMode('reset');
      await expect(request(p.url, { dispatcher: trusting })).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      await trusting.close();
      await p.close();
    }
  });

  it('createSelfSignedCert: a certificate that expires in N days, served by the portal', async () => {
    const cert = createSelfSignedCert({ days: 3, commonName: 'lpse.test' });
    const x = new X509Certificate(cert.cert);
    const expiresIn = Date.parse(x.validTo) - Date.now();
    expect(expiresIn).toBeGreaterThan(3 * 86_400_000 - 120_000);
    expect(expiresIn).toBeLessThan(3 * 86_400_000 + 120_000);
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.subjectAltName).toContain('DNS:localhost');

    const p = await createFakePortal({ tls: cert });
    try {
      const validTo = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: p.port, ca: cert.cert }, () => {
          resolve(s.getPeerCertificate().valid_to);
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(Date.parse(validTo)).toBe(Date.parse(x.validTo));
    } finally {
      await p.close();
    }
  });
});

describe('createFakePortalFarm', () => {
  it('serves portals on several hosts with modes in the mix proportions', async () => {
    const farm = await createFakePortalFarm({ hosts: 2, portalsPerHost: 10, mix: DEFAULT_FARM_MIX, seed: 7 });
    try {
      expect(farm.portals).toHaveLength(20);
      expect(new Set(farm.origins).size).toBe(2);
      expect(farm.portals[0]?.id).toBe('p0001');
      expect(farm.portals[0]?.url).toBe(`${farm.origins[0]}/p0001`);
      expect(farm.portals[19]?.url).toBe(`${farm.origins[1]}/p0020`);
      const kinds = farm.portals.map((x) => x.mode.kind);
      expect(kinds.filter((k) => k === 'healthy')).toHaveLength(18);
      expect(kinds.filter((k) => k === 'hang')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'spse-error')).toHaveLength(1);

      const healthy = farm.portals.find((x) => x.mode.kind === 'healthy');
      const failing = farm.portals.find((x) => x.mode.kind === 'spse-error');
      const hanging = farm.portals.find((x) => x.mode.kind === 'hang');
      if (!healthy || !failing || !hanging) throw new Error('mix not applied');
      let r = await get(healthy.url);
      expect(r.status).toBe(200);
      expect(Buffer.byteLength(r.body)).toBe(20_480);
      r = await get(`${failing.url}/lelang?x=1`);
      expect(r.status).toBe(500);
      expect(r.body).toContain('Kode Error');
      r = await get(`${farm.origins[0]}/nope`);
      expect(r.status).toBe(404);
      farm.setMode(healthy.id, { kind: 'nginx', status: 504 });
      expect((await get(healthy.url)).status).toBe(504);
      expect(farm.requests.byPortal(healthy.id)).toBe(2);

      void request(hanging.url, { dispatcher: agent }).catch(() => {});
      await new Promise((res) => setTimeout(res, 50));
    } finally {
      const t0 = performance.now();
      await farm.close();
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });

  it('answers 1,000 portals concurrently', async () => {
    const farm = await createFakePortalFarm({
      hosts: 4,
      portalsPerHost: 250,
      mix: [
        { weight: 95, mode: { kind: 'healthy', delayMs: { min: 5, max: 50 } } },
        { weight: 5, mode: 'spse-error' },
      ],
    });
    const client = new Agent({ connections: 256 });
    try {
      const t0 = performance.now();
      const statuses = await Promise.all(
        farm.portals.map(async (x) => {
          const res = await request(x.url, { dispatcher: client });
          await res.body.arrayBuffer();
          return res.statusCode;
        }),
      );
      const elapsed = performance.now() - t0;
      expect(statuses.filter((s) => s === 200)).toHaveLength(950);
      expect(statuses.filter((s) => s === 500)).toHaveLength(50);
      expect(farm.requests.count).toBe(1000);
      expect(elapsed).toBeLessThan(10_000); // generous: CI machines are shared
    } finally {
      await client.close();
      await farm.close();
    }
  });
});
