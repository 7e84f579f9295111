import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { buildAlertBatch } from './alert-batch.js';
import { isAborted, isNetworkFailure, type Checker } from './checker.js';
import { classify } from './classifier.js';
import { FencedError, type Fence } from './fence.js';
import { activeMaintenance } from './maintenance.js';
import type { Outbox } from './outbox.js';
import type { HistoryStore, MaintenanceStore, StateStore } from './ports.js';
import { initialStatus, step, type StepResult } from './state-machine.js';
import { decodeErrorCode } from './classifier.js';
import { observe, type Seen } from './vantage/consensus.js';
import { evaluate, type HubCheck } from './vantage/evaluate.js';

/** One observation of a vantage point (a probe's report), as the check loop takes it. */
export type VantageObservation = Seen & { portalId: string; at: number; latencyMs: number | null };
import type { CheckSample } from './stats.js';
import { BUDGET_SHARE, dueNow, fitToBudget, type Scheduled } from './schedule.js';
import type { Ticker } from './ticker.js';
import type { ChatRecord, Classification, Clock, Incident, MaintenanceWindow, PendingTransition, Portal, PortalStatus, Transition } from './types.js';

/** A portal to check and how often. */
export interface WatchedPortal {
  portal: Portal & { expectText?: string | undefined };
  intervalMs: number;
}

/** The `check.*` settings the loop reads. */
export interface MonitorSettings {
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Each origin's request budget: the schedule stretches intervals to fit it. */
  maxRequestsPerSecondPerHost: number;
  /** After a failed check, the next comes this soon instead of a full interval. */
  retryIntervalSeconds: number;
  /** Vantage points that must agree (`check.quorum`); null or absent for a majority of those voting. */
  quorum?: number | null | undefined;
  /** Whether the hub checks portals itself (`check.hubChecks`) or only decides on its probes' word. */
  hubChecks?: boolean | undefined;
  /** Checks in flight at once (the checker enforces it too): the cycle starts no more than this. */
  maxConcurrency?: number | undefined;
  failuresToDown: number;
  successesToUp: number;
  degradedLatencyMs: number;
  certWarningDays: number;
  referenceUrls: string[];
}

export interface MonitorMetrics {
  observeCheck(portalId: string, classification: Classification, latencyMs: number | null): void;
  observeCycle(durationMs: number, checks: number, offline: boolean): void;
  setState(portalId: string, status: PortalStatus): void;
  /** How much longer than configured an origin's intervals are, to fit its request budget (1 = as configured). */
  setStretch(origin: string, factor: number): void;
}

export interface MonitorOptions {
  check: MonitorSettings;
  maintenance: MaintenanceWindow[];
  timezone: string;
  /** The portals to check now (changes as chats subscribe in catalog mode). */
  watched: () => WatchedPortal[];
  checker: Checker;
  states: StateStore;
  history: HistoryStore;
  adHocMaintenance: MaintenanceStore;
  subscribersOf: (portalId: string) => ChatRecord[];
  outbox: Outbox;
  /** The loop's memory of every portal's status, shared with the status service that reads it. */
  statuses: Map<string, PortalStatus>;
  /** Writes and hand-offs happen only while this replica can prove its lease. */
  fence: Fence;
  /** Whether a probe's votes count (its network is up and it keeps reporting). */
  probeOffline?: (probeId: string) => boolean;
  /** Told of every incident written (opened, counted, closed): keeps what an ended outage hit. */
  evidence?: (incidents: Incident[]) => Promise<void>;
  ticker: Ticker;
  logger: Logger;
  clock: Clock;
  metrics?: MonitorMetrics;
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
  /** When the loop last got something done: a check answered or a cycle finished. */
  lastProgressAt: number | null;
  offline: boolean;
  /** True when the loop runs but has made no progress for longer than a check can take. */
  overdue: boolean;
}

export interface Monitor {
  /**
   * Forgets everything held in memory and reloads the stored states, then hands any transition not
   * yet announced to the outbox: a new lease holder starts from the store, never from what it
   * remembered from an earlier term (another replica may have led since).
   */
  recover(): Promise<void>;
  /** Checks every due portal once (all watched portals when `all` is set). */
  runCycle(options?: { all?: boolean }): Promise<CycleReport>;
  start(): void;
  stop(): Promise<void>;
  health(): MonitorHealth;
  /**
   * Adds a vantage point's observations (a probe's report) to the portals' views. A portal whose
   * view changed for the worse (or that is seen failing) is evaluated again at the next tick.
   * Returns how many observations were taken (those for portals not watched are not).
   */
  ingest(vantageId: string, observations: ReadonlyArray<VantageObservation>): Promise<number>;
  /** Portals some vantage point currently sees failing: probes re-check them after the retry interval. */
  failing(): string[];
  status(portalId: string): PortalStatus | undefined;
  statuses(): ReadonlyMap<string, PortalStatus>;
}

