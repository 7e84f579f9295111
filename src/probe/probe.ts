/**
 * A probe: the hub's checker and classifier run from another network, reporting what they see.
 *
 * Three loops, each of which never dies (a failure is logged and the loop goes on):
 * - assignment: fetches which portals to check (at start, and again when a receipt's `version`
 *   differs from the one held); failures back off while the portals already held keep being checked;
 * - checks: every portal at its interval (new portals spread over it), one seen down, or one the hub
 *   lists in `recheck`, again after the retry interval; each result classified, judged against the
 *   probe's own network (network.ts), and queued in a bounded backlog (backlog.ts);
 * - reports: every `reportEverySeconds`, sooner when many observations wait; a report that got no
 *   answer is sent again, same `seq` and observations with a fresh `sentAt`, until the hub answers.
 *
 * How the hub's answers are met:
 *
 * | answer                    | assignment                              | report                                   |
 * |---------------------------|-----------------------------------------|------------------------------------------|
 * | 2xx, valid                | taken                                   | delivered; receipt's recheck and version |
 * | 401                       | "refused this probe's id or token", slow retry (5 s doubling to 5 min) | same           |
 * | 503 (standby), 429        | again soon (1 s doubling to 10 s, or Retry-After)                  | same           |
 * | other 4xx                 | logged with the hub's message, back-off | logged with the hub's message, dropped; the assignment fetched again |
 * | 422 (unwatched portal)    |                                         | the assignment fetched again, the report's observations of portals still assigned sent again (once) |
 * | network, 5xx, garbage, oversized | logged once per episode, back-off 2 s doubling to 60 s     | same, kept for the retry |
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createChecker, isAborted, isProxyFailure, type Checker } from '../core/checker.js';
import { classify } from '../core/classifier.js';
import { systemClock, type Clock } from '../core/types.js';
import type { Assignment, ReportReceipt } from '../core/vantage/protocol.js';
import type { CheckConfig } from '../config.js';
import { createBacklog, type Backlog, type Batch } from './backlog.js';
import { createHubClient, type HubClient, type HubOutcome } from './hub-client.js';
import { createNetworkJudge } from './network.js';
import { checkedObservation, toObservation } from './observation.js';
import { createProbeSchedule, type ProbeSlot } from './schedule.js';

export const DEFAULT_BACKLOG_LIMIT = 20_000;

/** How the probe paces itself. Every duration in ms. */
export interface ProbeTiming {
  /** First wait after a failed request to the hub; doubles up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** First wait after a 401; doubles up to maxUnauthorizedMs. */
  unauthorizedMs: number;
  maxUnauthorizedMs: number;
  /** First wait after a 503 (a standby replica) or 429; doubles up to maxUnavailableMs. */
  unavailableMs: number;
  maxUnavailableMs: number;
  /** Deadline of one request to the hub. */
  requestTimeoutMs: number;
  /** Deadline of the last report, sent while stopping. */
  finalReportMs: number;
  /** How often due portals are looked for. */
  tickMs: number;
  /** A report goes before its time when this many observations wait. */
  reportSoonAt: number;
}

export const DEFAULT_TIMING: ProbeTiming = {
  backoffMs: 2000,
  maxBackoffMs: 60_000,
  unauthorizedMs: 5000,
  maxUnauthorizedMs: 300_000,
  unavailableMs: 1000,
  maxUnavailableMs: 10_000,
  requestTimeoutMs: 30_000,
  finalReportMs: 2000,
  tickMs: 250,
  reportSoonAt: 2000,
};

