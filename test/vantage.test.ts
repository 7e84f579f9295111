/**
 * Vantage points end to end: the hub is the real app in this process (checks driven by hand, one
 * `runCycle` at a time, so who sees what when is decided by the test), the probes are real processes
 * (`src/probe/main.ts`) reporting to the hub's HTTP port on loopback, Telegram is the fake Bot API
 * with subscribed groups and an owner (BOT_OWNER_IDS) whose private chat gets owner notices. One fake
 * LPSE portal serves each monitor according to its User-Agent (the hub's `check.userAgent`, each
 * probe's own in its CONFIG_PATH file), so the hub can be challenged or a probe cut off alone.
 *
 * Every assertion is about what a user notices: messages in the fake Bot API, the public JSON API
 * (`/api/portals`, `/api/portals/:id`, `/api/probes`), and the probes' own logs.
 */
import { Writable } from 'node:stream';
import { describe, expect, it, type TestContext } from 'vitest';
import type { App } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { createFakeBotApi, type FakeBotApi, type FakeChat, type SentMessage } from './fakes/fake-bot-api.js';
import { createFakePortal, createRefusedPort, DEFAULT_ERROR_CODE, type FakePortal } from './fakes/fake-portal.js';
import { startApp, tempSqliteUrl } from './helpers/app.js';
import { waitFor } from './probe/fake-hub.js';
import { probeConfigFile, spawnProbe, type ProbeProcess } from './probe/spawn-probe.js';

const PORTAL = 'gresikkab';
const GROUP: FakeChat = { id: -1001234567001, type: 'supergroup', title: 'Rekanan Gresik' };
const GROUP_2: FakeChat = { id: -1001234567002, type: 'supergroup', title: 'Asosiasi Kontraktor Jatim' };
const ADMIN = { id: 501, is_bot: false, first_name: 'Sari' };
/** BOT_OWNER_IDS: owner notices go to this user's private chat (the chat id is the user id). */
const OWNER = 4242;
const HUB_UA = 'Mozilla/5.0 (X11; Linux x86_64) pantau-hub-e2e';
const PROBES = {
  'probe-a': { token: 'tok-probe-a-SECRET-0123456789', userAgent: 'Mozilla/5.0 pantau-probe-surabaya-e2e' },
  'probe-b': { token: 'tok-probe-b-SECRET-9876543210', userAgent: 'Mozilla/5.0 pantau-probe-medan-e2e' },
} as const;
type ProbeId = keyof typeof PROBES;
const PROBE_TOKENS = Object.entries(PROBES).map(([id, p]) => `${id}:${p.token}`).join(',');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface VantageJson {
  id: string;
  state: string;
  cause: string;
  lastCheckedAt: string;
  voting: boolean;
}
interface PortalJson {
  id: string;
  state: string;
  cause: string;
  errorCode: string | null;
  vantages: VantageJson[];
  incidents: Array<{ id: string; startedAt: string; endedAt: string | null; errorCode: string | null }>;
}
interface ProbeJson {
  id: string;
  lastSeenAt: string | null;
  online: boolean;
  portals: number;
  offline: boolean;
}

const isDown = (m: SentMessage) => /^🔴/u.test(m.text ?? '');
const isUp = (m: SentMessage) => /^🟢/u.test(m.text ?? '');

/**
 * One hub, its fakes and its probes. Everything it starts is torn down when the test finishes,
 * passed or failed; on failure the hub's and the probes' logs are printed.
 */