/** Offline needs evidence from several places: one portal going down is never "offline". */
const OFFLINE_MIN_HOSTS = 3;
/** How long the reference addresses' answer stands for: they are asked only when checks failed at the network level. */
const REFERENCE_VERDICT_MS = 30_000;
const newCycleId = (now: number) => `c${now.toString(36)}${randomBytes(3).toString('hex')}`;

/** Scheme, host and port: the unit the checker's politeness budget counts in. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** What the cycle keeps of one check until it is applied: the page itself is not needed past classification. */
interface Checked {
  url: string;
  startedAt: number;
  /** Latency as recorded: the whole check, when something answered. */
  latencyMs: number | null;
  classification: Classification;
}

/** A due portal and the hub's check of it (null when the hub does not check, or the check was aborted). */
interface Evaluated {
  watched: WatchedPortal;
  checked: Checked | null;
}

/** What one cycle changed, in the order it is written: history, then state, then the outbox. */
interface CycleChanges {
  statuses: PortalStatus[];
  incidents: Incident[];
  samples: CheckSample[];
  transitions: Transition[];
}

/**
 * The check loop. Each cycle walks one way: pick the due portals → check them → apply each result
 * to the state machine → persist (history, then state carrying the pending transitions) and hand
 * the transitions to the outbox as one batch. A failing cycle is logged and the loop goes on.
 */
