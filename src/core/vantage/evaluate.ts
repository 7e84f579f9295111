/**
 * One portal's evaluation: the hub's latest check (when it made one) joins the vantage points'
 * views, their agreement becomes one observation for the portal's state machine. Pure.
 *
 * With the hub as the only vantage point this is exactly the single-monitor behaviour: the hub
 * confirms over `failuresToDown`/`successesToUp` checks, the outage starts at its first failing
 * check and ends at its first healthy one, every failing check is counted.
 */
import { decodeErrorCode } from '../classifier.js';
import { step, type StepResult } from '../state-machine.js';
import type { CheckSample } from '../stats.js';
import type { Classification, PortalStatus, Transition } from '../types.js';
import { consensus, HUB, observe, type Verdict, type VantageView } from './consensus.js';

/** Views not refreshed for this long are dropped from the portal's record. */
const FORGET_VIEW_MS = 24 * 3_600_000;

export interface EvaluationContext {
  now: number;
  cycleId: string;
  thresholds: { failuresToDown: number; successesToUp: number };
  /** Two of the portal's intervals: older observations do not vote. */
  staleAfterMs: number;
  quorum: number | null;
  /** The hub's own network is down (its monitor-offline rule). */
  hubOffline: boolean;
  /** A probe's own network is down, or it stopped reporting. */
  probeOffline: (probeId: string) => boolean;
}

export interface HubCheck {
  classification: Classification;
  at: number;
  latencyMs: number | null;
}

export interface Evaluation {
  status: PortalStatus;
  /** The state machine's step, when the verdict was one. */
  outcome: StepResult | null;
  /** What the history counts for this evaluation (null: nothing to count). */
  sample: CheckSample | null;
  verdict: Verdict;
}

/** A probe's observation, as a classification the hub can use (the hub decodes the error code itself). */
export function classificationOf(seen: VantageView['seen']): Classification {
  return {
    state: seen.state,
    cause: seen.cause,
    httpStatus: seen.httpStatus,
    errorCode: seen.errorCode,
    errorCodeEstimate: seen.errorCodeEstimate,
    detail: seen.detail,
    networkLevel: seen.networkLevel,
  };
}

/** Adds one observation of a vantage point to a portal's views. */
export function withObservation(status: PortalStatus, vantageId: string, classification: Classification, at: number, latencyMs: number | null, thresholds: EvaluationContext['thresholds']): PortalStatus {
  const views = { ...(status.vantages ?? {}) };
  const withEstimate = classification.errorCode && !classification.errorCodeEstimate ? { ...classification, errorCodeEstimate: decodeErrorCode(classification.errorCode, at) } : classification;
  views[vantageId] = observe(views[vantageId], withEstimate, at, latencyMs, thresholds);
  return { ...status, vantages: views };
}

/** The views still remembered (the same object when none is dropped). */
function withoutForgotten(views: Readonly<Record<string, VantageView>>, now: number): Readonly<Record<string, VantageView>> {
  let kept: Record<string, VantageView> | null = null;
  for (const id in views) {
    if (now - Date.parse(views[id]!.seen.at) <= FORGET_VIEW_MS) continue;
    kept ??= { ...views };
    delete kept[id];
  }
  return kept ?? views;
}

function verdictClassification(verdict: Verdict, prev: PortalStatus): Classification | null {
  const rep = verdict.representative;
  if (!rep) return null;
  const seen = classificationOf(rep.view.seen);
  switch (verdict.verdict) {
    case 'down':
      return seen.state === 'down' ? seen : { ...seen, state: 'down', cause: prev.state === 'down' ? prev.cause : seen.cause };
    case 'blocked':
      return { ...seen, state: 'blocked' };
    case 'partial':
      return {
        state: 'degraded',
        cause: 'partial_outage',
        httpStatus: seen.httpStatus,
        errorCode: seen.errorCode,
        errorCodeEstimate: seen.errorCodeEstimate,
        detail: `down from ${verdict.down.length} of ${verdict.voting.length} vantage points (${verdict.down.join(', ')}): ${seen.detail}`.slice(0, 300),
        networkLevel: false,
      };
    case 'healthy': {
      const state = rep.view.state === 'degraded' ? 'degraded' : 'up';
      return seen.state === state ? seen : { ...seen, state, cause: state === 'up' ? 'ok' : prev.cause, errorCode: null, errorCodeEstimate: null, detail: prev.detail };
    }
    default:
      return null;
  }
}