export interface ProbeOptions {
  /** The hub's base URL (ending in `/`). */
  hubUrl: URL;
  probeId: string;
  /** Secret: goes into the Authorization header and nowhere else. */
  token: string;
  /** The probe's own `check.*` settings (timeouts, politeness, references, proxy). */
  check: CheckConfig;
  logger: Logger;
  /** Times written into observations' classification and reports' `sentAt`. */
  clock?: Clock;
  /** Default: createChecker with `check` (closed on stop; an injected one is only aborted). */
  checker?: Checker;
  /** Default: createHubClient for hubUrl, probeId and token. */
  hub?: HubClient;
  /** Observations kept while the hub is unreachable (default 20,000); beyond it the oldest are dropped. */
  backlogLimit?: number;
  timing?: Partial<ProbeTiming>;
}

export interface ProbeStatus {
  running: boolean;
  assignmentVersion: string | null;
  portals: number;
  /** Observations waiting (not counting a report in flight). */
  backlog: number;
  /** Dropped from a full backlog and not yet reported. */
  dropped: number;
  offline: boolean;
  checks: number;
  reportsAccepted: number;
  /** The seq the next new report gets. */
  nextSeq: number;
}

export interface Probe {
  /** Random per process: with `seq` it tells the hub a replayed report from a restarted probe. */
  readonly bootId: string;
  start(): void;
  /** Aborts the checks in flight, sends what waits in one last report (short deadline), closes. */
  stop(): Promise<void>;
  status(): ProbeStatus;
}

interface PendingReport {
  seq: number;
  batch: Batch | null;
  /** Set on the report's first attempt; kept for retries (its observations were judged so). */
  offline: boolean;
  /** Observations that were already waiting but did not fit (limits, the other offline kind): they go next, at once. */
  leftBehind: number;
}

/** Wakes a loop early, or lets it sleep until a deadline. */
function createWaiter() {
  let wake: (() => void) | null = null;
  return {
    wait(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    },
    wake() {
      wake?.();
    },
  };
}

