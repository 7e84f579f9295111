/**
 * When a probe checks each assigned portal. Each portal is due at its own interval; portals new to
 * the probe start spread over their interval (600 portals do not all start at once); a portal seen
 * down, or one the hub asks about (`recheck`), is checked again after the retry interval instead
 * (or its own interval, when that is shorter).
 * One check per portal at a time. Politeness towards each origin is the checker's, not this.
 */
import type { Assignment } from '../core/vantage/protocol.js';

export interface ProbeSlot {
  readonly id: string;
  readonly url: string;
  intervalMs: number;
  expectText: string | undefined;
  dueAt: number;
  /** When its last check started (epoch ms), null before the first. */
  lastStartedAt: number | null;
  inFlight: boolean;
  /** The hub asked for a re-check while a check was in flight. */
  recheck: boolean;
}

export interface ProbeSchedule {
  /** Takes a new assignment: keeps what it knows of portals still assigned at the same address. */
  assign(assignment: Assignment, now: number): { added: number; removed: number; kept: number };
  /** The portals due by `now`, marked in flight. */
  takeDue(now: number): ProbeSlot[];
  /** A check of `slot` ended (`down`: seen down). A slot no longer assigned is ignored. */
  done(slot: ProbeSlot, startedAt: number, down: boolean): void;
  /** A check of `slot` ended without a result (aborted): due as it was. */
  release(slot: ProbeSlot): void;
  /** The hub asks for these portals again after the retry interval; returns how many are assigned. */
  recheck(ids: readonly string[], now: number): number;
  readonly size: number;
  readonly retryMs: number;
  get(id: string): ProbeSlot | undefined;
}

export function createProbeSchedule(): ProbeSchedule {
  const slots = new Map<string, ProbeSlot>();
  let retryMs = 60_000;

  const isCurrent = (slot: ProbeSlot) => slots.get(slot.id) === slot;

  return {
    assign(assignment, now) {
      retryMs = assignment.retryIntervalSeconds * 1000;
      const next = new Map<string, ProbeSlot>();
      const fresh: ProbeSlot[] = [];
      let kept = 0;
      for (const portal of assignment.portals) {
        if (next.has(portal.id)) continue;
        const intervalMs = portal.intervalSeconds * 1000;
        const known = slots.get(portal.id);
        if (known && known.url === portal.url) {
          if (known.intervalMs !== intervalMs) {
            known.dueAt = Math.min(known.dueAt, (known.lastStartedAt ?? now) + intervalMs);
            known.intervalMs = intervalMs;
          }
          known.expectText = portal.expectText;
          next.set(portal.id, known);
          kept += 1;
        } else {
          // A new address is a new portal to this probe: whatever was in flight for the old one is dropped on return.
          const slot: ProbeSlot = { id: portal.id, url: portal.url, intervalMs, expectText: portal.expectText, dueAt: now, lastStartedAt: null, inFlight: false, recheck: false };
          next.set(portal.id, slot);
          fresh.push(slot);
        }
      }
      // Spread the first checks of new portals evenly over their interval.
      fresh.forEach((slot, index) => {
        slot.dueAt = now + Math.floor((slot.intervalMs * index) / fresh.length);
      });
      // Old slots not kept: no longer assigned, or assigned at another address (counted as added too).
      const removed = slots.size - kept;
      slots.clear();
      for (const [id, slot] of next) slots.set(id, slot);
      return { added: fresh.length, removed, kept };
    },
    takeDue(now) {
      const due: ProbeSlot[] = [];
      for (const slot of slots.values()) {
        if (!slot.inFlight && slot.dueAt <= now) {
          slot.inFlight = true;
          due.push(slot);
        }
      }
      return due;
    },
    done(slot, startedAt, down) {
      slot.inFlight = false;
      if (!isCurrent(slot)) return;
      slot.lastStartedAt = startedAt;
      // As the hub does: a failure soon again, never later than the interval would have it.
      const retry = Math.min(retryMs, slot.intervalMs);
      const dueAt = down || slot.recheck ? startedAt + retry : startedAt + slot.intervalMs;
      slot.recheck = false;
      slot.dueAt = dueAt;
    },
    release(slot) {
      slot.inFlight = false;
    },
    recheck(ids, now) {
      let found = 0;
      for (const id of ids) {
        const slot = slots.get(id);
        if (!slot) continue;
        found += 1;
        if (slot.inFlight) slot.recheck = true;
        else slot.dueAt = Math.min(slot.dueAt, Math.max(now, (slot.lastStartedAt ?? now) + Math.min(retryMs, slot.intervalMs)));
      }
      return found;
    },
    get size() {
      return slots.size;
    },
    get retryMs() {
      return retryMs;
    },
    get: (id) => slots.get(id),
  };
}
