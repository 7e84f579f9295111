import { randomBytes } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { CheckConfig, MaintenanceConfig } from '../config.js';
import type { HistoryStore, CheckSample } from '../store/history-store.js';
import type { MaintenanceStore } from '../store/maintenance-store.js';
import type { StateStore } from '../store/state-store.js';
import type { ChatRecord } from '../store/subscription-store.js';
import { buildBatch } from './broadcaster.js';
import type { Checker } from './checker.js';
import { classify } from './classifier.js';
import { activeMaintenance } from './maintenance.js';
import type { Outbox } from './outbox.js';
import { initialStatus, step, type PendingTransition, type PortalStatus } from './state-machine.js';
import type { CheckResult, Classification, Clock, Incident, Portal, Transition } from './types.js';

/** A portal to check and how often. */
export interface WatchedPortal {
  portal: Portal & { expectText?: string | undefined };
  intervalMs: number;
}

export interface MonitorMetrics {
  observeCheck(portalId: string, classification: Classification, latencyMs: number | null): void;
  observeCycle(durationMs: number, checks: number, offline: boolean): void;
  setState(portalId: string, status: PortalStatus): void;
}

export interface MonitorOptions {
  check: CheckConfig;
  maintenance: MaintenanceConfig[];
  timezone: string;
  /** The portals to check now (changes as chats subscribe in catalog mode). */
  watched: () => WatchedPortal[];
  checker: Checker;
  states: StateStore;
  history: HistoryStore;
  adHocMaintenance: MaintenanceStore;
  subscribersOf: (portalId: string) => ChatRecord[];
  outbox: Outbox | null;
  logger: Logger;
  clock: Clock;
  metrics?: MonitorMetrics;
  onTransitions?: (transitions: Transition[]) => void;
}

export interface CycleReport {
  cycleId: string;
  checked: number;
  offline: boolean;
  transitions: Transition[];
  durationMs: number;
}

export interface MonitorHealth {
  running: boolean;
  lastCycleStartedAt: number | null;
  lastCycleFinishedAt: number | null;
  offline: boolean;
  overdue: boolean;
}

export interface Monitor {
  /** Loads stored states and hands any transition not yet announced to the outbox. */
  recover(): Promise<void>;
  /** Checks every due portal once (all watched portals when `all` is set). */
  runCycle(options?: { all?: boolean }): Promise<CycleReport>;
  start(): void;
  stop(): Promise<void>;
  health(): MonitorHealth;
  status(portalId: string): PortalStatus | undefined;
  statuses(): Map<string, PortalStatus>;
}

/** Offline needs evidence from several places: one portal going down is never "offline". */
const OFFLINE_MIN_HOSTS = 3;

const newCycleId = (now: number) => `c${now.toString(36)}${randomBytes(3).toString('hex')}`;

/** A stable spread of first checks over the interval, so 600 catalog portals do not start together. */
function offsetFor(id: string, intervalMs: number): number {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return (hash >>> 0) % intervalMs;
}

/**
 * The check loop: picks due portals, checks them, classifies, runs the state machine, writes state
 * and history, then hands the cycle's transitions to the outbox as one batch. A failing cycle is
 * logged and the loop goes on (it never dies).
 */
