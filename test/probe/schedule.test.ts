import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/core/vantage/protocol.js';
import { createProbeSchedule } from '../../src/probe/schedule.js';

const assignment = (portals: Array<[string, number]>, retryIntervalSeconds = 10): Assignment => ({
  version: 'v',
  retryIntervalSeconds,
  reportEverySeconds: 30,
  portals: portals.map(([id, intervalSeconds]) => ({ id, url: `https://spse.inaproc.id/${id}`, intervalSeconds })),
});

describe('probe schedule', () => {
  it('spreads the first checks of new portals over their interval', () => {
    const schedule = createProbeSchedule();
    const ids = Array.from({ length: 600 }, (_, i) => `p${i}`);
    schedule.assign(assignment(ids.map((id) => [id, 60])), 0);
    // Each second about ten start, never all 600 at once.
    expect(schedule.takeDue(0)).toHaveLength(1);
    expect(schedule.takeDue(999)).toHaveLength(9);
    expect(schedule.takeDue(59_999)).toHaveLength(590);
  });

  it('checks a portal seen down again after the retry interval, a healthy one after its interval', () => {
    const schedule = createProbeSchedule();
    schedule.assign(assignment([['a', 60], ['b', 60]]), 0);
    const [a] = schedule.takeDue(0);
    schedule.done(a!, 0, true);
    expect(schedule.get('a')!.dueAt).toBe(10_000);
    const b = schedule.takeDue(30_000).find((slot) => slot.id === 'b');
    schedule.done(b!, 30_000, false);
    expect(schedule.get('b')!.dueAt).toBe(90_000);
    // A retry interval longer than the portal's own interval never slows it down.
    schedule.assign(assignment([['a', 5], ['b', 60]], 10), 40_000);
    const again = schedule.get('a')!;
    expect(again.inFlight).toBe(true);
    schedule.done(again, 40_000, true);
    expect(schedule.get('a')!.dueAt).toBe(45_000);
  });

  it('re-checks what the hub asks for after the retry interval, also when the check is in flight', () => {
    const schedule = createProbeSchedule();
    schedule.assign(assignment([['a', 60], ['b', 60]]), 0);
    const [a] = schedule.takeDue(0);
    schedule.done(a!, 0, false);
    expect(schedule.recheck(['a', 'unknown'], 2000)).toBe(1);
    expect(schedule.get('a')!.dueAt).toBe(10_000);
    const b = schedule.takeDue(30_000).find((slot) => slot.id === 'b');
    schedule.recheck(['b'], 31_000);
    schedule.done(b!, 30_000, false);
    expect(schedule.get('b')!.dueAt).toBe(40_000);
  });

  it('keeps what it knows of portals still assigned, forgets removed ones, and drops a result for a changed address', () => {
    const schedule = createProbeSchedule();
    schedule.assign(assignment([['a', 60], ['b', 60]]), 0);
    const [a] = schedule.takeDue(0);
    schedule.done(a!, 0, false);
    const b = schedule.takeDue(30_000).find((slot) => slot.id === 'b');
    const next = assignment([['a', 30], ['c', 60]]);
    const result = schedule.assign(next, 40_000);
    expect(result).toEqual({ added: 1, removed: 1, kept: 1 });
    // a: a shorter interval counts from its last check.
    expect(schedule.get('a')!.dueAt).toBe(30_000);
    expect(schedule.get('b')).toBeUndefined();
    schedule.done(b!, 30_000, true);
    expect(schedule.get('b')).toBeUndefined();
    const moved = { ...next, portals: next.portals.map((p) => (p.id === 'a' ? { ...p, url: 'https://lpse.example.go.id/eproc4' } : p)) };
    schedule.assign(moved, 50_000);
    expect(schedule.get('a')!.lastStartedAt).toBeNull();
  });
});
