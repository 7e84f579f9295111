import { describe, expect, it } from 'vitest';
import { BUDGET_SHARE, CYCLE_BUDGET_SECONDS, dueNow, fitToBudget, type Scheduled } from '../../src/core/schedule.js';

const SPSE = 'https://spse.inaproc.id';
const portals = (count: number, intervalMs: number, origin = SPSE, prefix = 'p'): Scheduled[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, origin, intervalMs }));

describe('a schedule that fits each origin’s request budget', () => {
  it('keeps the configured intervals while the budget carries them', () => {
    const { stretch, intervals } = fitToBudget([...portals(40, 60_000), ...portals(560, 900_000, SPSE, 'c')], 2);
    // 40/60 + 560/900 = 1.29 requests/s, under 80% of 2.
    expect(stretch.get(SPSE)).toBe(1);
    expect(intervals.get('p0')).toBe(60_000);
    expect(intervals.get('c0')).toBe(900_000);
  });

  it('stretches every interval of an origin alike when a stranger subscribes to all 600 portals', () => {
    const { stretch, intervals } = fitToBudget(portals(600, 60_000), 2);
    // 10 requests/s wanted against 1.6 allowed: each interval ×6.25, so a round takes 375 s.
    expect(stretch.get(SPSE)).toBe(6.25);
    expect(intervals.get('p0')).toBe(375_000);
    const perSecond = 600 / (intervals.get('p0')! / 1000);
    expect(perSecond).toBeLessThanOrEqual(2 * BUDGET_SHARE);
  });

  it('stretches only the origin that is over its budget', () => {
    const other = 'https://lpse.gresikkab.go.id';
    const { stretch } = fitToBudget([...portals(600, 60_000), ...portals(3, 60_000, other, 'g')], 2);
    expect(stretch.get(SPSE)).toBeGreaterThan(1);
    expect(stretch.get(other)).toBe(1);
  });

  it('lifts no limit when the budget is unlimited', () => {
    expect(fitToBudget(portals(10_000, 1000), Infinity).stretch.get(SPSE)).toBe(1);
  });
});

describe('what one cycle takes', () => {
  const intervalsOf = (list: Scheduled[]) => new Map(list.map((p) => [p.id, p.intervalMs]));

  it('takes at most a bounded slice of each origin’s budget, shortest interval first', () => {
    const subscribed = portals(10, 60_000, SPSE, 's');
    const catalog = portals(600, 900_000, SPSE, 'c');
    const all = [...catalog, ...subscribed];
    const due = dueNow(all, 1000, () => 0, intervalsOf(all), 2);
    expect(due).toHaveLength(2 * CYCLE_BUDGET_SECONDS);
    // The subscribed ones are not starved by the catalog's first sweep.
    expect(due.slice(0, 10).map((p) => p.id)).toEqual(subscribed.map((p) => p.id));
  });

  it('takes the longest overdue first among equals, and nothing that is not due', () => {
    const list = portals(3, 60_000);
    const dueAt = new Map([['p0', 500], ['p1', 100], ['p2', 5000]]);
    const due = dueNow(list, 1000, (p) => dueAt.get(p.id)!, intervalsOf(list), 2);
    expect(due.map((p) => p.id)).toEqual(['p1', 'p0']);
  });

  it('counts each origin on its own', () => {
    const list = [...portals(100, 60_000, SPSE, 'a'), ...portals(100, 60_000, 'https://b.example', 'b')];
    const due = dueNow(list, 0, () => 0, intervalsOf(list), 1);
    expect(due.filter((p) => p.origin === SPSE)).toHaveLength(CYCLE_BUDGET_SECONDS);
    expect(due.filter((p) => p.origin !== SPSE)).toHaveLength(CYCLE_BUDGET_SECONDS);
  });
});
