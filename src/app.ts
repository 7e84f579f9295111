import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { createCatalog, loadBuiltInCatalog, type Catalog } from './core/catalog.js';
import { createChecker, type Checker } from './core/checker.js';
import type { Notifier } from './core/delivery.js';
import { createMonitor, type Monitor, type WatchedPortal } from './core/monitor.js';
import { createOutbox, type Outbox } from './core/outbox.js';
import { createStatusService, type StatusService } from './core/status-service.js';
import { systemClock, type Clock, type Portal } from './core/types.js';
import { createHttpServer, type PageRenderers } from './http/server.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { ChatPlatform } from './platforms/platform.js';
import { createHistoryStore, type HistoryStore } from './store/history-store.js';
import { createMaintenanceStore, type MaintenanceStore } from './store/maintenance-store.js';
import { openStore, type Store } from './store/open-store.js';
import { createOutboxStore } from './store/outbox-store.js';
import { createStateStore, type StateStore } from './store/state-store.js';
import { createSubscriptionStore, type SubscriptionStore } from './store/subscription-store.js';

/** What platforms and commands are built from. */
export interface AppServices {
  config: Config;
  catalog: Catalog;
  store: Store;
  states: StateStore;
  history: HistoryStore;
  subscriptions: SubscriptionStore;
  maintenance: MaintenanceStore;
  status: StatusService;
  monitor: Monitor;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  cwd?: string;
  /** Built-in catalog override (tests); the config's `portals` list still wins. */
  catalogPortals?: Portal[];
  platforms?: Array<(services: AppServices) => ChatPlatform>;
  renderers?: (services: AppServices) => PageRenderers;
  leaseTtlMs?: number;
  /** Start the check schedule (tests drive cycles by hand with `false`). */
  schedule?: boolean;
}

export interface App extends AppServices {
  outbox: Outbox;
  checker: Checker;
  http: Server;
  platforms: ChatPlatform[];
  /** Port the HTTP server listens on (after start). */
  port(): number;
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
}

function toPortal(p: NonNullable<Config['portals']>[number]): Portal & { expectText?: string | undefined } {
  return {
    id: p.id,
    name: p.name,
    url: p.url,
    aliases: p.aliases,
    kind: null,
    province: p.province,
    legacyUrl: null,
    lkppRepoId: null,
    instansi: [],
    expectText: p.expectText,
  };
}

