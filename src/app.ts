import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import { commands } from '../commands/registry.js';
import type { CommandDeps } from '../commands/types.js';
import type { Config } from './config.js';
import { createCatalog, loadBuiltInCatalog, type Catalog } from './core/catalog/index.js';
import { createChecker, type Checker } from './core/checker.js';
import { createFence } from './core/fence.js';
import { createMonitor, type Monitor, type WatchedPortal } from './core/monitor.js';
import { createOutbox, type Outbox } from './core/outbox.js';
import type { HistoryStore, MaintenanceStore, StateStore, SubscriptionStore } from './core/ports.js';
import { createStatusService, type StatusService } from './core/status-service.js';
import { everySecond, type Ticker } from './core/ticker.js';
import { systemClock, type Clock, type Portal, type PortalStatus } from './core/types.js';
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
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
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
  const checker = createChecker({ ...config.check, timeoutMs: config.check.timeoutSeconds * 1000, ownOrigins });

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
    notifiers: loaded.map((p) => p.notifier),
    portal: (id) => catalog.get(id),
    defaultLanguage: config.language,
    timezone: config.timezone,
    publicUrl: config.publicUrl ?? null,
    logger: logger.child({ component: 'outbox' }),
    onDelivered: (platform, result) => metrics.alertsSent.inc({ platform, result }),
  });
  metrics.countPendingAlertsWith(() => outbox.pending());
  const liveStatuses = new Map<string, PortalStatus>();
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
    ticker: options.ticker ?? everySecond({ onMissed: (count) => log.warn({ count }, 'the check loop missed ticks: the process was paused or too busy') }),
    logger,
    clock,
    metrics: metrics.monitor,
  });
  const status = createStatusService({ watched: () => watched().map((w) => w.portal), states, history, live: liveStatuses, clock });
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
        await monitor.recover();
        await outbox.start();
        monitor.start();
        sweeper.start();
      },
      async stop() {
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
    createPageRenderers({ history, clock, timezone: config.timezone, publicUrl: config.publicUrl ?? null }),
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
      await store.close();
      log.info('stopped');
    },
  };
}
