/**
 * Agreement of vantage points. Each vantage point — the hub's own checks (`hub`) and each probe —
 * confirms what it sees on its own (`failuresToDown` failures, `successesToUp` healthy answers in a
 * row, the same rules as a single monitor); the portal's state is then what a quorum of the voting
 * vantage points confirmed. Pure: the monitor feeds it observations and reads verdicts.
 *
 * | voting vantage points (quorum q)               | verdict                                    |
 * |------------------------------------------------|--------------------------------------------|
 * | ≥ q confirmed down                             | `down`: an outage (DOWN alert)             |
 * | ≥ q confirmed healthy, none down               | `healthy`: up or degraded                  |
 * | some down, the others healthy, < q down        | `partial`: degraded, cause `partial_outage`|
 * | none voting, every fresh one blocked           | `blocked`                                  |
 * | none voting otherwise (stale, offline, unknown)| `none`: nothing changes                    |
 *
 * A vantage point votes when it has confirmed up, degraded or down, its latest observation is
 * fresh (not older than two of the portal's intervals), and its own network is not offline.
 */
import { confirmedTarget, nextStreaks, type Thresholds } from '../state-machine.js';
import type { Classification, PortalState, VantageView } from '../types.js';

export type { VantageView };

/** The hub's own checks as a vantage point. */
export const HUB = 'hub';

/** What one observation of a vantage point says (a Classification; a probe's comes without the decoded estimate). */
export type Seen = Omit<Classification, 'errorCodeEstimate'> & { errorCodeEstimate?: string | null | undefined };

/** A vantage point's view after one more observation. */
export function observe(view: VantageView | undefined, classification: Seen, at: number, latencyMs: number | null, thresholds: Thresholds): VantageView {
  const atIso = new Date(at).toISOString();
  const prev = view ?? { state: 'unknown' as const, streak: null, healthyStreak: null };
  const streaks = nextStreaks(prev, classification.state, atIso);
  const target = confirmedTarget({ state: prev.state, ...streaks }, classification.state, thresholds);
  return {
    state: target ?? prev.state,
    seen: {
      state: classification.state,
      cause: classification.cause,
      httpStatus: classification.httpStatus,
      errorCode: classification.errorCode,
      errorCodeEstimate: classification.errorCodeEstimate ?? null,
      detail: classification.detail,
      networkLevel: classification.networkLevel,
      at: atIso,
      latencyMs,
    },
    ...streaks,
  };
}

export interface ConsensusOptions {
  now: number;
  /** An observation older than this does not vote (two of the portal's intervals). */
  staleAfterMs: number;
  /** Vantage points whose own network is down: they do not vote. */
  offline: (vantageId: string) => boolean;
  /** `check.quorum`; null for a majority of the voting vantage points. */
  quorum: number | null;
}

export interface Verdict {
  verdict: 'down' | 'healthy' | 'partial' | 'blocked' | 'none';
  /** Ids of the vantage points that voted, that confirmed down, that confirmed healthy. */
  voting: string[];
  down: string[];
  healthy: string[];
  /** Vantage points known for this portal (voting or not). */
  known: number;
  /** Whose latest observation stands for the verdict (the hub's when it agrees). */
  representative: { id: string; view: VantageView } | null;
  /** When the run the verdict rests on began (the earliest among those agreeing) and how many checks it took. */
  run: { since: string; checks: number } | null;
  /**
   * For a partial outage: the healthy run of those that see the portal answering. An outage that
   * ends in a partial one ends when they began to see it healthy, not when the others began to fail.
   */
  healthyRun?: { since: string; checks: number } | null;
}

const isHealthy = (state: PortalState) => state === 'up' || state === 'degraded';

/** The hub first, then the probes by name: the order alerts and the API list them in. */
function byName(a: string, b: string): number {
  return a === HUB ? -1 : b === HUB ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** The view standing for a group: the hub's when it is one of them, else the most recent. */
function representativeOf(views: Readonly<Record<string, VantageView>>, ids: string[]): { id: string; view: VantageView } {
  if (ids.includes(HUB)) return { id: HUB, view: views[HUB]! };
  let id = ids[0]!;
  let at = Date.parse(views[id]!.seen.at);
  for (let i = 1; i < ids.length; i++) {
    const candidateAt = Date.parse(views[ids[i]!]!.seen.at);
    if (candidateAt > at) {
      id = ids[i]!;
      at = candidateAt;
    }
  }
  return { id, view: views[id]! };
}

/** The run a group rests on: from the earliest start among them, as long as the longest of them. */
function runOf(views: Readonly<Record<string, VantageView>>, ids: string[], healthyRun: boolean): { since: string; checks: number } | null {
  let since: string | null = null;
  let checks = 0;
  for (const id of ids) {
    const view = views[id]!;
    const run = healthyRun ? view.healthyStreak : view.streak;
    if (!run) continue;
    if (since === null || run.since < since) since = run.since;
    if (run.count > checks) checks = run.count;
  }
  return since === null ? null : { since, checks };
}

/** The portal's verdict from its vantage points' views (by vantage point id). */
export function consensus(views: Readonly<Record<string, VantageView>>, options: ConsensusOptions): Verdict {
  const voting: string[] = [];
  const down: string[] = [];
  const healthy: string[] = [];
  let freshBlocked = 0;
  let fresh = 0;
  let known = 0;
  for (const id in views) {
    known += 1;
    const view = views[id]!;
    if (options.now - Date.parse(view.seen.at) > options.staleAfterMs) continue;
    fresh += 1;
    if (view.state === 'blocked') freshBlocked += 1;
    if (options.offline(id)) continue;
    if (view.state === 'down') down.push(id);
    else if (isHealthy(view.state)) healthy.push(id);
    else continue;
    voting.push(id);
  }
  if (voting.length > 1) {
    voting.sort(byName);
    down.sort(byName);
    healthy.sort(byName);
  }
  const quorum = options.quorum ?? Math.floor(voting.length / 2) + 1;
  const base = { voting, down, healthy, known };
  if (voting.length === 0) {
    if (fresh > 0 && freshBlocked === fresh) {
      const blocked = Object.keys(views).filter((id) => views[id]!.state === 'blocked');
      return { ...base, verdict: 'blocked', representative: representativeOf(views, blocked), run: runOf(views, blocked, false) };
    }
    return { ...base, verdict: 'none', representative: null, run: null };
  }
  if (down.length >= quorum) return { ...base, verdict: 'down', representative: representativeOf(views, down), run: runOf(views, down, false) };
  if (down.length > 0) {
    return { ...base, verdict: 'partial', representative: representativeOf(views, down), run: runOf(views, down, false), healthyRun: runOf(views, healthy, true) };
  }
  if (healthy.length >= quorum) return { ...base, verdict: 'healthy', representative: representativeOf(views, healthy), run: runOf(views, healthy, true) };
  return { ...base, verdict: 'none', representative: null, run: null };
}
