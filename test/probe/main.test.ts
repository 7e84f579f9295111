/**
 * The probe as a real process (`node --import tsx src/probe/main.ts`) against a fake hub and fake
 * LPSE portals on loopback: what an operator starting a probe in an office in Surabaya gets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/core/vantage/protocol.js';
import { createFakePortal, createRefusedPort, DEFAULT_ERROR_CODE, type FakePortal } from '../fakes/fake-portal.js';
import { createFakeHub, waitFor, type FakeHub } from './fake-hub.js';
import { probeConfigFile, spawnProbe, type ProbeProcess } from './spawn-probe.js';

const TOKEN = 'probe-SECRET-token-0123456789';
const ID = 'surabaya-1';

describe('the probe process', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  async function portal(mode: Parameters<typeof createFakePortal>[0] = {}): Promise<FakePortal> {
    const fake = await createFakePortal(mode);
    cleanup.push(() => fake.close());
    return fake;
  }

  async function hubWith(assignment: Assignment): Promise<FakeHub> {
    const hub = await createFakeHub({ probes: { [ID]: TOKEN }, assignment });
    cleanup.push(() => hub.close());
    return hub;
  }

  function probe(hub: FakeHub | null, env: Record<string, string> = {}, check: Record<string, unknown> = {}): ProbeProcess {
    const child = spawnProbe({
      ...(hub ? { PROBE_HUB_URL: hub.url } : {}),
      PROBE_ID: ID,
      PROBE_TOKEN: TOKEN,
      LOG_LEVEL: 'debug',
      CONFIG_PATH: probeConfigFile({ timeoutSeconds: 2, referenceUrls: [], maxRequestsPerSecondPerHost: 1000, ...check }),
      ...env,
    });
    cleanup.push(() => child.kill());
    return child;
  }

  const gaps = (ats: number[]) => ats.slice(1).map((at, i) => at - ats[i]!);

  it('fetches its assignment, checks each portal, reports what the schemas accept, and re-checks a failed portal after the retry interval', async () => {
    const healthy = await portal();
    const broken = await portal({ mode: 'spse-error' });
    const refused = await createRefusedPort();
    const hub = await hubWith({
      version: 'v1',
      retryIntervalSeconds: 1,
      reportEverySeconds: 1,
      portals: [
        { id: 'sehat', url: healthy.url, intervalSeconds: 3 },
        { id: 'rusak', url: broken.url, intervalSeconds: 3 },
        { id: 'mati', url: refused.url, intervalSeconds: 3 },
      ],
    });
    const child = probe(hub);
    await waitFor('three checks of each failing portal', () => hub.observations('rusak').length >= 3 && hub.observations('mati').length >= 3 && hub.observations('sehat').length >= 2, 15_000);

    expect(hub.invalid).toEqual([]);
    expect(hub.reports.every((r) => r.probeId === ID && r.bootId === hub.reports[0]!.bootId && !r.offline && r.dropped === 0)).toBe(true);
    const seqs = hub.reports.map((r) => r.seq);
    expect(gaps(seqs).every((g) => g > 0)).toBe(true);

    expect(hub.observations('sehat')[0]).toMatchObject({ state: 'up', cause: 'ok', httpStatus: 200, errorCode: null, networkLevel: false });
    expect(hub.observations('sehat')[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(hub.observations('rusak')[0]).toMatchObject({ state: 'down', cause: 'spse_error', errorCode: DEFAULT_ERROR_CODE, networkLevel: false });
    expect(hub.observations('mati')[0]).toMatchObject({ state: 'down', cause: 'connect_refused', httpStatus: null, latencyMs: null, networkLevel: true });

    // Failed portals come back after the retry interval (1 s), the healthy one after its interval (3 s).
    for (const id of ['rusak', 'mati']) {
      for (const gap of gaps(hub.observations(id).map((o) => o.at))) {
        expect(gap).toBeGreaterThanOrEqual(900);
        expect(gap).toBeLessThan(2000);
      }
    }
    for (const gap of gaps(hub.observations('sehat').map((o) => o.at))) expect(gap).toBeGreaterThanOrEqual(2900);

    expect(hub.requests.every((r) => r.token === TOKEN && r.probeId === ID)).toBe(true);
    expect(child.output()).not.toContain(TOKEN);
    expect(child.alive()).toBe(true);
  });

  it('buffers observations while the hub is down and delivers them, in order, when it is back', async () => {
    const healthy = await portal();
    const hub = await hubWith({ version: 'v1', retryIntervalSeconds: 1, reportEverySeconds: 1, portals: [{ id: 'sehat', url: healthy.url, intervalSeconds: 1 }] });
    const child = probe(hub);
    await waitFor('a first report', () => hub.reports.length > 0, 10_000);
    const downAt = Date.now();
    await hub.down();
    await child.waitForLog(/cannot deliver reports to the hub/, 5000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await hub.up();
    const upAt = Date.now();
    const back = await child.waitForLog(/the hub takes reports again/, 15_000);
    // What waited goes at once, not a report period later.
    const during = await waitFor('the observations made while the hub was down', () => {
      const seen = hub.observations('sehat').filter((o) => o.at > downAt && o.at < upAt);
      return seen.length >= 3 && seen;
    }, 900);
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(Number(back.time)).toBeGreaterThanOrEqual(upAt - 50);
    const ats = hub.observations('sehat').map((o) => o.at);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
    expect(new Set(ats).size).toBe(ats.length);
    expect(hub.reports.every((r) => r.dropped === 0)).toBe(true);
    // One warning for the episode, however many retries.
    expect(child.logs().filter((l) => /cannot deliver reports/.test(String(l.msg)))).toHaveLength(1);
    expect(hub.invalid).toEqual([]);
  }, 30_000);

  it('says clearly when the hub refuses its id or token, does not crash, and keeps asking', async () => {
    const healthy = await portal();
    const hub = await hubWith({ version: 'v1', retryIntervalSeconds: 1, reportEverySeconds: 1, portals: [{ id: 'sehat', url: healthy.url, intervalSeconds: 60 }] });
    const wrong = 'wrong-SECRET-token-987654321';
    const child = probe(hub, { PROBE_TOKEN: wrong });
    const line = await child.waitForLog(/the hub refused this probe's id or token/, 10_000);
    expect(line.level).toBe(50);
    await waitFor('a second attempt', () => hub.requests.filter((r) => r.status === 401).length >= 2, 10_000);
    expect(child.alive()).toBe(true);
    expect(child.output()).not.toContain(wrong);
    expect(hub.reports).toHaveLength(0);
  }, 20_000);

  it('refuses a garbage and an oversized assignment, logs why, does not crash, and takes the next good one', async () => {
    const healthy = await portal();
    const hub = await hubWith({ version: 'v1', retryIntervalSeconds: 1, reportEverySeconds: 1, portals: [{ id: 'sehat', url: healthy.url, intervalSeconds: 60 }] });
    hub.assignmentMode = 'garbage';
    const child = probe(hub);
    await child.waitForLog(/could not get an assignment from the hub: the assignment is not JSON/, 10_000);
    hub.assignmentMode = 'oversized';
    await child.waitForLog(/could not get an assignment from the hub: answer .*larger than/, 10_000);
    hub.assignmentMode = 'ok';
    await child.waitForLog(/assignment received: 1 portals/, 15_000);
    await waitFor('a report', () => hub.observations('sehat').length > 0, 5000);
    expect(child.alive()).toBe(true);
  }, 30_000);

  it('stops on SIGTERM within 3 s with exit code 0, a portal hanging on its 20 s timeout, after a last report of what waited', async () => {
    const hanging = await portal({ mode: 'hang' });
    const healthy = await portal();
    const hub = await hubWith({
      version: 'v1',
      retryIntervalSeconds: 1,
      // Nothing is reported before the stop: the last report carries it.
      reportEverySeconds: 600,
      portals: [
        { id: 'macet', url: hanging.url, intervalSeconds: 2 },
        { id: 'sehat', url: healthy.url, intervalSeconds: 2 },
      ],
    });
    const child = probe(hub, {}, { timeoutSeconds: 20 });
    await waitFor('both portals asked', () => hanging.requests.count >= 1 && healthy.requests.count >= 1, 10_000);
    await child.waitForLog(/sehat: up/, 5000);
    const sentAt = Date.now();
    child.child.kill('SIGTERM');
    const exit = await child.exited;
    const tookMs = Date.now() - sentAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(3000);
    expect(hub.observations('sehat').length).toBeGreaterThan(0);
    // The aborted check says nothing about the hanging portal.
    expect(hub.observations('macet')).toHaveLength(0);
    expect(child.output()).not.toContain(TOKEN);
  }, 20_000);

  it('exits with 78 and a message naming PROBE_HUB_URL when it is missing; the token appears nowhere', async () => {
    const child = probe(null);
    const exit = await child.exited;
    expect(exit.code).toBe(78);
    expect(child.output()).toContain('PROBE_HUB_URL');
    expect(child.output()).not.toContain(TOKEN);
  });

  it('exits with 78 naming the file and the key when its config file is wrong', async () => {
    const hub = await hubWith({ version: 'v1', retryIntervalSeconds: 1, reportEverySeconds: 1, portals: [] });
    const child = probe(hub, {}, { timeoutSeconds: -1 });
    const exit = await child.exited;
    expect(exit.code).toBe(78);
    expect(child.output()).toMatch(/probe\.yaml/);
    expect(child.output()).toContain('check.timeoutSeconds');
    expect(hub.requests).toHaveLength(0);
  });
});