export function createMonitor(options: MonitorOptions): Monitor {
  const { logger, clock } = options;
  const log = logger.child({ component: 'monitor' });
  const statuses = new Map<string, PortalStatus>();
  const nextDueAt = new Map<string, number>();
  const thresholds = { failuresToDown: options.check.failuresToDown, successesToUp: options.check.successesToUp };
  let task: ScheduledTask | null = null;
  let current: Promise<CycleReport> | null = null;
  let lastCycleStartedAt: number | null = null;
  let lastCycleFinishedAt: number | null = null;
  let startedAt: number | null = null;
  let offline = false;

  async function ensureLoaded(portals: WatchedPortal[]) {
    const missing = portals.map((w) => w.portal.id).filter((id) => !statuses.has(id));
    if (missing.length === 0) return;
    const stored = await options.states.getMany(missing);
    for (const id of missing) {
      const status = stored.get(id) ?? initialStatus(id, clock.now());
      statuses.set(id, status);
      options.metrics?.setState(id, status);
    }
  }

  function dueAt(watched: WatchedPortal): number {
    const known = nextDueAt.get(watched.portal.id);
    if (known !== undefined) return known;
    const last = statuses.get(watched.portal.id)?.lastCheckedAt;
    const due = last ? Date.parse(last) + watched.intervalMs : (startedAt ?? clock.now()) + (watched.intervalMs > 120_000 ? offsetFor(watched.portal.id, watched.intervalMs) : 0);
    nextDueAt.set(watched.portal.id, due);
    return due;
  }

  async function isOffline(results: Array<{ result: CheckResult; classification: Classification }>): Promise<boolean> {
    const references = options.check.referenceUrls;
    if (references.length > 0) {
      const checks = await Promise.all(references.map((url, i) => options.checker.check({ id: `reference-${i}`, url })));
      if (checks.every((c) => c.failure !== null && c.failure.kind !== 'too_many_redirects')) return true;
    }
    if (results.length === 0 || !results.every((r) => r.classification.networkLevel)) return false;
    const hosts = new Set(results.map((r) => new URL(r.result.url).host));
    return hosts.size >= OFFLINE_MIN_HOSTS;
  }

  /** Hands transitions to the outbox, then clears them from the state records. */
  async function broadcast(changed: PortalStatus[]) {
    const withPending = changed.filter((s) => s.pendingTransitions.length > 0);
    if (withPending.length === 0) return;
    if (!options.outbox) return;
    const byCycle = new Map<string, PendingTransition[]>();
    for (const status of withPending) {
      for (const transition of status.pendingTransitions) {
        byCycle.set(transition.cycleId, [...(byCycle.get(transition.cycleId) ?? []), transition]);
      }
    }
    for (const [cycleId, transitions] of byCycle) {
      await options.outbox.enqueue(buildBatch(cycleId, transitions, options.subscribersOf, clock.now()));
    }
    const cleared = withPending.map((s) => ({ ...s, pendingTransitions: [] }));
    await options.states.setMany(cleared);
    for (const status of cleared) statuses.set(status.portalId, status);
  }

  /** How long each portal's last check took, ms: the order of the next cycle's starts. */
  const lastCheckMs = new Map<string, number>();

  async function cycle(all: boolean): Promise<CycleReport> {
    const t0 = performance.now();
    const now = clock.now();
    const cycleId = newCycleId(now);
    lastCycleStartedAt = now;
    const watched = options.watched();
    await ensureLoaded(watched);
    const due = all ? watched : watched.filter((w) => dueAt(w) <= now);
    for (const w of due) nextDueAt.set(w.portal.id, now + w.intervalMs);

    const adHoc = await options.adHocMaintenance.list(now);
    const inMaintenance = new Set<string>();
    const toCheck: WatchedPortal[] = [];
    for (const w of due) {
      if (activeMaintenance(w.portal.id, now, options.maintenance, adHoc, options.timezone)) inMaintenance.add(w.portal.id);
      else toCheck.push(w);
    }

    const checkOne = async (w: WatchedPortal) => {
      const result = await options.checker.check(w.portal);
      lastCheckMs.set(w.portal.id, result.totalMs);
      const classification = classify(result, {
        degradedLatencyMs: options.check.degradedLatencyMs,
        certWarningDays: options.check.certWarningDays,
        expectText: w.portal.expectText,
        now: clock.now(),
      });
      // The page itself is not needed past classification; 600 of them would wait for the cycle.
      return { result: { ...result, body: '', headers: {} }, classification };
    };
    // Started slowest first (by their last check): a portal that hung last time waits out its
    // timeout while the quick ones go through the other slots, so a cycle with hanging portals
    // lasts about one timeout, not one timeout after the last of them got its turn. Results are
    // then taken in the usual order.
    const started = new Map<WatchedPortal, ReturnType<typeof checkOne>>();
    for (const w of [...toCheck].sort((a, b) => (lastCheckMs.get(b.portal.id) ?? 0) - (lastCheckMs.get(a.portal.id) ?? 0))) {
      started.set(w, checkOne(w));
    }
    const checked = await Promise.all(toCheck.map((w) => started.get(w)!));
    offline = await isOffline(checked);
    if (offline) log.warn({ checks: checked.length }, 'monitor offline: every check failed at the network level; nothing is announced');

    const changed: PortalStatus[] = [];
    const incidents: Incident[] = [];
    const samples: CheckSample[] = [];
    const transitions: Transition[] = [];
    const apply = (portalId: string, outcome: ReturnType<typeof step>) => {
      statuses.set(portalId, outcome.status);
      changed.push(outcome.status);
      if (outcome.incident) incidents.push(outcome.incident);
      if (outcome.transition) transitions.push(outcome.transition);
    };
    for (const portalId of inMaintenance) {
      apply(portalId, step(statuses.get(portalId)!, { kind: 'maintenance', at: now }, thresholds, cycleId));
    }
    for (const { result, classification } of checked) {
      const latencyMs = result.status !== null ? Math.round(result.totalMs) : null;
      options.metrics?.observeCheck(result.portalId, classification, latencyMs);
      // While the monitor itself is cut off, "nothing answered" says nothing about the portal.
      if (offline && classification.networkLevel) continue;
      samples.push({ portalId: result.portalId, at: result.startedAt, observed: classification.state, latencyMs });
      const observation = { kind: 'check' as const, at: result.startedAt, latencyMs, classification };
      apply(result.portalId, step(statuses.get(result.portalId)!, observation, thresholds, cycleId));
    }

    // History, then state (which carries the pending transitions), then the outbox: a crash at
    // any point either repeats an idempotent write or leaves the transition pending for recover().
    await options.history.upsertIncidents(incidents);
    await options.history.recordChecks(samples);
    await options.states.setMany(changed);
    for (const status of changed) options.metrics?.setState(status.portalId, status);
    for (const t of transitions) {
      log.info(
        { portalId: t.portalId, from: t.from, to: t.to, kind: t.kind, cause: t.cause, errorCode: t.errorCode, durationMs: t.outageDurationMs },
        `${t.portalId}: ${t.from} → ${t.to} (${t.cause})`,
      );
    }
    if (transitions.length) options.onTransitions?.(transitions);
    await broadcast(changed);

    const durationMs = performance.now() - t0;
    lastCycleFinishedAt = clock.now();
    options.metrics?.observeCycle(durationMs, checked.length, offline);
    return { cycleId, checked: checked.length, offline, transitions, durationMs };
  }

  function runCycle(opts: { all?: boolean } = {}): Promise<CycleReport> {
    // One cycle at a time: a tick during a long cycle waits for the next tick.
    if (current) return current;
    current = cycle(opts.all ?? false).finally(() => {
      current = null;
    });
    return current;
  }

  return {
    async recover() {
      const watched = options.watched();
      await ensureLoaded(watched);
      await broadcast([...statuses.values()]);
    },
    runCycle,
    start() {
      startedAt = clock.now();
      // node-cron ticks every second; which portals are due is decided per portal, so intervals
      // are not bound to what a cron expression can say.
      task = cron.schedule('* * * * * *', () => {
        if (current) return;
        runCycle().catch((error: unknown) => log.error({ err: error }, 'check cycle failed; the next tick tries again'));
      }, { noOverlap: true, name: 'pantau-check-cycle' });
    },
    async stop() {
      await task?.stop();
      task = null;
      await current?.catch(() => undefined);
    },
    health() {
      const now = clock.now();
      const allowanceMs = 2 * options.check.intervalSeconds * 1000 + options.check.timeoutSeconds * 1000 + 60_000;
      const reference = lastCycleFinishedAt ?? startedAt;
      return {
        running: task !== null,
        lastCycleStartedAt,
        lastCycleFinishedAt,
        offline,
        overdue: task !== null && reference !== null && now - reference > allowanceMs,
      };
    },
    status: (portalId) => statuses.get(portalId),
    statuses: () => statuses,
  };
}
