/**
 * When each portal is checked: pure decisions over the watched portals, their origins and each
 * origin's request budget. The monitor keeps the clock and the memory; this decides.
 */

/** A portal as the schedule sees it. */
export interface Scheduled {
  id: string;
  origin: string;
  /** The interval asked for (configured, or the catalog's). */
  intervalMs: number;
}

/**
 * The share of an origin's request budget scheduled checks may use; the rest is headroom (re-checks
 * of a failing portal, a slow answer holding a slot). Above it, that origin's intervals stretch.
 */
export const BUDGET_SHARE = 0.8;
/**
 * One cycle takes at most this many seconds' worth of one origin's budget. What is left stays due
 * for the next cycle, so a backlog on one origin (the first sweep of 600 catalog portals) never
 * holds the loop for minutes, and portals with the shortest intervals (subscribed ones) go first.
 */
export const CYCLE_BUDGET_SECONDS = 15;

/**
 * Fits the schedule to each origin's budget: when the intervals asked for would need more than
 * {@link BUDGET_SHARE} of `requestsPerSecond` (600 subscribed portals on spse.inaproc.id every
 * minute at 2 requests a second), every interval of that origin is stretched by the same factor
 * (rounded up to hundredths). Returns the factor per origin and the effective interval per portal.
 */
export function fitToBudget(portals: readonly Scheduled[], requestsPerSecond: number): { stretch: Map<string, number>; intervals: Map<string, number> } {
  const demand = new Map<string, number>();
  for (const p of portals) demand.set(p.origin, (demand.get(p.origin) ?? 0) + 1000 / p.intervalMs);
  const budget = requestsPerSecond * BUDGET_SHARE;
  const stretch = new Map<string, number>();
  for (const [origin, perSecond] of demand) {
    // Rounded up to hundredths (less a hair, so that float sums such as 600 × 1/60 stay exact).
    stretch.set(origin, Number.isFinite(budget) && perSecond > budget ? Math.ceil((perSecond / budget) * 100 - 1e-9) / 100 : 1);
  }
  const intervals = new Map<string, number>();
  for (const p of portals) intervals.set(p.id, Math.round(p.intervalMs * stretch.get(p.origin)!));
  return { stretch, intervals };
}

/**
 * The portals to check in this cycle: those due by `now`, shortest interval first and then the
 * longest overdue, at most {@link CYCLE_BUDGET_SECONDS} of each origin's budget.
 */
export function dueNow<P extends Scheduled>(
  portals: readonly P[],
  now: number,
  dueAt: (portal: P) => number,
  intervals: ReadonlyMap<string, number>,
  requestsPerSecond: number,
): P[] {
  const interval = (p: P) => intervals.get(p.id) ?? p.intervalMs;
  const due = portals.filter((p) => dueAt(p) <= now).sort((a, b) => interval(a) - interval(b) || dueAt(a) - dueAt(b));
  const perCycle = Math.max(1, Math.floor(requestsPerSecond * CYCLE_BUDGET_SECONDS));
  const taken = new Map<string, number>();
  return due.filter((p) => {
    const count = taken.get(p.origin) ?? 0;
    if (count >= perCycle) return false;
    taken.set(p.origin, count + 1);
    return true;
  });
}
