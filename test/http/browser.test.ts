import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { CheckSample } from '../../src/core/stats.js';
import { portalsYaml, startApp } from '../helpers/app.js';
import { createFakePortal, type FakePortal, type PortalMode } from '../fakes/fake-portal.js';

// Browser globals used inside page.evaluate (the project's tsconfig has no DOM lib).
interface XmlDocumentLike {
  documentElement: { namespaceURI: string | null; nodeName: string };
  getElementsByTagName(name: string): { length: number };
}
declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };
declare const DOMParser: new () => { parseFromString(source: string, type: string): XmlDocumentLike };

// Debian's chromium package; `apt-get install -y chromium` provides it.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const RESULTS = path.resolve('test-results');
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const PORTALS: Array<{ id: string; name: string; province: string; mode: PortalMode; days: number; badDays: Record<number, number> }> = [
  { id: 'gresik', name: 'LPSE Kabupaten Gresik', province: 'Jawa Timur', mode: 'healthy', days: 90, badDays: { 41: 6, 40: 2 } },
  { id: 'sidoarjo', name: 'LPSE Kabupaten Sidoarjo', province: 'Jawa Timur', mode: 'healthy', days: 90, badDays: { 3: 9, 17: 1, 60: 1 } },
  { id: 'bandung', name: 'LPSE Kota Bandung', province: 'Jawa Barat', mode: 'healthy', days: 55, badDays: {} },
  { id: 'cianjur', name: 'LPSE Kabupaten Cianjur', province: 'Jawa Barat', mode: 'unexpected', days: 90, badDays: { 8: 1 } },
  { id: 'surabaya', name: 'LPSE Kota Surabaya', province: 'Jawa Timur', mode: 'cloudflare', days: 20, badDays: {} },
  { id: 'denpasar', name: 'LPSE Kota Denpasar', province: 'Bali', mode: 'healthy', days: 90, badDays: { 70: 24 } },
];

/**
 * 24 checks a day for `days` days (a few failing on the bad days), one per hour over the last day
 * with a daily rhythm in latency: enough history for the bars and the chart to show something.
 */
function seedSamples(now: number): CheckSample[] {
  const samples: CheckSample[] = [];
  PORTALS.forEach((portal, index) => {
    for (let day = portal.days - 1; day >= 1; day--) {
      const failures = portal.badDays[day] ?? 0;
      for (let hour = 0; hour < 24; hour++) {
        const at = now - day * DAY_MS - hour * HOUR_MS;
        samples.push({ portalId: portal.id, at, observed: hour < failures ? 'down' : 'up', latencyMs: 150 });
      }
    }
    for (let hour = 23; hour >= 1; hour--) {
      const latencyMs = Math.round(180 + 120 * Math.sin((hour + index * 3) / 3.5) + (hour % 5) * 17);
      samples.push({ portalId: portal.id, at: now - hour * HOUR_MS, observed: 'up', latencyMs });
    }
  });
  return samples;
}

describe.skipIf(!hasChromium)('status pages in headless Chromium', () => {
  let app: App;
  let browser: Browser;
  const fakes = new Map<string, FakePortal>();
  const base = () => `http://127.0.0.1:${app.port()}`;

  /** Opens a page that records console errors and failed requests. */
  async function open(url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return { page, errors };
  }

  beforeAll(async () => {
    for (const p of PORTALS) fakes.set(p.id, await createFakePortal({ mode: p.mode, slug: p.id, name: p.name }));
    app = await startApp(portalsYaml(PORTALS, (id) => fakes.get(id)!.url), {});
    await app.history.recordChecks(seedSamples(Date.now()));
    await app.monitor.runCycle({ all: true });
    fakes.get('sidoarjo')!.setMode('spse-error');
    await app.monitor.runCycle({ all: true });
    mkdirSync(RESULTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await Promise.all([...fakes.values()].map((f) => f.close()));
  });

  it('renders every portal with its state and bar, without console errors', async () => {
    const { page, errors } = await open(`${base()}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('1 portal down');
    const cards = page.locator('ul.grid > li');
    await expect(cards.count()).resolves.toBe(PORTALS.length);
    await expect(cards.first().locator('h3').textContent()).resolves.toBe('LPSE Kabupaten Sidoarjo');
    await expect(cards.first().locator('.pill').textContent()).resolves.toBe('Down');
    await expect(page.locator('.pill.s-up').count()).resolves.toBe(3);
    // Every bar draws something the size of its card, and says in words what it shows.
    const bars = page.locator('svg.bar');
    await expect(bars.count()).resolves.toBe(PORTALS.length);
    const box = await bars.first().boundingBox();
    expect(box!.width).toBeGreaterThan(250);
    await expect(bars.first().getAttribute('aria-label')).resolves.toMatch(/^Uptime 90 hari: \d+,\d\d%; \d+ hari normal/);

    const file = path.join(RESULTS, 'status-page.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10 * 1024);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the latency chart with its data points on the portal page', async () => {
    const { page, errors } = await open(`${base()}/portal/sidoarjo`);
    const chart = page.locator('svg.chart');
    await expect(chart.getAttribute('role')).resolves.toBe('img');
    await expect(chart.locator('title').first().textContent()).resolves.toMatch(/^Grafik waktu respons/);
    // 23 seeded hours plus the current one from the real checks.
    await expect(chart.locator('circle.pt').count()).resolves.toBe(24);
    const line = await chart.locator('path.line').first().boundingBox();
    expect(line!.width).toBeGreaterThan(400);
    expect(line!.height).toBeGreaterThan(20);
    await expect(page.locator('.timeline li.open').count()).resolves.toBe(1);
    await expect(page.locator('.timeline').textContent()).resolves.toContain('81kep4jo9');
    await page.screenshot({ path: path.join(RESULTS, 'portal-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const { page, errors } = await open(`${base()}/?lang=en`, { width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(RESULTS, 'status-page-mobile.png'), fullPage: false });
    const portal = await open(`${base()}/portal/sidoarjo?lang=en`, { width: 390, height: 844 });
    expect(await portal.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await portal.page.screenshot({ path: path.join(RESULTS, 'portal-page-mobile.png'), fullPage: true });
    expect([...errors, ...portal.errors]).toEqual([]);
    await page.close();
    await portal.page.close();
  });

  it('serves a feed and a badge the browser parses as XML', async () => {
    const { page } = await open(`${base()}/`);
    // The page's CSP forbids fetch(), so the documents come from here and only the parsing is the browser's.
    const [feedText, badgeText] = await Promise.all(['/feed.xml', '/badge/gresik.svg'].map(async (p) => (await fetch(`${base()}${p}`)).text()));
    const result = await page.evaluate(
      ([feedSource, badgeSource]) => {
        const feed = new DOMParser().parseFromString(feedSource!, 'application/xml');
        const badge = new DOMParser().parseFromString(badgeSource!, 'image/svg+xml');
        return {
          feedErrors: feed.getElementsByTagName('parsererror').length,
          root: feed.documentElement.namespaceURI,
          entries: feed.getElementsByTagName('entry').length,
          badgeErrors: badge.getElementsByTagName('parsererror').length,
          badgeRoot: badge.documentElement.nodeName,
        };
      },
      [feedText, badgeText],
    );
    expect(result).toEqual({ feedErrors: 0, root: 'http://www.w3.org/2005/Atom', entries: 1, badgeErrors: 0, badgeRoot: 'svg' });
    await page.close();
  });
});
