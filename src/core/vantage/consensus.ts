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
}

const isHealthy = (state: PortalState) => state === 'up' || state === 'degraded';

/** The portal's verdict from its vantage points' views. */
export function consensus(views: ReadonlyMap<string, VantageView>, options: ConsensusOptions): Verdict {
  const voting: string[] = [];
  const down: string[] = [];
  const healthy: string[] = [];
  let freshBlocked = 0;
  let fresh = 0;
  for (const [id, view] of views) {
    if (options.now - Date.parse(view.seen.at) > options.staleAfterMs) continue;
    fresh += 1;
    if (view.state === 'blocked') freshBlocked += 1;
    if (options.offline(id)) continue;
    if (view.state === 'down') down.push(id);
    else if (isHealthy(view.state)) healthy.push(id);
    else continue;
    voting.push(id);
  }
  // The hub first, then the probes by name: the order alerts and the API list them in.
  const byName = (a: string, b: string) => (a === HUB ? -1 : b === HUB ? 1 : a < b ? -1 : a > b ? 1 : 0);
  voting.sort(byName);
  down.sort(byName);
  healthy.sort(byName);
  const quorum = options.quorum ?? Math.floor(voting.length / 2) + 1;
  const pick = (ids: string[]) => {
    const id = ids.includes(HUB) ? HUB : ids.reduce((a, b) => (Date.parse(views.get(a)!.seen.at) >= Date.parse(views.get(b)!.seen.at) ? a : b));
    return { id, view: views.get(id)! };
  };
  const runOf = (ids: string[], healthyRun: boolean) => {
    const runs = ids.map((id) => {
      const view = views.get(id)!;
      return healthyRun ? view.healthyStreak : view.streak;
    });
    const known = runs.filter((r): r is NonNullable<typeof r> => r !== null);
    if (known.length === 0) return null;
    const earliest = known.reduce((a, b) => (a.since <= b.since ? a : b));
    return { since: earliest.since, checks: Math.max(...known.map((r) => r.count)) };
  };
  const base = { voting, down, healthy, known: views.size };
  if (voting.length === 0) {
    if (fresh > 0 && freshBlocked === fresh) {
      const blocked = [...views.keys()].filter((id) => views.get(id)!.state === 'blocked');
      return { ...base, verdict: 'blocked', representative: pick(blocked), run: runOf(blocked, false) };
    }
    return { ...base, verdict: 'none', representative: null, run: null };
  }
  if (down.length >= quorum) return { ...base, verdict: 'down', representative: pick(down), run: runOf(down, false) };
  if (down.length > 0) return { ...base, verdict: 'partial', representative: pick(down), run: runOf(down, false) };
  if (healthy.length >= quorum) return { ...base, verdict: 'healthy', representative: pick(healthy), run: runOf(healthy, true) };
  return { ...base, verdict: 'none', representative: null, run: null };
}
