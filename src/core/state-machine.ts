import type { Classification, Incident, ObservedState, PortalState, PortalStatus, Transition } from './types.js';

export interface Thresholds {
  failuresToDown: number;
  successesToUp: number;
}

/**
 * What one check (or a maintenance window) tells the state machine. When what is observed is
 * itself an agreement of vantage points, each of which confirmed it over several checks, `run`
 * says when that run began and how many checks it took, so that an outage still starts at its
 * first failing check and counts every one of them.
 */
export type Observation =
  | { kind: 'check'; at: number; latencyMs: number | null; classification: Classification; run?: { since: string; checks: number } | undefined }
  | { kind: 'maintenance'; at: number };

/** Consecutive observations: the same state in a row, and healthy (up or degraded) in a row. */
export interface Streaks {
  streak: PortalStatus['streak'];
  healthyStreak: PortalStatus['healthyStreak'];
}

/** The streaks after one more observation (a new run starts at `since`, `checks` long). */
export function nextStreaks(prev: Streaks, observed: ObservedState, atIso: string, run?: { since: string; checks: number }): Streaks {
  const start = run ?? { since: atIso, checks: 1 };
  const streak = prev.streak?.state === observed ? { ...prev.streak, count: prev.streak.count + 1 } : { state: observed, count: start.checks, since: start.since };
  const healthyStreak = HEALTHY.has(observed)
    ? prev.healthyStreak
      ? { ...prev.healthyStreak, count: prev.healthyStreak.count + 1 }
      : { count: start.checks, since: start.since }
    : null;
  return { streak, healthyStreak };
}

export interface StepResult {
  status: PortalStatus;
  transition: Transition | null;
  /** The incident opened, updated or closed by this step, to be written to history. */
  incident: Incident | null;
}

export function initialStatus(portalId: string, now: number): PortalStatus {
  return {
    portalId,
    state: 'unknown',
    cause: 'unknown',
    httpStatus: null,
    errorCode: null,
    errorCodeEstimate: null,
    detail: 'not checked yet',
    since: new Date(now).toISOString(),
    lastCheckedAt: null,
    latencyMs: null,
    streak: null,
    healthyStreak: null,
    openIncident: null,
    transitionSeq: 0,
    pendingTransitions: [],
  };
}

const HEALTHY: ReadonlySet<ObservedState> = new Set(['up', 'degraded']);

/**
 * Which confirmed state, if any, the streaks now justify.
 *
 * Truth table (F = failuresToDown, S = successesToUp consecutive observations):
 *
 * | confirmed now                 | observations in a row         | becomes              |
 * |-------------------------------|-------------------------------|----------------------|
 * | any but down                  | down ×F                       | down                 |
 * | any but blocked               | blocked ×F                    | blocked              |
 * | unknown/down/blocked/maint.   | up or degraded (mixed) ×S     | the latest of the two|
 * | up                            | degraded ×F                   | degraded             |
 * | degraded                      | up ×S                         | up                   |
 * | anything                      | inside a maintenance window   | maintenance at once  |
 */
export function confirmedTarget(status: Pick<PortalStatus, 'state'> & Streaks, observed: ObservedState, t: Thresholds): PortalState | null {
  const { state, streak, healthyStreak } = status;
  const exact = streak?.state === observed ? streak.count : 0;
  if (observed === 'down') return state !== 'down' && exact >= t.failuresToDown ? 'down' : null;
  if (observed === 'blocked') return state !== 'blocked' && exact >= t.failuresToDown ? 'blocked' : null;
  if (state === 'up' || state === 'degraded') {
    if (state === observed) return null;
    return exact >= (observed === 'degraded' ? t.failuresToDown : t.successesToUp) ? observed : null;
  }
  return (healthyStreak?.count ?? 0) >= t.successesToUp ? observed : null;
}

/**
 * Which changes are announced. The outage (an incident) is what people are told about; blocked,
 * maintenance and the first result after start only change what /status shows.
 *
 * | change                                   | announced as                          |
 * |------------------------------------------|---------------------------------------|
 * | → down, no open incident                 | DOWN (opens the incident)             |
 * | → down, incident still open (after       | nothing: the same outage goes on      |
 * |   blocked/maintenance)                   |                                       |
 * | → up/degraded with an open incident      | UP with the outage's duration         |
 * | up → degraded                            | DEGRADED (to chats that opted in)     |
 * | degraded → up                            | RECOVERED (to chats that opted in)    |
 * | unknown → up/degraded (first result)     | nothing                               |
 * | → blocked, → maintenance, and back       | nothing                               |
 */
function transitionKind(from: PortalState, to: PortalState, incidentOpen: boolean): Transition['kind'] {
  if (to === 'down') return incidentOpen ? 'silent' : 'down';
  if (to === 'up' || to === 'degraded') {
    if (incidentOpen) return 'up';
    if (from === 'up' && to === 'degraded') return 'degraded';
    if (from === 'degraded' && to === 'up') return 'recovered';
  }
  return 'silent';
}

/**
 * The pure state machine: previous status + one observation + thresholds → next status and at most
 * one transition. It never reads a clock or a store; the caller persists `status` (which carries the
 * transition in `pendingTransitions`) before anything is announced.
 */
