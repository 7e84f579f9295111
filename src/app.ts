import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import { commands } from '../commands/registry.js';
import type { CommandDeps } from '../commands/types.js';
import type { Config } from './config.js';
import { createCatalog, loadBuiltInCatalog, type Catalog } from './core/catalog/index.js';
import { createChecker, type Checker } from './core/checker.js';
import { createFence } from './core/fence.js';
import { platformOfUserId } from './core/notifier.js';
import type { Reply } from './core/reply.js';
import { consensus, HUB } from './core/vantage/consensus.js';
import { createProbeRegistry } from './core/vantage/probes.js';
import type { Assignment } from './core/vantage/protocol.js';
import { createProbeApi } from './http/probe-api.js';
import { affectedCsvUrl } from './core/links.js';
import { createTenderCollector, type TenderRoundReport } from './core/tenders/collector.js';
import { createTenderHttp } from './core/tenders/http.js';
import { createTenderView } from './core/tenders/view.js';
import { createTenderEvidence } from './core/tenders/evidence.js';
import { createTenderApi } from './http/tender-api.js';
import { createEvidenceStore } from './store/evidence-store.js';
import { createTenderStore } from './store/tender-store.js';
import { createProbeStore } from './store/probe-store.js';
import { createMonitor, type Monitor, type WatchedPortal } from './core/monitor.js';
import { createOutbox, type Outbox } from './core/outbox.js';
import type { HistoryStore, MaintenanceStore, StateStore, SubscriptionStore } from './core/ports.js';
import { createStatusService, type StatusService } from './core/status-service.js';
import { everySecond, type Ticker } from './core/ticker.js';
import { systemClock, type AlertTenders, type Clock, type Incident, type Portal, type PortalStatus, type Transition } from './core/types.js';
import { createPageRenderers } from './http/page-routes.js';
import { createHttpServer } from './http/server.js';
import { healthReport } from './health.js';
import { createLeadership, type Leadership } from './leadership.js';
import { createMetrics, type Metrics } from './metrics.js';
import { loadPlatforms } from './platforms/index.js';
import type { ChatPlatform, PlatformDeps } from './platforms/types.js';
import { createHistoryStore } from './store/history-store.js';
import { createMaintenanceStore } from './store/maintenance-store.js';
import { openStore, type Store } from './store/open-store.js';
import { createSweeper } from './store/sweeper.js';
import { createOutboxStore } from './store/outbox-store.js';
import { createStateStore } from './store/state-store.js';
import { createSubscriptionStore } from './store/subscription-store.js';

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  cwd?: string;
  /** Built-in catalog override (tests, benches); the config's `portals` list still wins. */
  catalogPortals?: Portal[];
  /** What drives the check loop; by default node-cron every second. */
  ticker?: Ticker;
}

export interface App {
  config: Config;
  catalog: Catalog;
  store: Store;
  states: StateStore;
  history: HistoryStore;
  subscriptions: SubscriptionStore;
  maintenance: MaintenanceStore;
  status: StatusService;
  monitor: Monitor;
  outbox: Outbox;
  checker: Checker;
  metrics: Metrics;
  /** What chat commands run with (the same for every platform). */
  commandDeps: CommandDeps;
  clock: Clock;
  logger: Logger;
  http: Server;
  platforms: readonly ChatPlatform[];
  /** Port the HTTP server listens on (after start). */
  port(): number;
  /** One round of tender collection now, over the portals it covers (the lease holder runs one every minute). */
  collectTenders(): Promise<TenderRoundReport>;
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
}

/** How often probes send what they saw: as often as failures are re-checked, so agreement comes quickly. */
const reportEverySeconds = (config: Config) => Math.min(config.check.retryIntervalSeconds, config.check.intervalSeconds);

/** What every probe checks: the hub's watched portals at their configured intervals. */
function assignmentOf(watched: WatchedPortal[], config: Config): Assignment {
  const portals = watched.map((w) => ({
    id: w.portal.id,
    url: w.portal.url,
    intervalSeconds: Math.round(w.intervalMs / 1000),
    ...(w.portal.expectText ? { expectText: w.portal.expectText } : {}),
  }));
  const version = createHash('sha256').update(JSON.stringify([portals, config.check.retryIntervalSeconds])).digest('base64url').slice(0, 16);
  return { version, retryIntervalSeconds: config.check.retryIntervalSeconds, reportEverySeconds: reportEverySeconds(config), portals };
}