/** Where the outage was seen from, for alerts, when more than one vantage point speaks. */
function vantagesOf(verdict: Verdict): Transition['vantages'] {
  if (verdict.known < 2) return undefined;
  return { agreeing: verdict.verdict === 'down' ? verdict.down : verdict.healthy, voting: verdict.voting.length };
}

export function evaluate(prev: PortalStatus, hub: HubCheck | null, ctx: EvaluationContext): Evaluation {
  let status = prev;
  // While the hub itself is cut off, "nothing answered" says nothing about the portal.
  const hubCounts = hub !== null && !(ctx.hubOffline && hub.classification.networkLevel);
  if (hub && hubCounts) status = withObservation(status, HUB, hub.classification, hub.at, hub.latencyMs, ctx.thresholds);
  const views = withoutForgotten(status.vantages ?? {}, ctx.now);
  if (views !== status.vantages && status.vantages) status = { ...status, vantages: views };

  const verdict = consensus(views, {
    now: ctx.now,
    staleAfterMs: ctx.staleAfterMs,
    quorum: ctx.quorum,
    offline: (id) => (id === HUB ? ctx.hubOffline : ctx.probeOffline(id)),
  });

  // What the history counts: the hub's own answer when it has one (as a single monitor counts every
  // check), else the agreement (a hub behind a Cloudflare block counts what the probes agree on).
  let sample: CheckSample | null = null;
  if (hub && hubCounts && hub.classification.state !== 'blocked') {
    sample = { portalId: prev.portalId, at: hub.at, observed: hub.classification.state, latencyMs: hub.latencyMs };
  } else if (verdict.verdict === 'down' || verdict.verdict === 'healthy' || verdict.verdict === 'partial') {
    const observed = verdict.verdict === 'down' ? 'down' : verdict.verdict === 'partial' ? 'degraded' : verdict.representative!.view.state === 'degraded' ? 'degraded' : 'up';
    sample = { portalId: prev.portalId, at: ctx.now, observed, latencyMs: verdict.representative!.view.seen.latencyMs };
  }

  const classification = verdictClassification(verdict, prev);
  const latest = hub && hubCounts ? { at: hub.at, latencyMs: hub.latencyMs } : verdict.representative ? { at: Date.parse(verdict.representative.view.seen.at), latencyMs: verdict.representative.view.seen.latencyMs } : null;
  // A verdict that only repeats the confirmed state while its representative just saw something
  // else (a single failed check of a portal that is up; a first healthy check of one that is down)
  // is not another observation of that state: it changes nothing but when the portal was last seen.
  const agrees = classification !== null && (classification.state !== prev.state || verdict.representative!.view.seen.state === classification.state || verdict.verdict === 'partial');
  if (!classification || !agrees || !latest) {
    const seen = hub && hubCounts ? hub.classification : verdict.representative?.view.seen;
    const touched: PortalStatus = latest ? { ...status, lastCheckedAt: new Date(latest.at).toISOString(), latencyMs: latest.latencyMs } : status;
    const confirming = prev.state === 'unknown' && seen ? { detail: `seen ${seen.state} (${seen.detail}); confirming` } : {};
    return { status: { ...touched, ...confirming }, outcome: null, sample, verdict };
  }
  // An outage ending in a partial one ends when the others began to see the portal answer.
  const run = verdict.verdict === 'partial' && prev.state === 'down' ? verdict.healthyRun : verdict.run;
  const outcome = step(status, { kind: 'check', at: latest.at, latencyMs: latest.latencyMs, classification, run: run ?? undefined }, { failuresToDown: 1, successesToUp: 1 }, ctx.cycleId);
  const vantages = vantagesOf(verdict);
  if (outcome.transition && vantages) {
    const transition = { ...outcome.transition, vantages };
    const pending = outcome.status.pendingTransitions.map((t) => (t.id === transition.id ? { ...t, vantages } : t));
    return { status: { ...outcome.status, pendingTransitions: pending }, outcome: { ...outcome, status: { ...outcome.status, pendingTransitions: pending }, transition }, sample, verdict };
  }
  return { status: outcome.status, outcome, sample, verdict };
}
