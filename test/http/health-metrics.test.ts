import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { everySecond } from '../../src/core/ticker.js';
import { createFakePortal, type FakePortal } from '../fakes/fake-portal.js';
import { cycle, startApp } from '../helpers/app.js';

describe('health and metrics', () => {
  let app: App | null = null;
  let portal: FakePortal | null = null;
  afterEach(async () => {
    await app?.stop();
    await portal?.close();
    app = null;
    portal = null;
  });
  const get = (path: string) => fetch(`http://127.0.0.1:${app!.port()}${path}`);

  it('reports healthy while cycles run, and 503 once a cycle is overdue', async () => {
    portal = await createFakePortal({ mode: 'hang' });
    let now = Date.now();
    const clock = { now: () => now };
    app = await startApp(
      `portals:\n  - { id: gresikkab, name: Gresik, url: "${portal.url}" }\ncheck: { intervalSeconds: 30, timeoutSeconds: 2 }\n`,
      {},
      { clock, ticker: everySecond() },
    );
    const healthy = await get('/healthz');
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ status: 'ok', role: 'leader', running: true });
    // The first cycle hangs on the portal; ten minutes later nothing has finished.
    await expect.poll(() => portal!.requests.count).toBeGreaterThan(0);
    now += 10 * 60_000;
    const overdue = await get('/healthz');
    expect(overdue.status).toBe(503);
    expect(await overdue.json()).toMatchObject({ status: 'overdue', overdue: true });
  });

  it('stays healthy through a long sweep that keeps getting answers, and stretches an origin over its budget', async () => {
    // 40 portals on one origin every second at 10 requests/s: each round needs 40/s, the budget
    // carries 8/s, so the intervals stretch ×5; the cycle itself takes seconds, not one interval.
    portal = await createFakePortal({ mode: { kind: 'healthy', delayMs: 50 } });
    const yaml = [
      'check: { intervalSeconds: 1, timeoutSeconds: 2, maxRequestsPerSecondPerHost: 10, maxConcurrentPerHost: 2 }',
      'portals:',
      ...Array.from({ length: 40 }, (_, i) => `  - { id: p${i}, name: "LPSE ${i}", url: "${portal!.origin}/p${i}" }`),
    ].join('\n');
    let now = Date.now();
    const clock = { now: () => now };
    app = await startApp(yaml, {}, { clock, ticker: everySecond() });
    await expect.poll(() => portal!.requests.count, { timeout: 10_000 }).toBeGreaterThan(2);
    // Ten minutes pass on the clock while the sweep is still under way: what counts is that it
    // keeps getting answers, not that a cycle finished.
    now += 10 * 60_000;
    const seen = portal.requests.count;
    await expect.poll(() => portal!.requests.count, { timeout: 10_000 }).toBeGreaterThan(seen + 1);
    const health = await get('/healthz');
    expect(await health.json()).toMatchObject({ status: 'ok', overdue: false });
    expect(health.status).toBe(200);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain(`pantau_check_interval_stretch{origin="${portal.origin}"} 5`);
  });

  it('is unhealthy when this replica leads but its loop is not running', async () => {
    portal = await createFakePortal({ mode: 'healthy' });
    app = await startApp(`portals:\n  - { id: gresikkab, name: Gresik, url: "${portal.url}" }\n`, {}, { ticker: everySecond() });
    expect((await get('/healthz')).status).toBe(200);
    await app.monitor.stop();
    const stopped = await get('/healthz');
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toMatchObject({ status: 'stopped', role: 'leader', running: false });
  });

  it('exports per-portal state, checks by cause, alerts and the outbox under Prometheus names', async () => {
    portal = await createFakePortal({ mode: { kind: 'spse-error', code: '81kep4jo9' } });
    app = await startApp(`portals:\n  - { id: gresikkab, name: Gresik, url: "${portal.url}" }\ncheck: { failuresToDown: 1, timeoutSeconds: 2 }\n`, {});
    await cycle(app);
    const text = await (await get('/metrics')).text();
    expect(text).toContain('pantau_portal_up{portal="gresikkab"} 0');
    expect(text).toContain('pantau_portal_state{portal="gresikkab",state="down"} 1');
    expect(text).toContain('pantau_checks_total{state="down",cause="spse_error"} 1');
    expect(text).toMatch(/pantau_check_duration_seconds_bucket\{le="[^"]+",portal="gresikkab"\}/);
    expect(text).toContain('pantau_outbox_pending 0');
    expect(text).toContain('# TYPE pantau_alerts_sent_total counter');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain('pantau_process_');
    expect(text).toContain('process_start_time_seconds');
  });
});
