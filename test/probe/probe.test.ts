import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Assignment } from '../../src/core/vantage/protocol.js';
import { createProbe, type Probe, type ProbeOptions } from '../../src/probe/probe.js';
import { createFakePortal, createRefusedPort, type FakePortal } from '../fakes/fake-portal.js';
import { createFakeHub, waitFor, type FakeHub } from './fake-hub.js';

const TOKEN = 'in-process-SECRET-token-42';
const ID = 'probe-a';
/** Quick back-offs, so that a test sees a few rounds of them. */
const QUICK = { backoffMs: 200, maxBackoffMs: 400, unavailableMs: 100, maxUnavailableMs: 200, unauthorizedMs: 300, maxUnauthorizedMs: 600, tickMs: 50 };

describe('probe (in process)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  async function portal(mode: Parameters<typeof createFakePortal>[0] = {}): Promise<FakePortal> {
    const fake = await createFakePortal(mode);
    cleanup.push(() => fake.close());
    return fake;
  }

  function assignment(portals: Array<{ id: string; url: string; intervalSeconds?: number }>, extra: Partial<Assignment> = {}): Assignment {
    return { version: 'v1', retryIntervalSeconds: 1, reportEverySeconds: 1, portals: portals.map((p) => ({ intervalSeconds: 60, ...p })), ...extra };
  }

  async function start(hubAssignment: Assignment, options: Omit<Partial<ProbeOptions>, 'check'> & { check?: Record<string, unknown> } = {}) {
    const hub = await createFakeHub({ probes: { [ID]: TOKEN }, assignment: hubAssignment });
    cleanup.push(() => hub.close());
    const lines: Array<Record<string, unknown>> = [];
    const raw: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    });
    const logger = createLogger({ level: 'debug', secrets: [TOKEN] }, sink);
    const { check: checkOverrides, ...rest } = options;
    const check = loadConfig(JSON.stringify({ check: { timeoutSeconds: 2, referenceUrls: [], maxRequestsPerSecondPerHost: 1000, ...checkOverrides } }), {}, 'test').check;
    const probe: Probe = createProbe({ hubUrl: new URL(hub.url), probeId: ID, token: TOKEN, check, logger, timing: QUICK, ...rest });
    cleanup.push(() => probe.stop());
    return { hub, probe, lines, messages: () => lines.map((l) => String(l.msg)), raw };
  }

  const acceptedSeqs = (hub: FakeHub) => hub.reports.map((r) => r.seq);

  it('keeps a tiny backlog while the hub is down: the oldest are dropped, counted in the next report, and logged once', async () => {
    const healthy = await portal();
    const { hub, probe, messages } = await start(assignment([{ id: 'a', url: healthy.url, intervalSeconds: 1 }, { id: 'b', url: healthy.url, intervalSeconds: 1 }]), { backlogLimit: 3 });
    probe.start();
    await waitFor('a first report', () => hub.reports.length > 0, 5000);
    await hub.down();
    await waitFor('drops', () => probe.status().dropped >= 4, 10_000);
    await hub.up();
    const carrying = await waitFor('a report with dropped', () => hub.reports.find((r) => r.dropped > 0), 5000);
    expect(carrying.dropped).toBeGreaterThanOrEqual(4);
    // Only the newest wait: that report carries at most the backlog's size.
    expect(carrying.observations.length).toBeLessThanOrEqual(3);
    expect(messages().filter((m) => m.includes('the backlog is full'))).toHaveLength(1);
    await probe.stop();
    // Every check is either delivered or counted as dropped.
    const delivered = hub.reports.reduce((n, r) => n + r.observations.length, 0);
    const dropped = hub.reports.reduce((n, r) => n + r.dropped, 0);
    expect(delivered + dropped).toBe(probe.status().checks);
    expect(hub.invalid).toEqual([]);
  });

  it('sends a report again, same seq, after a 503 from a standby; drops one the hub refuses and logs its words', async () => {
    const healthy = await portal();
    const { hub, probe, messages } = await start(assignment([{ id: 'a', url: healthy.url, intervalSeconds: 1 }]));
    hub.reportMode = 'unavailable';
    probe.start();
    await waitFor('503s', () => hub.requests.filter((r) => r.status === 503).length >= 2, 5000);
    hub.reportMode = 'ok';
    await waitFor('a report', () => hub.reports.length > 0, 5000);
    expect(hub.reports[0]!.seq).toBe(1);
    expect(hub.reports[0]!.observations.length).toBeGreaterThan(0);

    hub.reportMode = 'refuse';
    const refusal = await waitFor('the refusal logged', () => messages().find((m) => m.includes('refused report')), 5000);
    // The hub's words, control characters and line breaks out.
    expect(refusal).toContain('report refused by the test hub: because it said so');
    hub.reportMode = 'ok';
    const before = hub.reports.length;
    await waitFor('reports again', () => hub.reports.length > before, 5000);
    const seqs = acceptedSeqs(hub);
    // The refused seq was not sent again: seqs go up, with a gap where the refusal was.
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.at(-1)! - seqs.at(-2)!).toBeGreaterThan(1);
    expect(hub.invalid).toEqual([]);
  });

  it('treats a garbage receipt as no answer: the report goes again with its seq, and a hub that had taken it refuses the replay', async () => {
    const healthy = await portal();
    const { hub, probe, messages } = await start(assignment([{ id: 'a', url: healthy.url, intervalSeconds: 2 }], { reportEverySeconds: 1 }));
    hub.reportMode = 'garbage';
    probe.start();
    await waitFor('a garbage receipt', () => hub.reports.length >= 1, 5000);
    hub.reportMode = 'ok';
    await waitFor('the replay refused', () => messages().find((m) => /refused report 1 \(HTTP 409\)/.test(m)), 5000);
    await waitFor('the next report', () => hub.reports.length >= 2, 5000);
    // Each observation reached the hub once.
    const keys = hub.observations().map((o) => `${o.portalId}@${o.at}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('re-checks what a receipt lists after the retry interval, and fetches the assignment again when its version changes', async () => {
    const a = await portal();
    const b = await portal();
    const { hub, probe } = await start(assignment([{ id: 'a', url: a.url, intervalSeconds: 60 }]));
    probe.start();
    await waitFor('a checked', () => a.requests.count >= 1, 5000);
    hub.recheck = ['a'];
    await waitFor('a re-checked', () => a.requests.count >= 3, 5000);
    hub.recheck = [];
    hub.assignment = assignment([{ id: 'b', url: b.url, intervalSeconds: 60 }], { version: 'v2' });
    await waitFor('b checked', () => b.requests.count >= 1, 5000);
    expect(probe.status()).toMatchObject({ assignmentVersion: 'v2', portals: 1 });
    const aChecks = a.requests.count;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(a.requests.count).toBe(aChecks);
    expect(hub.requests.filter((r) => r.path === '/api/probe/assignment')).toHaveLength(2);
  });

  it('after a 422 for a portal the hub no longer watches, fetches the assignment and delivers the rest: nothing else is lost, nothing wedges', async () => {
    const a = await portal();
    const b = await portal();
    const { hub, probe, messages } = await start(assignment([{ id: 'a', url: a.url, intervalSeconds: 1 }, { id: 'b', url: b.url, intervalSeconds: 1 }], { reportEverySeconds: 2 }));
    probe.start();
    await waitFor('a report with both', () => hub.observations('a').length > 0 && hub.observations('b').length > 0, 5000);
    // The hub stops watching b; the probe hears of it only through a refusal.
    hub.assignment = assignment([{ id: 'a', url: a.url, intervalSeconds: 1 }], { version: 'v2', reportEverySeconds: 2 });
    await waitFor('the refusal', () => hub.requests.some((r) => r.status === 422), 5000);
    await waitFor('v2 taken', () => probe.status().assignmentVersion === 'v2', 5000);
    const accepted = hub.reports.length;
    await waitFor('reports flowing again', () => hub.reports.length >= accepted + 2, 8000);
    await probe.stop();
    expect(hub.requests.filter((r) => r.status === 422)).toHaveLength(1);
    expect(messages().some((m) => m.includes('HTTP 422'))).toBe(true);
    // Every check of a reached the hub, those in the refused report too.
    expect(hub.observations('a')).toHaveLength(a.requests.count);
  });

  it('keeps checking the portals it has while the new assignment is garbage or invalid', async () => {
    const a = await portal();
    const { hub, probe, messages } = await start(assignment([{ id: 'a', url: a.url, intervalSeconds: 1 }]));
    probe.start();
    await waitFor('a report', () => hub.reports.length > 0, 5000);
    hub.assignment = { ...hub.assignment, version: 'v2' };
    hub.assignmentMode = 'invalid';
    await waitFor('the invalid assignment logged', () => messages().find((m) => m.includes('does not match the protocol')), 5000);
    hub.assignmentMode = 'garbage';
    await waitFor('the garbage assignment logged', () => messages().find((m) => m.includes('is not JSON')), 5000);
    const checks = a.requests.count;
    await waitFor('still checking', () => a.requests.count > checks + 1, 5000);
    expect(probe.status().assignmentVersion).toBe('v1');
    hub.assignmentMode = 'ok';
    await waitFor('v2 taken', () => probe.status().assignmentVersion === 'v2', 5000);
  });

  it('says offline when its network-level failures come with every reference failing, never mixing those with answers in one report', async () => {
    const healthy = await portal();
    const dead = await createRefusedPort();
    const references = [await createRefusedPort(), await createRefusedPort()];
    const { hub, probe, messages } = await start(
      assignment([{ id: 'sehat', url: healthy.url, intervalSeconds: 1 }, { id: 'mati', url: dead.url, intervalSeconds: 1 }]),
      { check: { referenceUrls: references.map((r) => r.url) } },
    );
    probe.start();
    await waitFor('both reported', () => hub.observations('mati').length >= 2 && hub.observations('sehat').length >= 2, 8000);
    expect(hub.observations('mati').every((o) => o.offline && o.networkLevel && o.cause === 'connect_refused')).toBe(true);
    expect(hub.observations('sehat').every((o) => !o.offline && o.state === 'up')).toBe(true);
    expect(messages().some((m) => m.includes('own network looks down'))).toBe(true);
    expect(hub.invalid).toEqual([]);
  });

  it('trusts its network when a reference answers: a refused portal is down, not offline', async () => {
    const reference = await portal();
    const dead = await createRefusedPort();
    const { hub, probe } = await start(assignment([{ id: 'mati', url: dead.url, intervalSeconds: 1 }]), { check: { referenceUrls: [reference.url] } });
    probe.start();
    await waitFor('reported', () => hub.observations('mati').length >= 3, 8000);
    expect(hub.observations('mati').every((o) => !o.offline && o.state === 'down')).toBe(true);
    // Asked once: its answer stands for 30 s.
    expect(reference.requests.count).toBe(1);
  });

  it('retries slowly after a 401, logs why, and recovers when the hub knows it again; the token is never logged', async () => {
    const healthy = await portal();
    const { hub, probe, messages, raw } = await start(assignment([{ id: 'a', url: healthy.url, intervalSeconds: 1 }]));
    hub.assignmentMode = 'unauthorized';
    probe.start();
    await waitFor('two refusals', () => hub.requests.filter((r) => r.status === 401).length >= 2, 5000);
    expect(messages().filter((m) => m.includes("the hub refused this probe's id or token")).length).toBeGreaterThanOrEqual(2);
    hub.assignmentMode = 'ok';
    await waitFor('a report', () => hub.reports.length > 0, 5000);
    expect(raw.join('\n')).not.toContain(TOKEN);
    expect(hub.requests.every((r) => r.token === TOKEN && r.probeId === ID)).toBe(true);
  });
});
