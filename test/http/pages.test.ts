import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createPageRenderers } from '../../src/http/page-routes.js';
import type { HttpContext } from '../../src/http/server.js';
import { healthReport } from '../../src/health.js';
import { portalsYaml, startApp } from '../helpers/app.js';
import { createFakePortal, type FakePortal, type PortalMode } from '../fakes/fake-portal.js';

// The story: six portals on loopback. Sidoarjo starts serving SPSE's error page and stays down;
// Bandung does too, then recovers; Cianjur serves a page that is not SPSE (degraded); Surabaya sits
// behind a Cloudflare challenge (blocked); one portal's name tries to inject a script.
const XSS_NAME = '<script>alert("x")</script> LPSE Kota Jahil';
const PORTALS: Array<{ id: string; name: string; province: string; mode: PortalMode }> = [
  { id: 'gresik', name: 'LPSE Kabupaten Gresik', province: 'Jawa Timur', mode: 'healthy' },
  { id: 'sidoarjo', name: 'LPSE Kabupaten Sidoarjo', province: 'Jawa Timur', mode: 'healthy' },
  { id: 'bandung', name: 'LPSE Kota Bandung', province: 'Jawa Barat', mode: 'healthy' },
  { id: 'cianjur', name: 'LPSE Kabupaten Cianjur', province: 'Jawa Barat', mode: 'unexpected' },
  { id: 'surabaya', name: 'LPSE Kota Surabaya', province: 'Jawa Timur', mode: 'cloudflare' },
  { id: 'jahil', name: XSS_NAME, province: 'Bali', mode: 'healthy' },
];

let app: App;
const fakes = new Map<string, FakePortal>();
const get = (path: string) => fetch(`http://127.0.0.1:${app.port()}${path}`);
const text = async (path: string) => {
  const res = await get(path);
  return { res, body: await res.text() };
};

beforeAll(async () => {
  for (const p of PORTALS) fakes.set(p.id, await createFakePortal({ mode: p.mode, slug: p.id, name: p.name.replace(/[<>]/g, '') }));
  app = await startApp(portalsYaml(PORTALS, (id) => fakes.get(id)!.url), {});
  await app.monitor.runCycle({ all: true });
  fakes.get('sidoarjo')!.setMode('spse-error');
  fakes.get('bandung')!.setMode('spse-error');
  await app.monitor.runCycle({ all: true });
  fakes.get('bandung')!.setMode('healthy');
  await app.monitor.runCycle({ all: true });
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([...fakes.values()].map((f) => f.close()));
});