export function createMonitor(options: MonitorOptions): Monitor {
  const { logger, clock, statuses } = options;
  const log = logger.child({ component: 'monitor' });
  const nextDueAt = new Map<string, number>();
  /** How long each portal's last check took, ms: the order of the next cycle's starts. */
  const lastCheckMs = new Map<string, number>();
  const stretchByOrigin = new Map<string, number>();
  const origins = new Map<string, string>();
  let lastProgressAt: number | null = null;
  let referenceVerdict: { at: number; offline: boolean } | null = null;
  const thresholds = { failuresToDown: options.check.failuresToDown, successesToUp: options.check.successesToUp };
  const retryMs = options.check.retryIntervalSeconds * 1000;
  const hubChecks = options.check.hubChecks ?? true;
  let running = false;
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

  const scheduled = (w: WatchedPortal): Scheduled & { watched: WatchedPortal } => {
    let origin = origins.get(w.portal.url);
    if (origin === undefined) origins.set(w.portal.url, (origin = originOf(w.portal.url)));
    return { id: w.portal.id, origin, intervalMs: w.intervalMs, watched: w };
  };

  /** The effective interval of each watched portal; logs and exports an origin's stretch when it changes. */
  function fitSchedule(watched: WatchedPortal[]): Map<string, number> {
    const rps = options.check.maxRequestsPerSecondPerHost;
    const { stretch, intervals } = fitToBudget(watched.map((w) => scheduled(w)), rps);
    for (const [origin, factor] of stretch) {
      if (factor === (stretchByOrigin.get(origin) ?? 1)) continue;
      const fields = { origin, stretch: factor, budgetPerMinute: Math.round(rps * BUDGET_SHARE * 60) };
      if (factor > 1) log.warn(fields, `checks of ${origin} are spaced ×${factor}: the intervals asked for need more requests than its budget (check.maxRequestsPerSecondPerHost)`);
      else log.info(fields, `checks of ${origin} are back to their configured intervals`);
      stretchByOrigin.set(origin, factor);
      options.metrics?.setStretch(origin, factor);
    }
    return intervals;
  }

  /** A portal never checked is due at once (the first sweep goes as fast as the budget allows). */
  function dueAt(watched: WatchedPortal, intervalMs: number): number {
    const known = nextDueAt.get(watched.portal.id);
    if (known !== undefined) return known;
    const last = statuses.get(watched.portal.id)?.lastCheckedAt;
    const due = last ? Date.parse(last) + intervalMs : (startedAt ?? clock.now());
    nextDueAt.set(watched.portal.id, due);
    return due;
  }

  /** Pick: the portals due now (see {@link dueNow}), split into those to check and those inside maintenance. */
  async function pickDue(now: number, all: boolean): Promise<{ toCheck: WatchedPortal[]; inMaintenance: string[]; intervals: Map<string, number> }> {
    const watched = options.watched();
    await ensureLoaded(watched);
    const intervals = fitSchedule(watched);
    const intervalOf = (w: WatchedPortal) => intervals.get(w.portal.id)!;
    const due = all
      ? watched
      : dueNow(watched.map(scheduled), now, (p) => dueAt(p.watched, intervals.get(p.id)!), intervals, options.check.maxRequestsPerSecondPerHost).map((p) => p.watched);
    for (const w of due) nextDueAt.set(w.portal.id, now + intervalOf(w));
    const adHoc = await options.adHocMaintenance.list(now);
    const toCheck: WatchedPortal[] = [];
    const inMaintenance: string[] = [];
    for (const w of due) {
      if (activeMaintenance(w.portal.id, now, options.maintenance, adHoc, options.timezone)) inMaintenance.push(w.portal.id);
      else toCheck.push(w);
    }
    return { toCheck, inMaintenance, intervals };
  }

  async function checkOne(w: WatchedPortal, intervalMs: number): Promise<Checked | null> {
    const result = await options.checker.check(w.portal);
    // The monitor is stopping: an aborted check says nothing about the portal.
    if (isAborted(result)) return null;
    lastProgressAt = clock.now();
    lastCheckMs.set(w.portal.id, result.totalMs);
    // The next check counts from when this one got its turn at the origin, so portals that queued
    // behind a busy origin spread out instead of all falling due together again.
    const classification = classify(result, {
      degradedLatencyMs: options.check.degradedLatencyMs,
      certWarningDays: options.check.certWarningDays,
      expectText: w.portal.expectText,
      now: clock.now(),
    });
    // A failure is checked again soon, so an outage is confirmed within about one interval plus
    // failuresToDown retries; healthy portals cost no more than their interval.
    nextDueAt.set(w.portal.id, result.startedAt + (classification.state === 'down' ? Math.min(intervalMs, retryMs) : intervalMs));
    return { url: result.url, startedAt: result.startedAt, latencyMs: result.status !== null ? Math.round(result.totalMs) : null, classification };
  }

  /**
   * Check: started slowest first (by their last check), so a portal that hung last time waits out
   * its timeout while the quick ones go through the other slots, and a cycle with hanging portals
   * lasts about one timeout. Results come back in the listed order. No more checks are started
   * than may be in flight: a check waiting its turn is a queue position, not a pending request
   * holding memory for the whole cycle.
   */
  async function checkAll(toCheck: WatchedPortal[], intervals: Map<string, number>): Promise<Evaluated[]> {
    if (!hubChecks) {
      // The hub decides on its probes' word alone: each due portal is evaluated, none is requested.
      const now = clock.now();
      for (const w of toCheck) nextDueAt.set(w.portal.id, now + (seenFailing(w.portal.id) ? Math.min(retryMs, intervals.get(w.portal.id)!) : intervals.get(w.portal.id)!));
      return toCheck.map((watched) => ({ watched, checked: null }));
    }
    // Each portal's last duration looked up once, not twice per comparison (950 portals: ~19,000 lookups).
    const lastMs = toCheck.map((w) => lastCheckMs.get(w.portal.id) ?? 0);
    const order = toCheck.map((_, i) => i).sort((a, b) => lastMs[b]! - lastMs[a]!);
    const results: Array<Checked | null> = new Array<Checked | null>(toCheck.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < order.length) {
        const index = order[next++]!;
        const w = toCheck[index]!;
        results[index] = await checkOne(w, intervals.get(w.portal.id)!);
      }
    };
    const workers = Math.max(1, Math.min(options.check.maxConcurrency ?? order.length, order.length));
    await Promise.all(Array.from({ length: workers }, worker));
    // An aborted check (the monitor is stopping) says nothing: that portal is not evaluated.
    return toCheck.flatMap((watched, i) => (results[i] ? [{ watched, checked: results[i] }] : []));
  }

  /** Whether any vantage point's latest observation of a portal is a failure. */
  function seenFailing(portalId: string): boolean {
    const views = statuses.get(portalId)?.vantages;
    if (!views) return false;
    for (const id in views) if (views[id]!.seen.state === 'down') return true;
    return false;
  }

  /**
   * Whether the monitor's own network is down: every reference address failed, or every check of
   * the cycle failed at the network level across several hosts. The references are asked only
   * when a check failed at the network level, and their answer stands for a while: a monitor that
   * reaches its portals has no reason to ask anyone else. A cycle that checked nothing keeps the
   * last judgement.
   */
  async function isOffline(evaluated: Evaluated[]): Promise<boolean> {
    const checked = evaluated.flatMap((e) => (e.checked ? [e.checked] : []));
    if (checked.length === 0) return offline;
    const networkFailures = checked.filter((r) => r.classification.networkLevel);
    if (networkFailures.length === 0) {
      referenceVerdict = null;
      return false;
    }
    const references = options.check.referenceUrls;
    if (references.length > 0) {
      const now = clock.now();
      if (!referenceVerdict || now - referenceVerdict.at > REFERENCE_VERDICT_MS) {
        const checks = await Promise.all(references.map((url, i) => options.checker.check({ id: `reference-${i}`, url })));
        if (checks.some(isAborted)) return offline;
        referenceVerdict = { at: now, offline: checks.every((c) => isNetworkFailure(c.failure)) };
      }
      if (referenceVerdict.offline) return true;
    }
    if (networkFailures.length !== checked.length) return false;
    const hosts = new Set(checked.map((r) => originOf(r.url)));
    return hosts.size >= OFFLINE_MIN_HOSTS;
  }

  /**
   * Apply: each maintenance window, and each due portal's evaluation — the hub's check joins the
   * vantage points' views, their agreement goes to the state machine — in memory.
   */
  function applyAll(evaluated: Evaluated[], inMaintenance: string[], intervals: Map<string, number>, now: number, cycleId: string): CycleChanges {
    const changes: CycleChanges = { statuses: [], incidents: [], samples: [], transitions: [] };
    const apply = (portalId: string, outcome: StepResult) => {
      statuses.set(portalId, outcome.status);
      changes.statuses.push(outcome.status);
      if (outcome.incident) changes.incidents.push(outcome.incident);
      if (outcome.transition) changes.transitions.push(outcome.transition);
    };
    for (const portalId of inMaintenance) {
      apply(portalId, step(statuses.get(portalId)!, { kind: 'maintenance', at: now }, thresholds, cycleId));
    }
    for (const { watched, checked } of evaluated) {
      const portalId = watched.portal.id;
      let hub: HubCheck | null = null;
      if (checked) {
        const { latencyMs } = checked;
        options.metrics?.observeCheck(portalId, checked.classification, latencyMs);
        hub = { classification: checked.classification, at: checked.startedAt, latencyMs };
      }
      const evaluation = evaluate(statuses.get(portalId)!, hub, {
        now,
        cycleId,
        thresholds,
        // Two of the portal's intervals, and a check's deadline: older observations do not vote.
        staleAfterMs: 2 * (intervals.get(portalId) ?? watched.intervalMs) + options.check.timeoutSeconds * 1000,
        quorum: options.check.quorum ?? null,
        hubOffline: offline,
        probeOffline: options.probeOffline ?? (() => false),
      });
      if (evaluation.sample) changes.samples.push(evaluation.sample);
      if (evaluation.outcome) apply(portalId, { ...evaluation.outcome, status: evaluation.status });
      else {
        statuses.set(portalId, evaluation.status);
        changes.statuses.push(evaluation.status);
      }
    }
    return changes;
  }

  /**
   * Persist, then hand off: history, then state (which carries the pending transitions), then the
   * outbox. A crash at any point either repeats an idempotent write or leaves the transition
   * pending for recover().
   */
  async function persist(changes: CycleChanges) {
    options.fence.assert('writing the results of a check cycle');
    await options.history.upsertIncidents(changes.incidents);
    if (changes.incidents.length > 0) await options.evidence?.(changes.incidents);
    await options.history.recordChecks(changes.samples);
    await options.states.setMany(changes.statuses);
    for (const status of changes.statuses) options.metrics?.setState(status.portalId, status);
    for (const t of changes.transitions) {
      log.info(
        { portalId: t.portalId, from: t.from, to: t.to, kind: t.kind, cause: t.cause, errorCode: t.errorCode, durationMs: t.outageDurationMs },
        `${t.portalId}: ${t.from} → ${t.to} (${t.cause})`,
      );
    }
    await handOff(changes.statuses);
  }

  /** Hands pending transitions to the outbox (one batch per cycle that produced them), then clears them. */
  async function handOff(changed: PortalStatus[]) {
    const withPending = changed.filter((s) => s.pendingTransitions.length > 0);
    if (withPending.length === 0) return;
    options.fence.assert('handing alerts to the outbox');
    const byCycle = new Map<string, PendingTransition[]>();
    for (const status of withPending) {
      for (const transition of status.pendingTransitions) {
        byCycle.set(transition.cycleId, [...(byCycle.get(transition.cycleId) ?? []), transition]);
      }
    }
    for (const [cycleId, transitions] of byCycle) {
      await options.outbox.enqueue(buildAlertBatch(cycleId, transitions, options.subscribersOf, clock.now()));
    }
    const cleared = withPending.map((s) => ({ ...s, pendingTransitions: [] }));
    await options.states.setMany(cleared);
    for (const status of cleared) statuses.set(status.portalId, status);
  }

  async function cycle(all: boolean): Promise<CycleReport> {
    const t0 = performance.now();
    const now = clock.now();
    const cycleId = newCycleId(now);
    lastCycleStartedAt = now;
    const { toCheck, inMaintenance, intervals } = await pickDue(now, all);
    const evaluated = await checkAll(toCheck, intervals);
    const checked = evaluated.filter((e) => e.checked !== null);
    offline = await isOffline(evaluated);
    if (offline) log.warn({ checks: checked.length }, 'monitor offline: every check failed at the network level; its checks count for nothing');
    const changes = applyAll(evaluated, inMaintenance, intervals, clock.now(), cycleId);
    await persist(changes);
    const durationMs = performance.now() - t0;
    lastCycleFinishedAt = clock.now();
    lastProgressAt = lastCycleFinishedAt;
    options.metrics?.observeCycle(durationMs, checked.length, offline);
    return { cycleId, checked: checked.length, offline, transitions: changes.transitions, durationMs };
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
      statuses.clear();
      nextDueAt.clear();
      offline = false;
      referenceVerdict = null;
      await ensureLoaded(options.watched());
      await handOff([...statuses.values()]);
    },
    runCycle,
    start() {
      startedAt = clock.now();
      running = true;
      options.ticker.start(() => {
        if (current) return;
        runCycle().catch((error: unknown) => {
          if (error instanceof FencedError) log.warn({ reason: error.message }, 'results of a check cycle discarded: the lease is not proven');
          else log.error({ err: error }, 'check cycle failed; the next tick tries again');
        });
      });
    },
    async stop() {
      running = false;
      await options.ticker.stop();
      await current?.catch(() => undefined);
      // What this replica remembers is only true while it leads: a standby reads the store.
      statuses.clear();
      nextDueAt.clear();
    },
    health() {
      // Ticks come every second and each check ends within its deadline: a loop that neither
      // finished a cycle nor got an answer for this long has stopped making progress.
      const allowanceMs = 2 * options.check.timeoutSeconds * 1000 + 60_000;
      const reference = lastProgressAt ?? startedAt;
      return {
        running,
        lastCycleStartedAt,
        lastCycleFinishedAt,
        lastProgressAt,
        offline,
        overdue: running && reference !== null && clock.now() - reference > allowanceMs,
      };
    },
    async ingest(vantageId, observations) {
      const watched = new Map(options.watched().map((w) => [w.portal.id, w]));
      const concerned = [...new Set(observations.map((o) => o.portalId))].map((id) => watched.get(id)).filter((w) => w !== undefined);
      await ensureLoaded(concerned);
      const now = clock.now();
      let taken = 0;
      for (const observation of observations) {
        const status = statuses.get(observation.portalId);
        if (!status || !watched.has(observation.portalId)) continue;
        const before = status.vantages?.[vantageId];
        // An observation older than the one held (a late report) changes nothing.
        if (before && Date.parse(before.seen.at) >= observation.at) continue;
        // Ten probes report every portal every interval: the views are updated in place (the
        // record is written whole at the portal's next tick) rather than copied per observation.
        let views = status.vantages;
        if (!views) statuses.set(observation.portalId, { ...status, vantages: (views = {}) });
        const estimate = observation.errorCode ? { errorCodeEstimate: decodeErrorCode(observation.errorCode, observation.at) } : null;
        const view = observe(before, estimate ? { ...observation, ...estimate } : observation, observation.at, observation.latencyMs, thresholds);
        views[vantageId] = view;
        taken += 1;
        // Something to decide: the portal is evaluated (and re-checked) at the next tick.
        if (view.seen.state === 'down' || view.state !== (before?.state ?? 'unknown')) {
          nextDueAt.set(observation.portalId, Math.min(nextDueAt.get(observation.portalId) ?? now, now));
        }
      }
      return taken;
    },
    failing() {
      const ids: string[] = [];
      for (const id of statuses.keys()) if (seenFailing(id)) ids.push(id);
      return ids;
    },
    status: (portalId) => statuses.get(portalId),
    statuses: () => statuses,
  };
}