function toPortal(p: NonNullable<Config['portals']>[number]): Portal & { expectText?: string | undefined } {
  return { id: p.id, name: p.name, url: p.url, aliases: p.aliases, kind: null, province: p.province, legacyUrl: null, lkppRepoId: null, instansi: [], expectText: p.expectText };
}

/**
 * The composition root's body: builds every part from a validated config and wires them. It holds
 * no logic of its own: checks live in the monitor, who runs them in the leadership.
 */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.env.logLevel });
  const clock = options.clock ?? systemClock;
  const log = logger.child({ component: 'app' });
  const configured = config.portals?.map(toPortal) ?? null;
  const catalog = createCatalog(configured ?? options.catalogPortals ?? loadBuiltInCatalog());
  const store = await openStore(config.env.storeUrl, options.cwd, { logger });
  const sweeper = createSweeper({ store, logger });
  const states = createStateStore(store.keyv);
  const history = createHistoryStore(store.keyv, config.history);
  const subscriptions = createSubscriptionStore(store.keyv, () => clock.now());
  const maintenance = createMaintenanceStore(store.keyv);
  const metrics = createMetrics();
  // The bot's own addresses: a portal redirected onto them must never count as a healthy portal.
  const ownOrigins = ['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${config.env.httpPort}`).concat(config.publicUrl ? [config.publicUrl] : []);
  // Each configured portal's own route (a proxy URL, or `direct`) goes to the checker only, never
  // onto the Portal, whose fields reach the public API: a proxy's credentials are a secret.
  const portalProxyUrls = Object.fromEntries((config.portals ?? []).flatMap((p) => (p.proxyUrl === undefined ? [] : [[p.id, p.proxyUrl] as const])));
  const checker = createChecker({ ...config.check, timeoutMs: config.check.timeoutSeconds * 1000, ownOrigins, portalProxyUrls });

  const intervalMs = config.check.intervalSeconds * 1000;
  const catalogIntervalMs = config.check.catalogIntervalSeconds * 1000;
  // Configured portals are all watched closely; the national catalog is checked politely, and
  // more often for the portals some chat subscribed to.
  const watched = (): WatchedPortal[] => {
    if (configured) return configured.map((portal) => ({ portal, intervalMs }));
    const subscribed = subscriptions.subscribedPortalIds();
    return catalog.all().map((portal) => ({ portal, intervalMs: subscribed.has(portal.id) ? intervalMs : catalogIntervalMs }));
  };

  const loaded = await loadPlatforms(config.platforms);
  // Granted by the leadership while the lease is proven; the loop and the outbox act only then.
  const fence = createFence();
  const outbox = createOutbox({
    fence,
    store: createOutboxStore(store.keyv, () => clock.now()),
    subscriptions,
    history,
    tenders: (transitions) => alertTenders(transitions),
    notifiers: loaded.map((p) => p.notifier),
    portal: (id) => catalog.get(id),
    defaultLanguage: config.language,
    timezone: config.timezone,
    publicUrl: config.publicUrl ?? null,
    logger: logger.child({ component: 'outbox' }),
    onDelivered: (platform, result) => metrics.alertsSent.inc({ platform, result }),
  });
  metrics.countPendingAlertsWith(() => outbox.pending());
  // Probes: vantage points in other networks whose votes count while they report.
  const probeStore = createProbeStore(store.keyv, { logger });
  const probes = createProbeRegistry({
    ids: config.env.probeTokens.map((p) => p.id),
    intervalMs: Math.max(config.check.intervalSeconds, reportEverySeconds(config)) * 1000,
    onChange: (probe, online) => {
      metrics.probeUp.set({ probe: probe.id }, online && !probe.offline ? 1 : 0);
      if (online) log.info({ probe: probe.id }, 'probe reporting again');
      else {
        log.warn({ probe: probe.id, lastSeenAt: probe.lastSeenAt }, 'probe stopped reporting; its votes are ignored until it is back');
        void notifyOwners({
          tone: 'error',
          lines: [[`Probe ${probe.id} has not reported since ${probe.lastSeenAt ?? 'it started'}; its votes are ignored until it reports again. Alerts go on from the other vantage points.`]],
        });
      }
    },
  });
  /** A notice to the bot owners (`BOT_OWNER_IDS`) by direct message, never to subscribed chats. */
  async function notifyOwners(reply: Reply) {
    for (const userId of config.env.ownerIds) {
      const notifier = loaded.find((p) => p.name === platformOfUserId(userId))?.notifier;
      if (!notifier) continue;
      await notifier.notice(userId, reply).catch((error: unknown) => log.warn({ err: error, userId }, 'could not send a notice to a bot owner'));
    }
  }
  // Tender impact: which bid deadlines an outage hits. Collected by the lease holder only.
  const tenderStore = createTenderStore(store.keyv, { logger });
  const evidence = createEvidenceStore(store.keyv, { logger, retentionDays: config.history.incidentRetentionDays });
  const tenderHttp = createTenderHttp({ timeoutMs: config.check.timeoutSeconds * 1000, maxBodyBytes: config.check.maxBodyBytes, maxRedirects: config.check.maxRedirects, userAgent: config.check.userAgent, ownOrigins });
  const liveStatuses = new Map<string, PortalStatus>();
  const collector = createTenderCollector({
    fetch: tenderHttp.fetch,
    clock,
    store: tenderStore,
    portalHealth: (id) => liveStatuses.get(id)?.state ?? 'unknown',
    logger,
    countError: (portal, cause) => metrics.tenderErrors.inc({ portal, cause }),
    observeRequest: (_portal, endpoint, status) => metrics.tenderRequests.inc({ endpoint, status: status === null ? 'none' : String(status) }),
    outagesOf: (id) => history.incidents(id, 50),
    settings: { refreshMinutes: config.tenders.refreshMinutes, requestIntervalMs: config.tenders.requestIntervalMs, timeZone: config.timezone },
  });
  let collecting = false;
  const tenders = createTenderView({ live: () => (collecting ? collector : null), store: tenderStore });
  const tenderEvidence = createTenderEvidence({ view: tenders, store: evidence });
  const lookaheadMs = config.tenders.lookaheadHours * 3_600_000;
  /** The tender stages each transition of an alert batch concerns. */
  async function alertTenders(transitions: readonly Transition[]): Promise<Map<string, AlertTenders>> {
    const out = new Map<string, AlertTenders>();
    if (!config.tenders.enabled) return out;
    const index = await tenders.index();
    for (const tr of transitions) {
      const window = tr.kind === 'down' ? { from: Date.parse(tr.at), to: Date.parse(tr.at) + lookaheadMs, kind: 'ahead' as const } : tr.kind === 'up' && tr.outageStartedAt ? { from: Date.parse(tr.outageStartedAt), to: Date.parse(tr.at), kind: 'during' as const } : null;
      if (!window) continue;
      const summary = index.stagesEndingBetweenMany([tr.portalId], window.from, window.to, { activeOnly: window.kind === 'ahead', limit: 5 }).get(tr.portalId);
      if (!summary || summary.total === 0) continue;
      const incidentId = tr.kind === 'up' ? (tr.outageIncidentId ?? null) : null;
      out.set(tr.id, { window: window.kind, hours: config.tenders.lookaheadHours, summary, evidenceUrl: incidentId ? affectedCsvUrl(config.publicUrl ?? null, tr.portalId, incidentId) : null });
    }
    return out;
  }
  /** What an ended outage hit is kept with it (tender data itself is forgotten a month after a package ends). */
  async function keepEvidence(incidents: Incident[]) {
    if (!config.tenders.enabled) return;
    try {
      const index = await tenders.index();
      for (const incident of incidents) {
        if (!incident.endedAt) continue;
        const stages = index.stagesEndingBetween(incident.portalId, Date.parse(incident.startedAt), Date.parse(incident.endedAt), { activeOnly: false, limit: 1000 });
        if (stages.length) await evidence.saveAffected(incident.portalId, incident.id, stages);
      }
    } catch (error) {
      log.warn({ err: error }, 'could not keep the tender stages an outage hit; they are computed from tender data while it lasts');
    }
  }
  const monitor = createMonitor({
    check: config.check,
    maintenance: config.maintenance,
    timezone: config.timezone,
    watched,
    checker,
    states,
    history,
    adHocMaintenance: maintenance,
    subscribersOf: (id) => subscriptions.subscribersOf(id),
    outbox,
    statuses: liveStatuses,
    fence,
    probeOffline: (id) => probes.isOffline(id),
    evidence: keepEvidence,
    ticker: options.ticker ?? everySecond({ onMissed: (count) => log.warn({ count }, 'the check loop missed ticks: the process was paused or too busy') }),
    logger,
    clock,
    metrics: metrics.monitor,
  });
  // Staleness depends on each portal's interval; who is subscribed changes, so the map is refreshed.
  let intervals = { at: 0, of: new Map<string, number>() };
  const intervalOf = (portalId: string, now: number) => {
    if (now - intervals.at > 10_000) intervals = { at: now, of: new Map(watched().map((w) => [w.portal.id, w.intervalMs])) };
    return intervals.of.get(portalId) ?? config.check.intervalSeconds * 1000;
  };
  const status = createStatusService({
    watched: () => watched().map((w) => w.portal),
    states,
    history,
    live: liveStatuses,
    clock,
    voting: (portalId, views, now) => {
      const verdict = consensus(views, {
        now,
        staleAfterMs: 2 * intervalOf(portalId, now) + config.check.timeoutSeconds * 1000,
        quorum: config.check.quorum ?? null,
        offline: (id) => (id === HUB ? monitor.health().offline : probes.isOffline(id)),
      });
      return new Set(verdict.voting);
    },
  });
  const commandDeps: CommandDeps = {
    catalog,
    subscriptions,
    status,
    history,
    maintenance,
    clock,
    timezone: config.timezone,
    defaultLanguage: config.language,
    publicUrl: config.publicUrl ?? null,
    commands: commands.all,
    limits: config.subscriptions,
    tenders: { view: tenders, evidence: tenderEvidence, lookaheadHours: config.tenders.lookaheadHours },
    async stats() {
      const statuses = [...liveStatuses.values()];
      const count = (state: string) => statuses.filter((s) => s.state === state).length;
      const chats = subscriptions.all();
      const health = monitor.health();
      return {
        portals: statuses.length,
        up: count('up'),
        degraded: count('degraded'),
        down: count('down'),
        blocked: count('blocked'),
        chats: chats.length,
        subscriptions: chats.reduce((sum, c) => sum + c.portals.length, 0),
        lastCycle: health.lastCycleFinishedAt ? new Date(health.lastCycleFinishedAt).toISOString() : '-',
        offline: health.offline ? 'yes' : 'no',
        store: store.kind,
        quarantinedRecords: (await store.quarantined().catch(() => [])).length,
      };
    },
  };
  const platformDeps: PlatformDeps = { commands: commandDeps, registry: commands, ownerIds: config.env.ownerIds, logger };
  const platforms = loaded.map((platform) => platform.connect(platformDeps));

  let probeSweep: NodeJS.Timeout | null = null;
  let probesSavedAt = 0;
  // What probes are told and may report on, worked out again at most every ten seconds: ten
  // probes report every fifteen, and who is subscribed changes rarely.
  let probeCache: { at: number; assignment: Assignment; ids: Set<string> } | null = null;
  const probeView = () => {
    if (!probeCache || Date.now() - probeCache.at > 10_000) {
      const list = watched();
      probeCache = { at: Date.now(), assignment: assignmentOf(list, config), ids: new Set(list.map((w) => w.portal.id)) };
    }
    return probeCache;
  };
  let tenderRounds: NodeJS.Timeout | null = null;
  /** Whose tenders are collected: every configured portal, or the catalog portals some chat subscribes to. */
  const tenderTargets = () => {
    const subscribed = subscriptions.subscribedPortalIds();
    return watched()
      .filter((w) => configured || subscribed.has(w.portal.id))
      .map((w) => ({ id: w.portal.id, url: w.portal.url, subscribed: subscribed.has(w.portal.id) }));
  };
  const leadership: Leadership = createLeadership({
    lease: store.lease,
    holder: config.env.instanceId,
    ttlMs: config.env.leaseTtlSeconds * 1000,
    fence,
    platforms,
    logger,
    onChange: (leader) => metrics.isLeader.set(leader ? 1 : 0),
    duties: {
      async start() {
        log.info({ store: store.description }, 'loading subscriptions and unsent alerts');
        await subscriptions.load();
        probes.restore(await probeStore.load());
        probeSweep = setInterval(() => probes.sweep(Date.now()), 10_000);
        probeSweep.unref();
        if (config.tenders.enabled) {
          await collector.recover();
          collecting = true;
          tenderRounds = setInterval(() => {
            collector.runRound(tenderTargets()).catch((error: unknown) => log.warn({ err: error }, 'tender round failed; the next one tries again'));
          }, 60_000);
          tenderRounds.unref();
        }
        await monitor.recover();
        await outbox.start();
        monitor.start();
        sweeper.start();
      },
      async stop() {
        if (probeSweep) clearInterval(probeSweep);
        probeSweep = null;
        if (tenderRounds) clearInterval(tenderRounds);
        tenderRounds = null;
        collecting = false;
        collector.abort();
        await monitor.stop();
        await outbox.stop();
        await sweeper.stop();
      },
    },
  });

  const http = createHttpServer(
    {
      status,
      portal: (id) => catalog.get(id),
      health: () => healthReport(monitor.health(), { leader: leadership.isLeader(), startError: leadership.startError(), store: leadership.storeContact() }),
      registry: metrics.registry,
      timezone: config.timezone,
      defaultLanguage: config.language,
      logger,
    },
    createPageRenderers({
      history,
      clock,
      timezone: config.timezone,
      publicUrl: config.publicUrl ?? null,
      affected: config.tenders.enabled ? (incident) => tenderEvidence.affected(incident, clock.now()) : undefined,
    }),
    config.env.probeTokens.length === 0
      ? null
      : createProbeApi({
          tokens: config.env.probeTokens,
          isLeader: () => leadership.isLeader() && fence.valid(),
          assignment: () => probeView().assignment,
          registry: probes,
          savedProbes: () => probeStore.load(),
          saveProbes: (records) => {
            // The registry is saved for standby replicas; a few seconds' lag is fine, a write per report is not.
            if (Date.now() - probesSavedAt < 10_000) return Promise.resolve();
            probesSavedAt = Date.now();
            return probeStore.save(records);
          },
          watchedIds: () => probeView().ids,
          ingest: (probeId, observations) => monitor.ingest(probeId, observations),
          failing: () => monitor.failing(),
          countReport: (probe, result) => metrics.probeReports.inc({ probe, result }),
          now: () => clock.now(),
          logger,
        }),
    createTenderApi({ view: tenders, evidence: tenderEvidence, status, timezone: config.timezone, now: () => clock.now() }),
  );

  let stopped = false;
  return {
    config,
    catalog,
    store,
    states,
    history,
    subscriptions,
    maintenance,
    status,
    monitor,
    outbox,
    checker,
    metrics,
    commandDeps,
    clock,
    logger,
    http,
    platforms,
    port: () => (http.address() as AddressInfo | null)?.port ?? 0,
    collectTenders: () => collector.runRound(tenderTargets()),
    isLeader: () => leadership.isLeader(),
    async start() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.env.httpPort, () => {
          http.off('error', reject);
          resolve();
        });
      });
      log.info({ port: (http.address() as AddressInfo).port, portals: watched().length, store: store.description }, 'pantau-lpse started');
      await leadership.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Checks waiting on hanging portals end now, so a stop never waits out their timeouts.
      checker.abortAll();
      await leadership.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await checker.close();
      await tenderHttp.close();
      await store.close();
      log.info('stopped');
    },
  };
}