export function step(prev: PortalStatus, observation: Observation, thresholds: Thresholds, cycleId: string): StepResult {
  const atIso = new Date(observation.at).toISOString();

  if (observation.kind === 'maintenance') {
    const base: PortalStatus = { ...prev, streak: null, healthyStreak: null, lastCheckedAt: prev.lastCheckedAt };
    if (prev.state === 'maintenance') return { status: base, transition: null, incident: null };
    return emit(base, prev, 'maintenance', atIso, cycleId, {
      cause: 'maintenance_window',
      httpStatus: null,
      errorCode: null,
      errorCodeEstimate: null,
      detail: 'scheduled maintenance',
      networkLevel: false,
      state: 'up',
    });
  }

  const c = observation.classification;
  const observed = c.state;
  const { streak, healthyStreak } = nextStreaks(prev, observed, atIso, observation.run);

  let status: PortalStatus = {
    ...prev,
    lastCheckedAt: atIso,
    latencyMs: observation.latencyMs,
    streak,
    healthyStreak,
  };
  // While down, /status shows the latest failure, and the open incident counts it.
  if (prev.state === 'down' && observed === 'down' && status.openIncident) {
    status.openIncident = { ...status.openIncident, checksFailed: status.openIncident.checksFailed + 1, lastFailedAt: atIso };
    status = { ...status, cause: c.cause, httpStatus: c.httpStatus, errorCode: c.errorCode, errorCodeEstimate: c.errorCodeEstimate, detail: c.detail };
  }
  if (prev.state === observed && observed !== 'down') {
    status = { ...status, cause: c.cause, httpStatus: c.httpStatus, detail: c.detail };
  }

  const target = confirmedTarget(status, observed, thresholds);
  if (target === null) {
    // Nothing confirmed yet: say what was seen rather than "not checked yet".
    if (prev.state === 'unknown') status = { ...status, detail: `seen ${observed} (${c.detail}); confirming` };
    return { status, transition: null, incident: null };
  }
  return emit(status, prev, target, atIso, cycleId, c);
}

function emit(
  status: PortalStatus,
  prev: PortalStatus,
  to: PortalState,
  atIso: string,
  cycleId: string,
  c: Classification,
): StepResult {
  const incidentOpen = status.openIncident !== null;
  const kind = transitionKind(prev.state, to, incidentOpen);
  const seq = prev.transitionSeq + 1;
  let openIncident = status.openIncident;
  let incident: Incident | null = null;
  let outage: Pick<Transition, 'outageStartedAt' | 'outageDurationMs' | 'outageCause' | 'outageErrorCode' | 'outageLastFailedAt' | 'outageIncidentId'> = {
    outageStartedAt: null,
    outageDurationMs: null,
    outageCause: null,
    outageErrorCode: null,
    outageLastFailedAt: null,
    outageIncidentId: null,
  };

  // An outage starts at its first failing check, not at its confirmation, and ends at the first
  // healthy check of the run that confirmed the recovery: durations are what users experienced.
  if (kind === 'down') {
    const startedAt = status.streak?.since ?? atIso;
    openIncident = {
      id: `${prev.portalId}:${seq}`,
      portalId: prev.portalId,
      startedAt,
      endedAt: null,
      durationMs: null,
      cause: c.cause,
      httpStatus: c.httpStatus,
      errorCode: c.errorCode,
      errorCodeEstimate: c.errorCodeEstimate,
      detail: c.detail,
      checksFailed: status.streak?.count ?? 1,
      lastFailedAt: atIso,
    };
    incident = openIncident;
  } else if (kind === 'up' && openIncident) {
    const endedAt = status.healthyStreak?.since ?? atIso;
    const durationMs = Math.max(0, Date.parse(endedAt) - Date.parse(openIncident.startedAt));
    incident = { ...openIncident, endedAt, durationMs };
    outage = {
      outageStartedAt: openIncident.startedAt,
      outageDurationMs: durationMs,
      outageCause: openIncident.cause,
      outageErrorCode: openIncident.errorCode,
      outageLastFailedAt: openIncident.lastFailedAt ?? null,
      outageIncidentId: openIncident.id,
    };
    openIncident = null;
  }

  const transition: Transition = {
    id: `${prev.portalId}:${seq}`,
    portalId: prev.portalId,
    from: prev.state,
    to,
    at: atIso,
    kind,
    cause: c.cause,
    httpStatus: c.httpStatus,
    errorCode: c.errorCode,
    errorCodeEstimate: c.errorCodeEstimate,
    detail: c.detail,
    ...outage,
  };
  const since = to === 'down' && openIncident && kind === 'down' ? openIncident.startedAt : atIso;
  return {
    status: {
      ...status,
      state: to,
      since,
      cause: c.cause,
      httpStatus: c.httpStatus,
      errorCode: c.errorCode,
      errorCodeEstimate: c.errorCodeEstimate,
      detail: c.detail,
      openIncident,
      transitionSeq: seq,
      // Silent changes are history only: nothing waits to be announced for them.
      pendingTransitions: kind === 'silent' ? status.pendingTransitions : [...status.pendingTransitions, { ...transition, cycleId }],
    },
    transition,
    incident,
  };
}
