import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { assignmentSchema, receiptSchema, type ProbeReport } from '../../src/core/vantage/protocol.js';
import { createFakePortal, type FakePortal } from '../fakes/fake-portal.js';
import { byHand } from '../helpers/app.js';

const TOKEN_A = 'tok-surabaya-0123456789abcdef';
const TOKEN_B = 'tok-jakarta-0123456789abcdef00';

describe('the hub’s probe API', () => {
  let app: App;
  let portal: FakePortal;
  const lines: string[] = [];
  const base = () => `http://127.0.0.1:${app.port()}`;
  const auth = (id: string, token: string) => ({ 'x-probe-id': id, authorization: `Bearer ${token}` });
  let seq = 0;
  const report = (over: Partial<ProbeReport> = {}): ProbeReport => ({
    probeId: 'surabaya-1',
    bootId: 'boot-0001-aaaa',
    seq: seq++,
    sentAt: new Date().toISOString(),
    offline: false,
    dropped: 0,
    observations: [{ portalId: 'gresikkab', at: Date.now(), state: 'down', cause: 'spse_error', httpStatus: 500, errorCode: '81kep4jo9', detail: 'SPSE error page', latencyMs: 120, networkLevel: false }],
    ...over,
  });
  const post = (body: unknown, headers: Record<string, string> = auth('surabaya-1', TOKEN_A)) =>
    fetch(`${base()}/api/probe/reports`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    portal = await createFakePortal({ mode: 'healthy' });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig(`check: { failuresToDown: 1, successesToUp: 1, referenceUrls: [] }\nportals:\n  - { id: gresikkab, name: LPSE Kabupaten Gresik, url: "${portal.url}" }\n`, {
      STORE_URL: 'memory://',
      HTTP_PORT: '0',
      PROBE_TOKENS: `surabaya-1:${TOKEN_A}, jakarta-1:${TOKEN_B}`,
    });
    app = await createApp(config, { logger: createLogger({ level: 'debug', secrets: [TOKEN_A, TOKEN_B] }, sink), ticker: byHand() });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await portal?.close();
  });

  it('gives a probe its assignment: the watched portals, how often, how soon to retry', async () => {
    const res = await fetch(`${base()}/api/probe/assignment`, { headers: auth('surabaya-1', TOKEN_A) });
    expect(res.status).toBe(200);
    const assignment = assignmentSchema.parse(await res.json());
    expect(assignment.portals).toEqual([{ id: 'gresikkab', url: portal.url, intervalSeconds: 60 }]);
    expect(assignment.retryIntervalSeconds).toBe(15);
  });

  it.each([
    ['a wrong token', auth('surabaya-1', TOKEN_B)],
    ['an unknown probe id', auth('medan-1', TOKEN_A)],
    ['no credentials', {} as Record<string, string>],
  ])('refuses %s with 401 and changes nothing', async (_name, headers) => {
    expect((await fetch(`${base()}/api/probe/assignment`, { headers })).status).toBe(401);
    expect((await post(report(), headers)).status).toBe(401);
    expect(app.monitor.status('gresikkab')?.vantages?.['surabaya-1']).toBeUndefined();
  });

  it('refuses garbage, an oversized body, a report for a portal it does not watch, and a replay — changing nothing', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ probeId: 'surabaya-1', observations: 'all fine' })).status).toBe(400);
    expect((await post('x'.repeat(10 * 1024 * 1024))).status).toBe(413);
    const unknown = await post(report({ observations: [{ ...report().observations[0]!, portalId: 'atlantis' }] }));
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ unknown: ['atlantis'] });
    expect((await post(report({ sentAt: new Date(Date.now() - 3_600_000).toISOString() }))).status).toBe(400);
    expect(app.monitor.status('gresikkab')?.vantages?.['surabaya-1']).toBeUndefined();

    const accepted = report();
    const first = await post(accepted);
    expect(first.status).toBe(200);
    expect(receiptSchema.parse(await first.json())).toMatchObject({ accepted: 1, recheck: ['gresikkab'] });
    const replay = await post(accepted);
    expect(replay.status).toBe(409);
    // An older process of the same probe cannot slip in either.
    expect((await post(report({ bootId: 'boot-0000-old0', sentAt: new Date(Date.now() - 60_000).toISOString() }))).status).toBe(409);
    expect(app.monitor.status('gresikkab')?.vantages?.['surabaya-1']?.seen.state).toBe('down');
  });

  it('lists its probes, and shows each vantage point of a portal with whether it votes', async () => {
    const probes = (await (await fetch(`${base()}/api/probes`)).json()) as Array<Record<string, unknown>>;
    expect(probes).toEqual([
      expect.objectContaining({ id: 'surabaya-1', online: true, portals: 1, offline: false }),
      expect.objectContaining({ id: 'jakarta-1', online: false, lastSeenAt: null }),
    ]);
    await app.monitor.runCycle({ all: true });
    const detail = (await (await fetch(`${base()}/api/portals/gresikkab`)).json()) as { vantages: Array<Record<string, unknown>> };
    expect(detail.vantages).toEqual([
      expect.objectContaining({ id: 'hub', state: 'up', cause: 'ok', voting: true }),
      expect.objectContaining({ id: 'surabaya-1', state: 'down', cause: 'spse_error', voting: true }),
    ]);
  });

  it('never writes a token to its logs', () => {
    const all = lines.join('');
    expect(all).not.toContain(TOKEN_A);
    expect(all).not.toContain(TOKEN_B);
    expect(all).toContain('probe report refused');
  });
});

describe('a hub without PROBE_TOKENS', () => {
  it('exposes no probe API at all', async () => {
    const config = loadConfig('portals:\n  - { id: a, name: A, url: "http://127.0.0.1:9/" }\n', { STORE_URL: 'memory://', HTTP_PORT: '0' });
    const app = await createApp(config, { logger: createLogger({ level: 'silent', secrets: [] }), ticker: byHand() });
    await app.start();
    try {
      for (const path of ['/api/probe/assignment', '/api/probes']) expect((await fetch(`http://127.0.0.1:${app.port()}${path}`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${app.port()}/api/probe/reports`, { method: 'POST', body: '{}' })).status).toBe(405);
    } finally {
      await app.stop();
    }
  });
});
