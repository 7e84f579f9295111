import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeSpse, fakePackages, spseDate, stageTextAt, type FakeSpse } from './fake-spse.js';

const NOW = Date.UTC(2026, 1, 10, 3, 0);
const DAY = 86_400_000;
let spse: FakeSpse;
let now = NOW;

beforeAll(async () => {
  spse = await createFakeSpse({
    now: () => now,
    portals: [
      {
        slug: 'gresikkab',
        name: 'LPSE Kabupaten Gresik',
        packages: [...fakePackages({ count: 150, kind: 'tender', from: NOW - 20 * DAY, to: NOW }), ...fakePackages({ count: 5, kind: 'nontender', from: NOW - DAY, to: NOW })],
      },
      { slug: 'surabayakota', packages: [] },
    ],
  });
});
afterEach(() => {
  now = NOW;
  for (const endpoint of ['lelang', 'dt-lelang', 'dt-pl', 'jadwal-lelang'] as const) spse.fail('gresikkab', endpoint, null);
  spse.requests.clear();
});
afterAll(() => spse.close());

/** A session as a browser gets one: the /lelang page's token and cookie. */
async function session(slug = 'gresikkab') {
  const response = await fetch(`${spse.urlOf(slug)}/lelang`);
  const page = await response.text();
  const token = /authenticityToken = '([0-9a-f]{40})'/.exec(page)?.[1] ?? null;
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { token, cookie };
}

async function list(path: 'dt/lelang' | 'dt/pl', form: Record<string, string>, headers: Record<string, string>) {
  return fetch(`${spse.urlOf('gresikkab')}/${path}?tahun=2026`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

describe('fake SPSE', () => {
  it('serves a healthy home page and a list page with a token and an SPSE_SESSION cookie', async () => {
    const home = await fetch(spse.urlOf('gresikkab'));
    expect(await home.text()).toContain('<title>LPSE Kabupaten Gresik</title>');
    const { token, cookie } = await session();
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    expect(cookie).toContain(`___AT=${token}`);
  });

  it('answers DataTables JSON ordered by kode, paged, with the sentinel totals', async () => {
    const { token, cookie } = await session();
    const referer = `${spse.urlOf('gresikkab')}/lelang`;
    const page = async (start: number) => {
      const response = await list('dt/lelang', { draw: '1', start: String(start), length: '100', 'order[0][column]': '0', 'order[0][dir]': 'asc', authenticityToken: token! }, { cookie, referer });
      return (await response.json()) as { recordsTotal: number; data: unknown[][] };
    };
    const first = await page(0);
    const second = await page(100);
    expect(first.recordsTotal).toBe(2147483647);
    expect(first.data).toHaveLength(100);
    expect(second.data).toHaveLength(50);
    expect(first.data[0]).toHaveLength(16);
    const kodes = [...first.data, ...second.data].map((row) => Number(row[0]));
    expect(kodes).toEqual([...kodes].sort((a, b) => a - b));
    const pl = (await (await list('dt/pl', { start: '0', length: '100', authenticityToken: token! }, { cookie, referer })).json()) as { data: unknown[][] };
    expect(pl.data).toHaveLength(5);
    expect(pl.data[0]).toHaveLength(12);
  });

  it('refuses lists without a Referer (403 Akses Ditolak) and with a wrong token (error page)', async () => {
    const { token, cookie } = await session();
    const noReferer = await list('dt/lelang', { authenticityToken: token! }, { cookie });
    expect(noReferer.status).toBe(403);
    expect(await noReferer.text()).toContain('Akses Ditolak');
    const wrongToken = await list('dt/lelang', { authenticityToken: 'f'.repeat(40) }, { cookie, referer: `${spse.urlOf('gresikkab')}/lelang` });
    expect(await wrongToken.text()).toContain('Terjadi Kesalahan');
  });

  it('serves schedule pages only with a Referer, in WIB, following run-time changes', async () => {
    const pkg = spse.packages('gresikkab')[0]!;
    const url = `${spse.urlOf('gresikkab')}/lelang/${pkg.kode}/jadwal`;
    expect((await fetch(url)).status).toBe(403);
    const page = await (await fetch(url, { headers: { referer: `${spse.urlOf('gresikkab')}/lelang` } })).text();
    expect(page).toContain(spseDate(pkg.schedule[3]!.end!));
    expect(page).toContain('Tidak Ada');
    spse.extendStage('gresikkab', pkg.kode, 'Upload Dokumen Penawaran', pkg.schedule[3]!.end! + DAY);
    const extended = await (await fetch(url, { headers: { referer: `${spse.urlOf('gresikkab')}/lelang` } })).text();
    expect(extended).toContain(spseDate(pkg.schedule[3]!.end!));
    expect(extended).toContain('1 kali perubahan');
  });

  it('derives a row’s stage text from the schedule and its clock', () => {
    const [pkg] = fakePackages({ count: 1, kind: 'tender', from: NOW, to: NOW });
    expect(stageTextAt(pkg!, NOW + 3 * DAY)).toBe('Download Dokumen Pemilihan, Upload Dokumen Penawaran');
    expect(stageTextAt(pkg!, NOW + 30 * DAY)).toBe('Tender Sudah Selesai');
    expect(stageTextAt({ ...pkg!, stage: 'Tender Batal' }, NOW)).toBe('Tender Batal');
  });

  it('injects failures per endpoint, for a number of requests, and counts requests per endpoint', async () => {
    spse.fail('gresikkab', 'lelang', 'rate-limited', { times: 1 });
    expect((await fetch(`${spse.urlOf('gresikkab')}/lelang`)).status).toBe(429);
    expect((await fetch(`${spse.urlOf('gresikkab')}/lelang`)).status).toBe(200);
    spse.fail('gresikkab', 'lelang', 'cloudflare');
    const challenge = await fetch(`${spse.urlOf('gresikkab')}/lelang`);
    expect(challenge.status).toBe(403);
    expect(challenge.headers.get('cf-mitigated')).toBe('challenge');
    spse.fail('gresikkab', 'lelang', 'missing-token');
    expect((await session()).token).toBeNull();
    expect(spse.requests.byEndpoint('gresikkab').lelang).toBe(4);
    expect(spse.requests.count('surabayakota')).toBe(0);
  });

  it('can answer HTML, an empty list or short rows instead of the list', async () => {
    const { token, cookie } = await session();
    const headers = { cookie, referer: `${spse.urlOf('gresikkab')}/lelang` };
    spse.fail('gresikkab', 'dt-lelang', 'html', { times: 1 });
    expect(await (await list('dt/lelang', { authenticityToken: token! }, headers)).text()).toContain('<html');
    spse.fail('gresikkab', 'dt-lelang', 'empty', { times: 1 });
    expect(((await (await list('dt/lelang', { authenticityToken: token! }, headers)).json()) as { data: unknown[] }).data).toEqual([]);
    spse.fail('gresikkab', 'dt-lelang', 'short-rows', { times: 1 });
    const short = (await (await list('dt/lelang', { authenticityToken: token!, length: '5' }, headers)).json()) as { data: unknown[][] };
    expect(short.data.every((row) => row.length === 3)).toBe(true);
  });

  it('hangs when asked, until it is closed', async () => {
    spse.fail('gresikkab', 'home', 'hang', { times: 1 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    await expect(fetch(spse.urlOf('gresikkab'), { signal: controller.signal })).rejects.toThrow();
    clearTimeout(timer);
  });
});