async function world(context: TestContext) {
  const teardown: Array<() => Promise<unknown>> = [];
  context.onTestFinished(async () => {
    for (const step of teardown.splice(0).reverse()) await step().catch(() => undefined);
  });
  const hubLines: string[] = [];
  const probes = new Map<string, ProbeProcess>();
  context.onTestFailed(() => {
    console.log(`--- hub log (tail) ---\n${hubLines.join('').slice(-6000)}`);
    for (const [id, p] of probes) console.log(`--- ${id} output (tail) ---\n${p.output().slice(-3000)}`);
  });

  const portal: FakePortal = await createFakePortal({ mode: 'healthy' });
  teardown.push(() => portal.close());
  const telegram: FakeBotApi = await createFakeBotApi();
  teardown.push(() => telegram.close());
  for (const chat of [GROUP, GROUP_2]) telegram.setMemberStatus(chat.id as number, ADMIN.id, 'administrator');
  const storeUrl = tempSqliteUrl();

  const yaml = [
    'check:',
    '  intervalSeconds: 1',
    '  retryIntervalSeconds: 1',
    '  failuresToDown: 2',
    '  successesToUp: 2',
    // Also what a view stays fresh for: two intervals plus this.
    '  timeoutSeconds: 5',
    '  maxRequestsPerSecondPerHost: 100',
    `  userAgent: ${JSON.stringify(HUB_UA)}`,
    '  referenceUrls: []',
    'telegram: { pollTimeoutSeconds: 1, messagesPerSecond: 100 }',
    'tenders: { enabled: false }',
    'portals:',
    `  - { id: ${PORTAL}, name: "LPSE Kabupaten Gresik", url: "${portal.url}", aliases: [gresik] }`,
  ].join('\n');
  const sink = new Writable({
    write(chunk, _encoding, done) {
      hubLines.push(String(chunk));
      done();
    },
  });

  let app: App | null = null;
  const hub = () => {
    if (!app) throw new Error('the hub is not running');
    return app;
  };
  /** Starts the hub (again) on the same store; on the same port when given. */
  async function startHub(port = 0): Promise<App> {
    const started = await startApp(
      yaml,
      {
        STORE_URL: storeUrl,
        HTTP_PORT: String(port),
        TELEGRAM_BOT_TOKEN: '123:fake',
        TELEGRAM_API_ROOT: telegram.apiRoot,
        BOT_OWNER_IDS: String(OWNER),
        PROBE_TOKENS,
      },
      { logger: createLogger({ level: 'debug', secrets: [] }, sink) },
    );
    app = started;
    teardown.push(() => started.stop());
    return started;
  }
  async function stopHub() {
    await hub().stop();
    app = null;
  }

  function probe(id: string, options: { token?: string; userAgent?: string; check?: Record<string, unknown> } = {}): ProbeProcess {
    const known = PROBES[id as ProbeId] as (typeof PROBES)[ProbeId] | undefined;
    const child = spawnProbe({
      PROBE_HUB_URL: `http://127.0.0.1:${hub().port()}/`,
      PROBE_ID: id,
      PROBE_TOKEN: options.token ?? known?.token ?? 'no-such-token-000000000',
      LOG_LEVEL: 'debug',
      CONFIG_PATH: probeConfigFile({
        timeoutSeconds: 3,
        referenceUrls: [],
        maxRequestsPerSecondPerHost: 100,
        userAgent: options.userAgent ?? known?.userAgent ?? `pantau-probe-${id}`,
        ...options.check,
      }),
    });
    probes.set(`${id}#${probes.size}`, child);
    teardown.push(() => child.kill());
    return child;
  }

  /** One check cycle of the hub over every portal, its alerts delivered. */
  async function cycle() {
    await hub().monitor.runCycle({ all: true });
    await hub().outbox.idle();
  }
  /** Cycles (as a ticker would, a few a second) until `done` holds. */
  async function cycleUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await cycle();
      if (await done()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(250);
    }
  }
  /** Keeps cycling for `ms`, calling `each` after every cycle. */
  async function cycleFor(ms: number, each: () => Promise<void> | void = () => undefined) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await cycle();
      await each();
      await sleep(250);
    }
  }

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${hub().port()}${path}`);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const portalJson = () => api<PortalJson>(`/api/portals/${PORTAL}`);
  const listed = async () => (await api<PortalJson[]>('/api/portals')).find((p) => p.id === PORTAL)!;
  const probesJson = () => api<ProbeJson[]>('/api/probes');
  const vantage = async (id: string) => (await portalJson()).vantages.find((v) => v.id === id);

  /** What the hub holds of one vantage point now (for sequencing only; assertions use the API). */
  const view = (id: string) => hub().monitor.status(PORTAL)?.vantages?.[id];

  /** Messages to a chat after its subscription was confirmed. */
  const since = new Map<number | string, number>();
  const alertsTo = (chat: FakeChat) => telegram.messagesTo(chat.id).slice(since.get(chat.id) ?? 0);
  async function say(chat: FakeChat, text: string, reply: RegExp) {
    const before = telegram.messagesTo(chat.id).length;
    telegram.sendText({ chat, from: ADMIN, text });
    const answer = await telegram.waitFor((m) => m.chat_id === chat.id && telegram.messagesTo(chat.id).length > before, 10_000);
    expect(answer.text).toMatch(reply);
  }
  async function subscribe(chat: FakeChat, options: { degraded?: boolean } = {}) {
    await say(chat, '/subscribe gresik', /Gresik/);
    if (options.degraded) await say(chat, '/degraded on', /.+/);
    since.set(chat.id, telegram.messagesTo(chat.id).length);
  }

  /** Every listed vantage point has confirmed the portal `state`, from observations made after `after`. */
  const confirmed = (ids: readonly string[], state: string, after: number) =>
    ids.every((id) => {
      const v = view(id);
      return v?.state === state && Date.parse(v.seen.at) >= after;
    });

  /** All start healthy: the hub and the probes have confirmed it up, and so has the portal (silently: the first result). */
  async function everyoneUp(probeIds: readonly string[]) {
    await cycleUntil('the portal up, confirmed by the hub and every probe', async () => confirmed(['hub', ...probeIds], 'up', 0) && (await listed()).state === 'up', 15_000);
  }

  /**
   * The portal changes (`change`) and every vantage point in `voters` confirms it at the same
   * cycle: the hub checks once, the probes confirm (two checks each, reported), then the hub's
   * second check confirms too — so the alert says from how many points it was seen.
   */
  async function allConfirm(change: () => void, state: 'up' | 'down', probeIds: readonly string[]) {
    change();
    const changedAt = Date.now();
    await cycle();
    await waitFor(`${probeIds.join(', ')} to confirm ${state}`, () => confirmed(probeIds, state, changedAt), 6000);
    await cycle();
  }

  return { portal, telegram, storeUrl, startHub, stopHub, hub, probe, cycle, cycleUntil, cycleFor, api, portalJson, listed, probesJson, vantage, view, alertsTo, subscribe, everyoneUp, allConfirm, confirmed, hubLines };
}

describe('vantage points: the hub and two probe processes', () => {
  it('a hub behind a Cloudflare challenge while both probes see the portal healthy: up, no alert, the hub blocked and not voting', async (context) => {
    const w = await world(context);
    await w.startHub();
    w.probe('probe-a');
    w.probe('probe-b');
    // Opted in to degraded ↔ up as well: even a partial outage would reach this group.
    await w.subscribe(GROUP, { degraded: true });
    await w.everyoneUp(['probe-a', 'probe-b']);

    w.portal.setModeForUserAgent(HUB_UA, 'cloudflare');
    await w.cycleUntil('the hub to confirm it is challenged', () => w.view('hub')?.state === 'blocked', 5000);
    const states = new Set<string>();
    await w.cycleFor(1500, async () => {
      states.add((await w.listed()).state);
    });

    expect([...states]).toEqual(['up']);
    const listed = await w.listed();
    expect(listed).toMatchObject({ state: 'up', cause: 'ok' });
    const detail = await w.portalJson();
    expect(detail.vantages).toEqual([
      expect.objectContaining({ id: 'hub', state: 'blocked', cause: 'cloudflare_challenge', voting: false }),
      expect.objectContaining({ id: 'probe-a', state: 'up', cause: 'ok', voting: true }),
      expect.objectContaining({ id: 'probe-b', state: 'up', cause: 'ok', voting: true }),
    ]);
    expect(detail.incidents).toEqual([]);
    // The hub really was challenged, and the probes really were served the portal.
    expect(w.portal.requests.list.filter((r) => r.userAgent === HUB_UA).at(-1)?.mode).toBe('cloudflare');
    expect(w.portal.requests.list.filter((r) => r.userAgent === PROBES['probe-a'].userAgent).at(-1)?.mode).toBe('healthy');
    expect(w.alertsTo(GROUP)).toEqual([]);
  }, 40_000);

  it("SPSE's error page seen from everywhere: one DOWN per subscribed chat with the Kode Error and where it was seen from, then one UP", async (context) => {
    const w = await world(context);
    await w.startHub();
    w.probe('probe-a');
    w.probe('probe-b');
    await w.subscribe(GROUP);
    await w.subscribe(GROUP_2);
    await w.everyoneUp(['probe-a', 'probe-b']);
    expect(w.alertsTo(GROUP)).toEqual([]);

    await w.allConfirm(() => w.portal.setMode('spse-error'), 'down', ['probe-a', 'probe-b']);
    expect(await w.listed()).toMatchObject({ state: 'down', cause: 'spse_error', errorCode: DEFAULT_ERROR_CODE });
    // The outage goes on: checks keep failing everywhere, nobody is told again.
    await w.cycleFor(1000);
    for (const chat of [GROUP, GROUP_2]) {
      const alerts = w.alertsTo(chat);
      expect(alerts.filter(isDown), `DOWN alerts to ${chat.title}`).toHaveLength(1);
      expect(alerts).toHaveLength(1);
      const down = alerts[0]!.text!;
      expect(down).toContain('LPSE Kabupaten Gresik');
      expect(down).toContain(DEFAULT_ERROR_CODE);
      expect(down).toContain('down menurut 3 dari 3 titik pantau (hub, probe-a, probe-b)');
    }
    const open = await w.portalJson();
    expect(open.vantages.map((v) => [v.id, v.state, v.voting])).toEqual([
      ['hub', 'down', true],
      ['probe-a', 'down', true],
      ['probe-b', 'down', true],
    ]);
    expect(open.incidents).toHaveLength(1);
    expect(open.incidents[0]).toMatchObject({ endedAt: null, errorCode: DEFAULT_ERROR_CODE });

    await w.allConfirm(() => w.portal.setMode('healthy'), 'up', ['probe-a', 'probe-b']);
    await w.cycleFor(1000);
    expect(await w.listed()).toMatchObject({ state: 'up', cause: 'ok' });
    for (const chat of [GROUP, GROUP_2]) {
      const alerts = w.alertsTo(chat);
      expect(alerts.filter(isDown), `DOWN alerts to ${chat.title}`).toHaveLength(1);
      expect(alerts.filter(isUp), `UP alerts to ${chat.title}`).toHaveLength(1);
      expect(alerts).toHaveLength(2);
      expect(alerts[1]!.text).toContain('LPSE Kabupaten Gresik');
    }
    const closed = await w.portalJson();
    expect(closed.incidents).toHaveLength(1);
    expect(closed.incidents[0]!.endedAt).not.toBeNull();
    expect(w.telegram.messagesTo(OWNER)).toEqual([]);
  }, 40_000);

  it("one probe's network breaks (the portal resets it, its reference addresses refuse): no alert, its votes ignored until its network is back", async (context) => {
    const w = await world(context);
    await w.startHub();
    const nowhere = await createRefusedPort();
    w.probe('probe-a');
    const cutOff = w.probe('probe-b', { check: { referenceUrls: [nowhere.url] } });
    await w.subscribe(GROUP, { degraded: true });
    await w.everyoneUp(['probe-a', 'probe-b']);

    const states = new Set<string>();
    const track = async () => {
      states.add((await w.listed()).state);
    };
    w.portal.setModeForUserAgent(PROBES['probe-b'].userAgent, { kind: 'reset' });
    await cutOff.waitForLog(/own network looks down/, 8000);
    await w.cycleUntil(
      'the hub to see probe-b offline',
      async () => {
        await track();
        return (await w.probesJson()).find((p) => p.id === 'probe-b')?.offline === true;
      },
      8000,
    );
    // A couple more reports of the cut-off probe: still nothing.
    await w.cycleFor(1000, track);
    const during = await w.portalJson();
    expect(during.vantages.map((v) => [v.id, v.voting])).toEqual([
      ['hub', true],
      ['probe-a', true],
      ['probe-b', false],
    ]);
    expect((await w.probesJson()).find((p) => p.id === 'probe-b')).toMatchObject({ online: true, offline: true });
    // Its reports kept coming (it is online), only what they say is not taken.
    expect(w.portal.requests.list.filter((r) => r.userAgent === PROBES['probe-b'].userAgent && r.mode === 'reset').length).toBeGreaterThanOrEqual(2);

    const backAt = Date.now();
    w.portal.setModeForUserAgent(PROBES['probe-b'].userAgent, null);
    await w.cycleUntil(
      'probe-b to vote again',
      async () => {
        await track();
        const b = await w.vantage('probe-b');
        return b?.voting === true && Date.parse(b.lastCheckedAt) >= backAt;
      },
      8000,
    );
    expect((await w.probesJson()).find((p) => p.id === 'probe-b')).toMatchObject({ online: true, offline: false });
    expect([...states]).toEqual(['up']);
    expect((await w.portalJson()).incidents).toEqual([]);
    expect(w.alertsTo(GROUP)).toEqual([]);
    expect(cutOff.alive()).toBe(true);
  }, 40_000);

  it('a probe killed with SIGKILL: offline after three of its intervals, the owner told privately, alerts go on from the others', async (context) => {
    const w = await world(context);
    await w.startHub();
    w.probe('probe-a');
    const victim = w.probe('probe-b');
    await w.subscribe(GROUP);
    await w.everyoneUp(['probe-a', 'probe-b']);

    victim.child.kill('SIGKILL');
    await victim.exited;
    let lastSeenAt = 0;
    await w.cycleUntil(
      'the hub to mark probe-b not online',
      async () => {
        const b = (await w.probesJson()).find((p) => p.id === 'probe-b')!;
        lastSeenAt = Date.parse(b.lastSeenAt!);
        return !b.online;
      },
      20_000,
    );
    const detectedAfterMs = Date.now() - lastSeenAt;
    // Three of its intervals (1 s) without a report, never sooner; the hub looks every 10 s.
    expect(detectedAfterMs).toBeGreaterThanOrEqual(3000);
    expect(detectedAfterMs).toBeLessThan(3000 + 10_000 + 1500);
    expect((await w.probesJson()).find((p) => p.id === 'probe-a')).toMatchObject({ online: true, offline: false });

    const notice = await w.telegram.waitFor((m) => String(m.chat_id) === String(OWNER), 5000);
    expect(notice.text).toContain('probe-b');
    expect(notice.text).toMatch(/has not reported/);
    expect(w.alertsTo(GROUP)).toEqual([]);

    await w.allConfirm(() => w.portal.setMode('spse-error'), 'down', ['probe-a']);
    await w.cycleFor(1000);
    const alerts = w.alertsTo(GROUP);
    expect(alerts.filter(isDown)).toHaveLength(1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain(DEFAULT_ERROR_CODE);
    expect(alerts[0]!.text).toContain('down menurut 2 dari 2 titik pantau (hub, probe-a)');
    expect(await w.listed()).toMatchObject({ state: 'down', cause: 'spse_error' });
    const detail = await w.portalJson();
    expect(detail.vantages.find((v) => v.id === 'probe-b')).toMatchObject({ voting: false });
    // One notice for the episode; none of it in the group.
    expect(w.telegram.messagesTo(OWNER)).toHaveLength(1);
    expect(alerts.some((m) => /probe-b/.test(m.text ?? ''))).toBe(false);
  }, 50_000);

  it('the hub restarts on the same store and port: the probes reconnect by themselves, their backlog is delivered, nothing is announced twice', async (context) => {
    const w = await world(context);
    const first = await w.startHub();
    const port = first.port();
    const a = w.probe('probe-a');
    const b = w.probe('probe-b');
    await w.subscribe(GROUP);
    await w.everyoneUp(['probe-a', 'probe-b']);
    // One outage, announced and over, before the restart.
    await w.allConfirm(() => w.portal.setMode('spse-error'), 'down', ['probe-a', 'probe-b']);
    await w.allConfirm(() => w.portal.setMode('healthy'), 'up', ['probe-a', 'probe-b']);
    expect(w.alertsTo(GROUP).map((m) => (isDown(m) ? 'DOWN' : isUp(m) ? 'UP' : m.text))).toEqual(['DOWN', 'UP']);

    await w.stopHub();
    // While the hub is away the portal fails again; only the probes see it, and keep what they saw.
    const failedAt = Date.now();
    w.portal.setMode('spse-error');
    await waitFor(
      'two failing checks by each probe while the hub is away',
      () => Object.values(PROBES).every((p) => w.portal.requests.list.filter((r) => r.userAgent === p.userAgent && r.at >= failedAt && r.mode === 'spse-error').length >= 2),
      6000,
    );
    // Each probe has tried, and failed, to report after its first failing check: that one waits in its backlog.
    await Promise.all([a.waitForLog(/cannot deliver reports to the hub/, 5000), b.waitForLog(/cannot deliver reports to the hub/, 5000)]);
    await Promise.all([a.waitForLog(/the hub still takes no reports/, 5000), b.waitForLog(/the hub still takes no reports/, 5000)]);
    const firstFailingCheck = Math.min(...w.portal.requests.list.filter((r) => r.at >= failedAt && r.mode === 'spse-error').map((r) => r.at));
    const restartedAt = Date.now();
    const second = await w.startHub(port);
    expect(second.port()).toBe(port);

    await Promise.all([a.waitForLog(/the hub takes reports again/, 15_000), b.waitForLog(/the hub takes reports again/, 15_000)]);
    await waitFor('both probes confirming down at the restarted hub', () => w.confirmed(['probe-a', 'probe-b'], 'down', failedAt), 5000);
    await w.cycle();
    await w.cycleFor(1000);

    const alerts = w.alertsTo(GROUP).map((m) => (isDown(m) ? 'DOWN' : isUp(m) ? 'UP' : m.text));
    expect(alerts).toEqual(['DOWN', 'UP', 'DOWN']);
    expect(w.alertsTo(GROUP)[2]!.text).toContain(DEFAULT_ERROR_CODE);
    expect(await w.listed()).toMatchObject({ state: 'down', cause: 'spse_error' });
    const detail = await w.portalJson();
    expect(detail.incidents).toHaveLength(2);
    const [current, earlier] = detail.incidents;
    expect(earlier!.endedAt).not.toBeNull();
    // The outage started at the probes' first failing check, while the hub was away: their whole backlog arrived.
    expect(current!.endedAt).toBeNull();
    expect(Date.parse(current!.startedAt)).toBeLessThan(restartedAt);
    expect(Math.abs(Date.parse(current!.startedAt) - firstFailingCheck)).toBeLessThan(300);
    const probes = await w.probesJson();
    for (const id of ['probe-a', 'probe-b']) {
      const p = probes.find((x) => x.id === id)!;
      expect(p).toMatchObject({ online: true, offline: false });
      expect(Date.parse(p.lastSeenAt!)).toBeGreaterThanOrEqual(restartedAt);
    }
    expect(a.alive() && b.alive()).toBe(true);
    expect(w.telegram.messagesTo(OWNER)).toEqual([]);
  }, 50_000);

  it('refuses a probe with a wrong token or an unknown id (401), and garbage, 10 MB and unknown-portal reports: the probes keep running, say why without their token, nothing changes', async (context) => {
    const w = await world(context);
    const app = await w.startHub();
    await w.subscribe(GROUP);
    const wrongToken = 'wrong-SECRET-token-0123456789';
    const impostor = w.probe('probe-a', { token: wrongToken });
    const stranger = w.probe('medan-9', { token: PROBES['probe-b'].token });
    for (const child of [impostor, stranger]) {
      const line = await child.waitForLog(/the hub refused this probe's id or token/, 10_000);
      expect(line).toMatchObject({ level: 50, status: 401 });
    }
    await w.cycleUntil('the portal up from the hub alone', async () => (await w.listed()).state === 'up', 8000);

    const base = `http://127.0.0.1:${app.port()}`;
    const headers = { 'content-type': 'application/json', 'x-probe-id': 'probe-a', authorization: `Bearer ${PROBES['probe-a'].token}` };
    const report = (portalId: string) => ({
      probeId: 'probe-a',
      bootId: 'e2e-boot-0001',
      seq: 1,
      sentAt: new Date().toISOString(),
      offline: false,
      dropped: 0,
      observations: [{ portalId, at: Date.now(), state: 'down', cause: 'spse_error', httpStatus: 500, errorCode: DEFAULT_ERROR_CODE, detail: 'SPSE error page', latencyMs: 10, networkLevel: false }],
    });
    const post = (body: string, h: Record<string, string> = headers) => fetch(`${base}/api/probe/reports`, { method: 'POST', headers: h, body }).then((r) => r.status);
    expect(await post(JSON.stringify(report(PORTAL)), { ...headers, authorization: `Bearer ${wrongToken}` })).toBe(401);
    expect(await post(JSON.stringify({ ...report(PORTAL), probeId: 'medan-9' }), { ...headers, 'x-probe-id': 'medan-9' })).toBe(401);
    expect(await post('{"probeId": "probe-a", garbage')).toBe(400);
    expect(await post(JSON.stringify({ probeId: 'probe-a', observations: 'semua aman' }))).toBe(400);
    expect(await post('x'.repeat(10 * 1024 * 1024))).toBe(413);
    expect(await post(JSON.stringify(report('atlantis')))).toBe(422);

    await w.cycleFor(1000);
    // Still alive a while after the refusal, and never a token in what they wrote.
    for (const child of [impostor, stranger]) {
      expect(child.alive()).toBe(true);
      expect(child.output()).not.toContain(wrongToken);
      expect(child.output()).not.toContain(PROBES['probe-a'].token);
      expect(child.output()).not.toContain(PROBES['probe-b'].token);
    }
    expect(await w.probesJson()).toEqual([
      { id: 'probe-a', lastSeenAt: null, online: false, portals: 0, offline: false },
      { id: 'probe-b', lastSeenAt: null, online: false, portals: 0, offline: false },
    ]);
    const detail = await w.portalJson();
    expect(detail).toMatchObject({ state: 'up', incidents: [] });
    expect(detail.vantages.map((v) => v.id)).toEqual(['hub']);
    expect(w.alertsTo(GROUP)).toEqual([]);
  }, 40_000);
});