/** A back-off: first, doubled after each use, capped; reset by success. */
function createBackoff(first: number, max: number) {
  let next = first;
  return {
    take(): number {
      const delay = next;
      next = Math.min(next * 2, max);
      return delay;
    },
    reset() {
      next = first;
    },
  };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function createProbe(options: ProbeOptions): Probe {
  const timing: ProbeTiming = { ...DEFAULT_TIMING, ...options.timing };
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: 'probe' });
  const bootId = randomBytes(8).toString('hex');
  const ownsChecker = !options.checker;
  // A portal redirecting to the hub is not the portal answering (the hub may serve the status page).
  const checker =
    options.checker ?? createChecker({ ...options.check, timeoutMs: options.check.timeoutSeconds * 1000, ownOrigins: [options.hubUrl.origin] });
  const hub = options.hub ?? createHubClient({ baseUrl: options.hubUrl, probeId: options.probeId, token: options.token, userAgent: `pantau-lpse-probe/${options.probeId}` });
  const backlogLimit = options.backlogLimit ?? DEFAULT_BACKLOG_LIMIT;
  const backlog: Backlog = createBacklog(backlogLimit);
  const schedule = createProbeSchedule();
  let running = false;
  let stopping: Promise<void> | null = null;
  const network = createNetworkJudge({ referenceUrls: options.check.referenceUrls, checker, clock, logger: log, stopping: () => !running });
  const halt = new AbortController();

  let assignment: Assignment | null = null;
  let assignmentWanted = true;
  let reportEveryMs = 60_000;
  let nextReportAt = Infinity;
  let pending: PendingReport | null = null;
  let nextSeq = 1;
  let checks = 0;
  let reportsAccepted = 0;
  /** The backlog overflowed since the last delivered report (logged once per episode). */
  let overflowing = false;
  let ticker: NodeJS.Timeout | null = null;
  /** What the last report attempted left behind in the backlog when it was built. */
  let lastLeftBehind = 0;
  /** A report named portals the hub does not watch (422): reports wait for a fresh assignment, until then at most. */
  let holdReportsUntil = 0;
  const inFlight = new Set<Promise<void>>();
  const assignmentWaiter = createWaiter();
  const reportWaiter = createWaiter();
  const loops: Promise<void>[] = [];

  // -------------------------------------------------------------------------------------------
  // Checks

  async function checkOne(slot: ProbeSlot): Promise<void> {
    const result = await checker.check({ id: slot.id, url: slot.url });
    if (isAborted(result)) {
      schedule.release(slot);
      return;
    }
    checks += 1;
    const classification = classify(result, {
      degradedLatencyMs: options.check.degradedLatencyMs,
      certWarningDays: options.check.certWarningDays,
      expectText: slot.expectText,
      now: clock.now(),
    });
    schedule.done(slot, result.startedAt, classification.state === 'down');
    const origin = originOf(slot.url);
    // Through a proxy, the proxy is the probe's network: its failure says nothing about the portal.
    const offline = isProxyFailure(result.failure) ? network.proxyFailed() : classification.networkLevel ? await network.failed(origin) : network.answered(origin);
    // Reassigned meanwhile (gone, or another address): this result is about something no longer asked.
    if (schedule.get(slot.id) !== slot) return;
    const observation = checkedObservation(toObservation(result, classification));
    if (!observation.ok) {
      log.warn({ portalId: slot.id, reason: observation.reason }, 'an observation does not fit the protocol; not reported');
      return;
    }
    log.debug({ portalId: slot.id, state: classification.state, cause: classification.cause, offline }, `${slot.id}: ${classification.state} (${classification.cause})`);
    if (backlog.push(observation.value, offline) > 0 && !overflowing) {
      overflowing = true;
      log.warn({ backlogLimit }, `the backlog is full (${backlogLimit} observations): the oldest are dropped, and counted, until the hub takes reports again`);
    }
    if (backlog.size >= timing.reportSoonAt) reportWaiter.wake();
  }

  function tick() {
    if (!running) return;
    for (const slot of schedule.takeDue(Date.now())) {
      const work = checkOne(slot).catch((error: unknown) => {
        // Not expected (the checker never throws for what a portal does); due again after the retry interval, not at every tick.
        if (slot.inFlight) schedule.done(slot, Date.now(), true);
        log.error({ err: error, portalId: slot.id }, 'a check failed unexpectedly; the portal stays scheduled');
      });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Assignment

  function take(next: Assignment) {
    const first = assignment === null;
    const changed = !first && next.version !== assignment!.version;
    const { added, removed } = schedule.assign(next, Date.now());
    assignment = next;
    // Observations of portals no longer assigned would make the hub refuse a whole report.
    const discarded = backlog.retain((entry) => schedule.get(entry.portalId) !== undefined);
    if (discarded > 0) log.info({ discarded }, `${discarded} waiting observations of portals no longer assigned were discarded`);
    holdReportsUntil = 0;
    reportEveryMs = next.reportEverySeconds * 1000;
    nextReportAt = Math.min(nextReportAt, Date.now() + reportEveryMs);
    const fields = { version: next.version, portals: schedule.size, added, removed, retryIntervalSeconds: next.retryIntervalSeconds, reportEverySeconds: next.reportEverySeconds };
    if (first) log.info(fields, `assignment received: ${schedule.size} portals`);
    else if (changed) log.info(fields, `assignment changed: ${schedule.size} portals (${added} new, ${removed} gone)`);
    else log.debug(fields, 'assignment fetched again, unchanged');
    reportWaiter.wake();
  }

  async function assignmentLoop() {
    const backoff = createBackoff(timing.backoffMs, timing.maxBackoffMs);
    const unauthorized = createBackoff(timing.unauthorizedMs, timing.maxUnauthorizedMs);
    const unavailable = createBackoff(timing.unavailableMs, timing.maxUnavailableMs);
    let trouble = false;
    while (running) {
      if (!assignmentWanted) {
        await assignmentWaiter.wait(60_000);
        continue;
      }
      const outcome = await hub.getAssignment({ timeoutMs: timing.requestTimeoutMs, signal: halt.signal });
      if (!running || outcome.kind === 'aborted') break;
      let delay = 0;
      switch (outcome.kind) {
        case 'ok':
          take(outcome.value);
          assignmentWanted = false;
          if (trouble) log.info('the hub answers again: assignment fetched');
          trouble = false;
          backoff.reset();
          unauthorized.reset();
          unavailable.reset();
          continue;
        case 'unauthorized':
          delay = unauthorized.take();
          trouble = true;
          log.error({ status: outcome.status, hubMessage: outcome.message, retryInSeconds: seconds(delay) }, `the hub refused this probe's id or token (HTTP 401) when asked for its assignment: check PROBE_ID and PROBE_TOKEN against the hub's PROBE_TOKENS; asking again in ${seconds(delay)} s`);
          break;
        case 'unavailable':
          delay = outcome.retryAfterMs ?? unavailable.take();
          log[trouble ? 'debug' : 'info']({ status: outcome.status, hubMessage: outcome.message }, `the hub cannot hand out assignments right now (HTTP ${outcome.status}${outcome.message ? `: ${outcome.message}` : ''}); asking again in ${seconds(delay)} s`);
          trouble = true;
          break;
        case 'refused':
          delay = backoff.take();
          trouble = true;
          log.warn({ status: outcome.status, hubMessage: outcome.message }, `the hub refused the assignment request (HTTP ${outcome.status}): ${outcome.message || 'no message'}; asking again in ${seconds(delay)} s`);
          break;
        case 'failed': {
          delay = backoff.take();
          const held = assignment ? ` still checking the ${schedule.size} portals held;` : '';
          // An answer that came but could not be used is worth a warning each time; an unreachable hub, once per episode.
          const level = outcome.status !== null || !trouble ? 'warn' : 'debug';
          log[level]({ reason: outcome.reason, status: outcome.status }, `could not get an assignment from the hub: ${outcome.reason};${held} asking again in ${seconds(delay)} s`);
          trouble = true;
          break;
        }
      }
      await assignmentWaiter.wait(delay);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reports

  function reportBody(report: PendingReport, dropped: number): string {
    return (
      `{"probeId":${JSON.stringify(options.probeId)},"bootId":"${bootId}","seq":${report.seq},` +
      `"sentAt":"${new Date(clock.now()).toISOString()}","offline":${report.offline},"dropped":${dropped},` +
      `"observations":[${report.batch?.observationsJson ?? ''}]}`
    );
  }

  function onReceipt(receipt: ReportReceipt, sent: number) {
    if (receipt.accepted < sent) log.debug({ accepted: receipt.accepted, sent }, `the hub accepted ${receipt.accepted} of ${sent} observations`);
    if (receipt.recheck.length > 0) {
      const found = schedule.recheck(receipt.recheck, Date.now());
      log.debug({ asked: receipt.recheck.length, assigned: found }, 'the hub asks for re-checks');
    }
    if (assignment && receipt.version !== assignment.version && !assignmentWanted) {
      log.debug({ held: assignment.version, current: receipt.version }, 'the assignment changed at the hub; fetching it');
      assignmentWanted = true;
      assignmentWaiter.wake();
    }
  }

  /** One attempt: the report waiting for an answer, or a new one from the backlog. */
  async function sendReport(timeoutMs: number, signal: AbortSignal | undefined): Promise<HubOutcome<ReportReceipt>> {
    if (!pending) {
      const batch = backlog.take();
      pending = { seq: nextSeq++, batch, offline: batch ? batch.offline : network.offline, leftBehind: backlog.size };
    }
    const report = pending;
    const dropped = backlog.dropped;
    const outcome = await hub.postReport(reportBody(report, dropped), { timeoutMs, ...(signal ? { signal } : {}) });
    const count = report.batch?.count ?? 0;
    lastLeftBehind = report.leftBehind;
    if (outcome.kind === 'ok') {
      pending = null;
      reportsAccepted += 1;
      backlog.acknowledgeDropped(dropped);
      if (overflowing) {
        overflowing = false;
        if (dropped > 0) log.warn({ dropped }, `${dropped} observations were dropped from the full backlog while the hub was unreachable (reported to the hub)`);
      }
      onReceipt(outcome.value, count);
    } else if (outcome.kind === 'refused') {
      // The hub understood and said no: the same report would be refused again. Its assignment may
      // have changed without this probe hearing of it (receipts carry the version): fetch it again.
      pending = null;
      assignmentWanted = true;
      assignmentWaiter.wake();
      const again = outcome.status === 422 ? (report.batch?.entries.filter((e) => !e.retried) ?? []) : [];
      if (again.length > 0) {
        // "Names portals this hub does not watch": once the fresh assignment has dropped those, the rest goes again.
        backlog.requeue(again);
        holdReportsUntil = Date.now() + timing.requestTimeoutMs;
        log.warn({ status: outcome.status, hubMessage: outcome.message, seq: report.seq, observations: count }, `the hub refused report ${report.seq} (HTTP 422): ${outcome.message || 'no message'}; fetching the assignment again, then sending its observations of portals still assigned`);
      } else {
        log.warn({ status: outcome.status, hubMessage: outcome.message, seq: report.seq, observations: count }, `the hub refused report ${report.seq} (HTTP ${outcome.status}): ${outcome.message || 'no message'}; its ${count} observations are dropped`);
      }
    } else if (!report.batch) {
      // A report with nothing in it is not worth sending again: the next one says the same, newer.
      pending = null;
    }
    return outcome;
  }

  async function reportLoop() {
    const backoff = createBackoff(timing.backoffMs, timing.maxBackoffMs);
    const unauthorized = createBackoff(timing.unauthorizedMs, timing.maxUnauthorizedMs);
    const unavailable = createBackoff(timing.unavailableMs, timing.maxUnavailableMs);
    /** Waiting out a failure: no early report for a full backlog. */
    let holding = false;
    let troubleSince: number | null = null;
    while (running) {
      const now = Date.now();
      if (!assignment) {
        await reportWaiter.wait(60_000);
        continue;
      }
      if (now < holdReportsUntil && assignmentWanted) {
        await reportWaiter.wait(holdReportsUntil - now);
        continue;
      }
      const soon = !holding && backlog.size >= timing.reportSoonAt;
      if (now < nextReportAt && !soon) {
        await reportWaiter.wait(nextReportAt - now);
        continue;
      }
      const outcome = await sendReport(timing.requestTimeoutMs, halt.signal);
      if (!running || outcome.kind === 'aborted') break;
      let delay: number;
      switch (outcome.kind) {
        case 'ok':
        case 'refused': {
          const recovered = troubleSince !== null && outcome.kind === 'ok';
          if (recovered) {
            log.info({ downSeconds: seconds(Date.now() - troubleSince!), waiting: backlog.size }, `the hub takes reports again (after ${seconds(Date.now() - troubleSince!)} s)`);
            troubleSince = null;
          }
          backoff.reset();
          unauthorized.reset();
          unavailable.reset();
          holding = false;
          // What waited through an outage, what did not fit the last report, or many new ones: the next report goes at once.
          delay = ((recovered || lastLeftBehind > 0) && backlog.size > 0) || backlog.size >= timing.reportSoonAt ? 0 : reportEveryMs;
          break;
        }
        case 'unauthorized':
          delay = unauthorized.take();
          holding = true;
          troubleSince ??= Date.now();
          log.error({ status: outcome.status, hubMessage: outcome.message, waiting: backlog.size, retryInSeconds: seconds(delay) }, `the hub refused this probe's id or token (HTTP 401) when sent a report: check PROBE_ID and PROBE_TOKEN against the hub's PROBE_TOKENS; sending again in ${seconds(delay)} s`);
          break;
        case 'unavailable':
          delay = outcome.retryAfterMs ?? unavailable.take();
          holding = true;
          log[troubleSince === null ? 'info' : 'debug']({ status: outcome.status, hubMessage: outcome.message }, `the hub does not take reports right now (HTTP ${outcome.status}${outcome.message ? `: ${outcome.message}` : ''}); sending again in ${seconds(delay)} s`);
          troubleSince ??= Date.now();
          break;
        case 'failed':
          delay = backoff.take();
          holding = true;
          if (troubleSince === null) {
            troubleSince = Date.now();
            log.warn({ reason: outcome.reason, status: outcome.status, waiting: backlog.size + (pending?.batch?.count ?? 0) }, `cannot deliver reports to the hub: ${outcome.reason}; observations wait in the backlog (at most ${backlogLimit}); sending again in ${seconds(delay)} s`);
          } else {
            log.debug({ reason: outcome.reason, retryInSeconds: seconds(delay) }, 'the hub still takes no reports');
          }
          break;
      }
      nextReportAt = Date.now() + delay;
    }
  }

  // -------------------------------------------------------------------------------------------

  return {
    bootId,
    start() {
      if (running || stopping) return;
      running = true;
      log.info(
        { probeId: options.probeId, hub: options.hubUrl.origin, bootId, backlogLimit, referenceUrls: options.check.referenceUrls.length },
        `probe ${options.probeId} started; hub ${options.hubUrl.origin}`,
      );
      if (options.check.referenceUrls.length === 0) {
        log.warn(
          'check.referenceUrls is empty: this probe can tell that its own network is down only when every check for 30 s fails at the network level on at least 3 hosts, which portals behind one front (spse.inaproc.id) never show; without reference addresses a broken uplink reads as every portal down. Set check.referenceUrls in the probe\'s CONFIG_PATH (or leave it out for the defaults)',
        );
      }
      ticker = setInterval(tick, timing.tickMs);
      const guard = (name: string, loop: () => Promise<void>) =>
        loop().catch((error: unknown) => {
          // Not expected (every outcome is handled); the probe would stop reporting: say so loudly and start it again.
          log.error({ err: error, loop: name }, `the ${name} loop failed; restarting it`);
          if (running) loops.push(guard(name, loop));
        });
      loops.push(guard('assignment', assignmentLoop), guard('report', reportLoop));
    },
    stop() {
      stopping ??= (async () => {
        const wasRunning = running;
        running = false;
        if (ticker) clearInterval(ticker);
        ticker = null;
        // Checks in flight resolve at once as aborted; requests to the hub in flight are abandoned.
        checker.abortAll();
        halt.abort();
        assignmentWaiter.wake();
        reportWaiter.wake();
        await Promise.allSettled([...loops, ...inFlight]);
        // The last word: what waits, in one report (or a few, within the same short deadline).
        const deadline = Date.now() + timing.finalReportMs;
        let unsent = backlog.size + (pending?.batch?.count ?? 0);
        while (wasRunning && assignment && (unsent > 0 || backlog.dropped > 0) && deadline - Date.now() > 50) {
          const outcome = await sendReport(deadline - Date.now(), undefined);
          unsent = backlog.size + (pending?.batch?.count ?? 0);
          if (outcome.kind !== 'ok' && outcome.kind !== 'refused') break;
        }
        log.info({ unsent, dropped: backlog.dropped, reportsAccepted }, unsent > 0 ? `probe stopped; ${unsent} observations were not delivered` : 'probe stopped');
        const closing = Promise.all([ownsChecker ? checker.close() : Promise.resolve(), hub.close()]);
        await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      })();
      return stopping;
    },
    status() {
      return {
        running,
        assignmentVersion: assignment?.version ?? null,
        portals: schedule.size,
        backlog: backlog.size,
        dropped: backlog.dropped,
        offline: network.offline,
        checks,
        reportsAccepted,
        nextSeq,
      };
    },
  };
}