/**
 * The composition root's body: builds every part from a validated config and wires them. One
 * instance holds the lease and runs checks, the outbox and the chat bots; others serve HTTP only.
 */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.env.logLevel });
  const clock = options.clock ?? systemClock;
  const log = logger.child({ component: 'app' });
  const configured = config.portals?.map(toPortal) ?? null;
  const catalog = createCatalog(configured ?? options.catalogPortals ?? loadBuiltInCatalog());
  const store = await openStore(config.env.storeUrl, options.cwd);
  const states = createStateStore(store.keyv);
  const history = createHistoryStore(store.keyv, config.history);
  const subscriptions = createSubscriptionStore(store.keyv, () => clock.now());
  const maintenance = createMaintenanceStore(store.keyv);
  const metrics = createMetrics();
  const checker = createChecker({
    timeoutMs: config.check.timeoutSeconds * 1000,
    maxBodyBytes: config.check.maxBodyBytes,
    maxRedirects: config.check.maxRedirects,
    userAgent: config.check.userAgent,
    maxConcurrentPerHost: config.check.maxConcurrentPerHost,
    maxConcurrency: config.check.maxConcurrency,
    maxRequestsPerSecondPerHost: config.check.maxRequestsPerSecondPerHost,
  });

  const intervalMs = config.check.intervalSeconds * 1000;
  const catalogIntervalMs = config.check.catalogIntervalSeconds * 1000;
  // Configured portals are all watched closely; the national catalog is checked politely, and
  // more often for the portals some chat subscribed to.
  const watched = (): WatchedPortal[] => {
    if (configured) return configured.map((portal) => ({ portal, intervalMs }));
    const subscribed = subscriptions.subscribedPortalIds();
    return catalog.all().map((portal) => ({ portal, intervalMs: subscribed.has(portal.id) ? intervalMs : catalogIntervalMs }));
  };

  const platforms: ChatPlatform[] = [];
  const notifiers: Notifier[] = [];
  const outbox = createOutbox({
    store: createOutboxStore(store.keyv, () => clock.now()),
    subscriptions,
    notifiers,
    portal: (id) => catalog.get(id),
    defaultLanguage: config.language,
    timezone: config.timezone,
    publicUrl: config.publicUrl ?? null,
    logger: logger.child({ component: 'outbox' }),
    onDelivered: (platform, result) => metrics.alertsSent.inc({ platform, result }),
  });
  metrics.countPendingAlertsWith(() => outbox.pending());
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
    logger,
    clock,
    metrics: metrics.monitor,
  });
  const status = createStatusService({
    watched: () => watched().map((w) => w.portal),
    states,
    history,
    live: () => monitor.statuses(),
    clock,
  });
  const services: AppServices = { config, catalog, store, states, history, subscriptions, maintenance, status, monitor, clock, logger, metrics };
  for (const factory of options.platforms ?? []) {
    const platform = factory(services);
    platforms.push(platform);
    // The outbox reads this array: notifiers added here are the ones it delivers through.
    notifiers.push(platform.notifier);
  }

  let leader = false;
  let leaseTimer: NodeJS.Timeout | null = null;
  let stopping = false;
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const holder = config.env.instanceId;
  const http = createHttpServer(
    {
      status,
      portal: (id) => catalog.get(id),
      health: () => ({ ...monitor.health(), role: leader ? 'leader' : 'standby' }),
      registry: metrics.registry,
      timezone: config.timezone,
      defaultLanguage: config.language,
      logger,
    },
    options.renderers?.(services) ?? {},
  );

  async function becomeLeader() {
    leader = true;
    metrics.isLeader.set(1);
    log.info({ store: store.description }, 'holding the lease: running checks, alerts and chat bots');
    await subscriptions.load();
    await monitor.recover();
    await outbox.start();
    if (options.schedule !== false) monitor.start();
    for (const platform of platforms) startPlatform(platform, 0);
  }

  // A chat platform that cannot start (network down at boot, service outage) is tried again with
  // back-off for as long as this instance leads; monitoring does not wait for it.
  const platformRetries = new Set<NodeJS.Timeout>();
  function startPlatform(platform: ChatPlatform, attempt: number) {
    platform.start().catch((error: unknown) => {
      if (!leader || stopping) return;
      const retryInMs = Math.min(300_000, 5_000 * 2 ** attempt);
      log.error({ err: error, platform: platform.name, retryInMs }, 'chat platform failed to start; retrying, monitoring goes on');
      const timer = setTimeout(() => {
        platformRetries.delete(timer);
        if (leader && !stopping) startPlatform(platform, attempt + 1);
      }, retryInMs);
      platformRetries.add(timer);
    });
  }

  async function stepDown() {
    leader = false;
    metrics.isLeader.set(0);
    for (const timer of platformRetries) clearTimeout(timer);
    platformRetries.clear();
    await Promise.all(platforms.map((p) => p.stop().catch((error: unknown) => log.warn({ err: error, platform: p.name }, 'platform stop failed'))));
    await monitor.stop();
    await outbox.stop();
  }

  async function leaseTick() {
    if (stopping) return;
    try {
      const held = await store.lease.tryAcquire(holder, leaseTtlMs);
      if (held && !leader) await becomeLeader();
      else if (!held && leader) {
        log.warn('lost the lease to another instance; standing by');
        await stepDown();
      }
    } catch (error) {
      log.error({ err: error }, 'lease check failed; the next tick tries again');
    }
    if (!stopping) leaseTimer = setTimeout(() => void leaseTick(), leaseTtlMs / 3);
  }

  return {
    ...services,
    outbox,
    checker,
    http,
    platforms,
    port: () => (http.address() as AddressInfo | null)?.port ?? 0,
    isLeader: () => leader,
    async start() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.env.httpPort, () => {
          http.off('error', reject);
          resolve();
        });
      });
      log.info({ port: (http.address() as AddressInfo).port, portals: watched().length, store: store.description }, 'pantau-lpse started');
      await leaseTick();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (leaseTimer) clearTimeout(leaseTimer);
      if (leader) {
        await stepDown();
        await store.lease.release(holder).catch(() => undefined);
      }
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await checker.close();
      await store.close();
      log.info('stopped');
    },
  };
}