describe('status page (GET /)', () => {
  it('lists every portal with its state, in Indonesian, down portals first', async () => {
    const { res, body } = await text('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(body).toMatch(/^<!doctype html><html lang="id">/);
    for (const name of ['LPSE Kabupaten Gresik', 'LPSE Kabupaten Sidoarjo', 'LPSE Kota Bandung', 'LPSE Kabupaten Cianjur', 'LPSE Kota Surabaya']) {
      expect(body).toContain(name);
    }
    expect(body).toContain('<span class="pill s-down">Down</span>');
    expect(body).toContain('<span class="pill s-up">Normal</span>');
    expect(body).toContain('<span class="pill s-degraded">Terganggu</span>');
    expect(body).toContain('<span class="pill s-blocked">Pemantau diblokir</span>');
    expect(body).toContain('1 portal down');
    expect(body).toContain('Kode Error <code>81kep4jo9</code>');
    expect(body).toMatch(/Diperbarui: \d{1,2} \w{3} \d{4} \d\d\.\d\d WIB/);
    expect(body).toContain('Semua provinsi');
    // Down first, then degraded and blocked, healthy portals last.
    const at = (name: string) => body.indexOf(`>${name}</a>`);
    expect(at('LPSE Kabupaten Sidoarjo')).toBeGreaterThan(0);
    expect(at('LPSE Kabupaten Sidoarjo')).toBeLessThan(at('LPSE Kabupaten Cianjur'));
    expect(at('LPSE Kabupaten Cianjur')).toBeLessThan(at('LPSE Kota Surabaya'));
    expect(at('LPSE Kota Surabaya')).toBeLessThan(at('LPSE Kabupaten Gresik'));
    // Uptime, the 90-day bars (with a text alternative), no script and no external asset.
    expect(body).toMatch(/<dt>24 jam<\/dt><dd>\d{1,3},\d\d%<\/dd>/);
    expect(body.match(/<svg class="bar"[^>]*role="img" aria-label="Uptime 90 hari: /g)).toHaveLength(PORTALS.length);
    expect(body).not.toMatch(/<script|src=|<link rel="stylesheet"/i);
  });

  it('says "Semua portal normal" when no portal in view is down', async () => {
    const { body } = await text('/?province=Jawa%20Barat');
    expect(body).toContain('Semua portal normal');
    expect(body).not.toContain('1 portal down');
  });

  it('speaks English with ?lang=en and keeps the language in its links', async () => {
    const { body } = await text('/?lang=en');
    expect(body).toMatch(/^<!doctype html><html lang="en">/);
    expect(body).toContain('<span class="pill s-up">Up</span>');
    expect(body).toContain('<span class="pill s-degraded">Degraded</span>');
    expect(body).toContain('the SPSE application shows its error page');
    expect(body).toContain('All provinces');
    expect(body).toContain('href="/portal/sidoarjo?lang=en"');
    expect(body).toContain('<input type="hidden" name="lang" value="en">');
  });

  it('filters by province and state from the query (the form needs no script)', async () => {
    const { body } = await text('/?province=Jawa%20Timur&state=down');
    expect(body).toContain('LPSE Kabupaten Sidoarjo');
    expect(body).not.toContain('>LPSE Kabupaten Gresik</a>');
    expect(body).not.toContain('>LPSE Kota Bandung</a>');
    expect(body).toContain('Menampilkan 1 dari 6 portal');
    expect(body).toContain('<option selected>Jawa Timur</option>');
    expect(body).toContain('<option value="down" selected>Down</option>');
    expect(body).toMatch(/<form class="filters" method="get" action="\/"/);

    const byAbbreviation = await text('/?province=jatim');
    expect(byAbbreviation.body).toContain('>LPSE Kabupaten Gresik</a>');
    expect(byAbbreviation.body).not.toContain('>LPSE Kota Bandung</a>');

    const up = await text('/?state=up');
    expect(up.body).toContain('>LPSE Kota Bandung</a>');
    expect(up.body).not.toContain('>LPSE Kabupaten Sidoarjo</a>');

    const none = await text('/?province=Papua');
    expect(none.body).toContain('Tidak ada portal yang cocok');
  });

  it('warns with a banner when the monitor itself is offline', async () => {
    const renderers = createPageRenderers({ history: app.history, clock: app.clock, timezone: app.config.timezone, publicUrl: null });
    const ctx: HttpContext = {
      status: app.status,
      portal: (id) => app.catalog.get(id),
      health: () => ({ ...healthReport(app.monitor.health(), { leader: true, startError: null }), offline: true }),
      registry: app.metrics.registry,
      timezone: app.config.timezone,
      defaultLanguage: app.config.language,
      logger: app.logger,
    };
    const page = await renderers.statusPage!(ctx, new URL('http://localhost/'));
    expect(page.body).toContain('<p class="banner" role="alert">Pemantau sedang offline');
    expect((await text('/')).body).not.toContain('class="banner"');
  });

  it('reads the 90-day summaries of many portals at once', async () => {
    const daily = await app.history.dailyMany(['sidoarjo', 'tidak-ada'], Date.now(), 90);
    // Three cycles today (two days if they straddled midnight UTC): one healthy check, two failures.
    const days = daily.get('sidoarjo')!;
    expect(days.reduce((sum, d) => sum + d.checks, 0)).toBe(3);
    expect(days.reduce((sum, d) => sum + d.failures, 0)).toBe(2);
    expect(daily.get('tidak-ada')).toEqual([]);
  });

  it('escapes names that carry markup', async () => {
    const { body } = await text('/');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; LPSE Kota Jahil');
    const detail = await text('/portal/jahil');
    expect(detail.body).not.toContain('<script>alert');
    expect(detail.body).toContain('&lt;script&gt;');
    const badge = await text('/badge/jahil.svg');
    expect(badge.body).not.toContain('<script>');
    expect(() => parseXml(badge.body)).not.toThrow();
  });
});

describe('status page between check cycles', () => {
  // Cards and bars are kept between views; what a view shows must still be what the monitor knows.
  it('redraws a card as soon as its portal, its uptime or the clock changes it, and only then', async () => {
    const fake = await createFakePortal({ mode: 'healthy', slug: 'tuban', name: 'LPSE Kabupaten Tuban' });
    const portals = [{ id: 'tuban', name: 'LPSE Kabupaten Tuban', province: 'Jawa Timur' }];
    let offsetMs = 0;
    const own = await startApp(portalsYaml(portals, () => fake.url), {}, { clock: { now: () => Date.now() + offsetMs } });
    try {
      const page = async (query = '') => {
        const res = await fetch(`http://127.0.0.1:${own.port()}/${query}`);
        return res.text();
      };
      const card = (body: string) => body.slice(body.indexOf('<li class="card'), body.indexOf('</li>', body.indexOf('<li class="card')));
      await own.monitor.runCycle({ all: true });
      const first = await page();
      expect(card(first)).toContain('<span class="pill s-up">Normal</span>');
      expect(card(first)).toContain('<dt>24 jam</dt><dd>100,00%</dd>');
      expect(card(await page())).toBe(card(first));

      fake.setMode('spse-error');
      await own.monitor.runCycle({ all: true });
      const down = card(await page());
      expect(down).toContain('<span class="pill s-down">Down</span>');
      expect(down).toContain('Kode Error <code>81kep4jo9</code>');
      expect(down).toContain('<dt>24 jam</dt><dd>50,00%</dd>');
      expect(down).toContain('(kurang dari 1 menit)');

      // No new check, but the outage has lasted longer: the duration on the card follows the clock.
      offsetMs = 7 * 60_000;
      const later = card(await page());
      expect(later).toContain('(7 menit)');
      expect(later.replace('(7 menit)', '(kurang dari 1 menit)')).toBe(down);

      // The other language and the other link form are drawn separately and agree.
      const english = card(await page('?lang=en'));
      expect(english).toContain('<span class="pill s-down">Down</span>');
      expect(english).toContain('href="/portal/tuban?lang=en"');
      expect(card(await page())).toContain('href="/portal/tuban"');
    } finally {
      await own.stop();
      await fake.close();
    }
  });
});

describe('portal page (GET /portal/:id)', () => {
  it('shows the latency chart and the incident with its Kode Error and the decoded estimate', async () => {
    const { res, body } = await text('/portal/sidoarjo');
    expect(res.status).toBe(200);
    expect(body).toContain('<h1>LPSE Kabupaten Sidoarjo</h1>');
    expect(body).toMatch(/<svg class="chart" viewBox="0 0 800 250" role="img" aria-labelledby="lat-title lat-desc"><title id="lat-title">Grafik waktu respons/);
    expect(body).toMatch(/<circle class="pt" cx="[\d.]+" cy="[\d.]+" r="3.5">/);
    expect(body).toContain('<summary>Tabel data waktu respons</summary><table>');
    expect(body).toContain('aplikasi SPSE menampilkan halaman error');
    expect(body).toContain('<span class="tag open">Berlangsung</span>');
    expect(body).toContain('<code>81kep4jo9</code>');
    // parseInt('81kep4jo9', 26) = 2023-05-25 15:48 WIB, labelled as an estimate.
    expect(body).toContain('25 Mei 2023 15.48 WIB</time> <span class="est">(estimasi, dihitung dari Kode Error)</span>');
    expect(body).toContain('href="/api/portals/sidoarjo/incidents.csv"');
    const csv = await get('/api/portals/sidoarjo/incidents.csv');
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain('81kep4jo9');
  });

  it('shows a resolved incident, in English on request', async () => {
    const { body } = await text('/portal/bandung?lang=en');
    expect(body).toContain('<span class="tag done">Resolved</span>');
    expect(body).toContain('Estimated start of the failing SPSE application instance');
    expect(body).toContain('25 May 2023 15:48 WIB');
  });

  it('answers 404 with a page for an unknown portal', async () => {
    const { res, body } = await text('/portal/tidak-ada');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(body).toContain('Portal tidak ditemukan');
    expect(body).toContain('“tidak-ada”');
    expect((await get('/portal/%E0%A4%A')).status).toBe(404);
  });
});

describe('JSON API against hostile paths', () => {
  it('answers a broken percent-encoding with 404, not 500', async () => {
    for (const path of ['/api/portals/%E0%A4%A', '/api/portals/%E0%A4%A/incidents.csv', '/badge/%E0%A4%A.svg']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('counts every failed check of an open incident in the CSV, not just the confirming ones', async () => {
    const checksFailed = async () => {
      const csv = await (await get('/api/portals/sidoarjo/incidents.csv')).text();
      const [header, row] = csv.trim().split('\r\n');
      return Number(row!.split(',')[header!.split(',').indexOf('checks_failed')]);
    };
    const before = await checksFailed();
    await app.monitor.runCycle({ all: true }); // sidoarjo still shows its error page
    expect(await checksFailed()).toBe(before + 1);
    const detail = (await (await get('/api/portals/sidoarjo')).json()) as { incidents: Array<{ checksFailed: number }> };
    expect(detail.incidents[0]!.checksFailed).toBe(before + 1);
  });
});

describe('truthful from the first minute', () => {
  it('says what the first check saw while it is being confirmed, without an uptime it cannot know', async () => {
    const fake = await createFakePortal({ mode: 'spse-error', slug: 'tuban' });
    const own = await startApp(`check: { failuresToDown: 2, timeoutSeconds: 2 }\nportals:\n  - { id: tuban, name: LPSE Kabupaten Tuban, url: "${fake.url}" }\n`, {});
    try {
      await own.monitor.runCycle({ all: true });
      const view = (await (await fetch(`http://127.0.0.1:${own.port()}/api/portals/tuban`)).json()) as Record<string, unknown>;
      expect(view).toMatchObject({ state: 'unknown', uptime: { h24: null, d7: null, d30: null } });
      expect(view['detail']).toMatch(/^seen down \(SPSE error page.*\); confirming$/);
      expect(view['lastCheckedAt']).not.toBeNull();
    } finally {
      await own.stop();
      await fake.close();
    }
  });
});

describe('badge (GET /badge/:id.svg)', () => {
  it('is a flat SVG badge with the state and the 30-day uptime, cached briefly', async () => {
    const { res, body } = await text('/badge/gresik.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const svg = parseXml(body);
    expect(svg.name).toBe('svg');
    expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(svg.attributes.role).toBe('img');
    expect(svg.attributes['aria-label']).toBe('LPSE Kabupaten Gresik: Normal, uptime 30 hari 100,00%');
    expect(body).toContain('Normal · 100,00% 30 hari');

    const down = await text('/badge/sidoarjo.svg?lang=en');
    expect(parseXml(down.body).attributes['aria-label']).toMatch(/^LPSE Kabupaten Sidoarjo: Down, uptime 30 days \d+\.\d\d%$/);
    expect(down.body).toContain('fill="#b42318"');

    const unknown = await get('/badge/tidak-ada.svg');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });
});

describe('Atom feed (GET /feed.xml)', () => {
  it('has one entry per incident start and end, newest first, with stable ids', async () => {
    const { res, body } = await text('/feed.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = parseXml(body);
    expect(feed.name).toBe('feed');
    expect(feed.attributes.xmlns).toBe('http://www.w3.org/2005/Atom');
    for (const required of ['id', 'title', 'updated', 'author']) expect(child(feed, required)).toBeDefined();
    const entries = feed.children.filter((c) => c.name === 'entry');
    expect(entries).toHaveLength(3);
    const titles = entries.map((e) => child(e, 'title')!.text);
    expect(titles[0]).toMatch(/^LPSE Kota Bandung kembali normal setelah /);
    expect(titles.slice(1).sort()).toEqual(['LPSE Kabupaten Sidoarjo down: aplikasi SPSE menampilkan halaman error', 'LPSE Kota Bandung down: aplikasi SPSE menampilkan halaman error']);
    const updated = entries.map((e) => Date.parse(child(e, 'updated')!.text));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    expect(child(entries[0]!, 'content')!.text).toContain('Kode Error: 81kep4jo9');
    expect(child(entries[0]!, 'link')!.attributes.href).toBe('/portal/bandung');
    const ids = entries.map((e) => child(e, 'id')!.text);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^tag:pantau-lpse,2024:incident\/[a-z]+%3A\d+\/(start|end)$/);

    const again = parseXml(await (await get('/feed.xml')).text());
    expect(again.children.filter((c) => c.name === 'entry').map((e) => child(e, 'id')!.text)).toEqual(ids);
    const english = parseXml(await (await get('/feed.xml?lang=en')).text());
    expect(child(english.children.find((c) => c.name === 'entry')!, 'title')!.text).toMatch(/^LPSE Kota Bandung is back up after /);
  });
});

// ------------------------------------------------------------------------------------------------
// A strict little XML reader: enough to prove the badge and the feed are well-formed documents.
// ------------------------------------------------------------------------------------------------

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const child = (element: XmlElement, name: string) => element.children.find((c) => c.name === name);

function decodeEntities(raw: string): string {
  if (/[<]/.test(raw)) throw new Error(`raw < in ${raw}`);
  return raw.replace(/&([^;]*);|&/g, (match, entity: string | undefined) => {
    if (entity === undefined) throw new Error(`bare & in ${raw}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[entity]) return named[entity];
    const code = /^#x([0-9a-f]+)$/i.exec(entity)?.[1];
    if (code) return String.fromCodePoint(parseInt(code, 16));
    const decimal = /^#(\d+)$/.exec(entity)?.[1];
    if (decimal) return String.fromCodePoint(Number(decimal));
    throw new Error(`unknown entity ${match}`);
  });
}

function parseXml(source: string): XmlElement {
  let pos = 0;
  const rest = () => source.slice(pos);
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(rest())![0];
      pos += ws.length;
      if (rest().startsWith('<?')) pos = source.indexOf('?>', pos) + 2;
      else if (rest().startsWith('<!--')) pos = source.indexOf('-->', pos) + 3;
      else return;
    }
  };
  const name = /^[A-Za-z_][\w.:-]*/;
  function element(): XmlElement {
    if (source[pos] !== '<') throw new Error(`expected < at ${pos}`);
    pos++;
    const tag = name.exec(rest())?.[0];
    if (!tag) throw new Error(`expected a tag name at ${pos}`);
    pos += tag.length;
    const node: XmlElement = { name: tag, attributes: {}, children: [], text: '' };
    for (;;) {
      const attribute = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest());
      if (!attribute) break;
      if (attribute[1]! in node.attributes) throw new Error(`duplicate attribute ${attribute[1]}`);
      node.attributes[attribute[1]!] = decodeEntities(attribute[3] ?? attribute[4] ?? '');
      pos += attribute[0].length;
    }
    pos += /^\s*/.exec(rest())![0].length;
    if (rest().startsWith('/>')) {
      pos += 2;
      return node;
    }
    if (source[pos] !== '>') throw new Error(`malformed tag <${tag} at ${pos}`);
    pos++;
    for (;;) {
      const next = source.indexOf('<', pos);
      if (next === -1) throw new Error(`unclosed <${tag}>`);
      node.text += decodeEntities(source.slice(pos, next));
      pos = next;
      if (rest().startsWith('<!--')) {
        pos = source.indexOf('-->', pos) + 3;
      } else if (rest().startsWith('</')) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(rest());
        if (close?.[1] !== tag) throw new Error(`expected </${tag}> at ${pos}`);
        pos += close[0].length;
        return node;
      } else node.children.push(element());
    }
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (pos !== source.length) throw new Error('content after the root element');
  return root;
}
