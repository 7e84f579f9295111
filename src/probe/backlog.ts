/**
 * Observations waiting for the hub. Bounded: while the hub is unreachable the newest observations
 * are kept and the oldest dropped, and the drops are counted for the next report (`dropped`).
 *
 * Each observation is serialized once, when it is added (the report is those strings joined), and
 * carries the probe's offline judgement at the time it was made. A report's `offline` flag covers
 * all its observations, so a report never mixes the two: {@link Backlog.take} takes the oldest
 * observation's kind, then every later one of that kind, except that a portal whose earlier
 * observation was left for the next report keeps its order (its later ones wait too). The hub sees
 * each portal's observations in the order they were made.
 */
import { MAX_OBSERVATIONS_PER_REPORT, MAX_REPORT_BYTES, type Observation } from '../core/vantage/protocol.js';

/** Room kept in a report for everything around the observations (ids, seq, times, counts). */
export const REPORT_ENVELOPE_BYTES = 1024;

/** One waiting observation, serialized. */
export interface BacklogEntry {
  readonly portalId: string;
  readonly offline: boolean;
  readonly json: string;
  readonly bytes: number;
  /** Already sent once in a report the hub refused for naming a portal it does not watch. */
  readonly retried?: boolean;
}
type Entry = BacklogEntry;

/** Observations taken for one report: their JSON (comma-separated), how many, of which kind. */
export interface Batch {
  observationsJson: string;
  count: number;
  bytes: number;
  offline: boolean;
  entries: readonly BacklogEntry[];
}

export interface Backlog {
  /** Adds one observation; returns how many old ones were dropped to make room (0 or 1). */
  push(observation: Observation, offline: boolean): number;
  /** Removes and returns the next report's observations, or null when none wait. */
  take(limits?: { maxObservations?: number; maxBytes?: number }): Batch | null;
  readonly size: number;
  /** Observations dropped and not yet carried by a report the hub accepted. */
  readonly dropped: number;
  /** A report carrying `count` drops was accepted. */
  acknowledgeDropped(count: number): void;
  /** Puts a refused report's observations back before the others, marked `retried` (the full-backlog rule applies). */
  requeue(entries: readonly BacklogEntry[]): void;
  /** Keeps only the observations `keep` accepts; returns how many were removed. */
  retain(keep: (entry: BacklogEntry) => boolean): number;
}

export function createBacklog(limit: number): Backlog {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`backlog limit must be a positive integer, got ${limit}`);
  let queue: Entry[] = [];
  let head = 0;
  let dropped = 0;

  const compact = () => {
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  return {
    push(observation, offline) {
      const json = JSON.stringify(observation);
      queue.push({ portalId: observation.portalId, offline, json, bytes: Buffer.byteLength(json) });
      if (queue.length - head <= limit) return 0;
      queue[head] = undefined as unknown as Entry;
      head += 1;
      dropped += 1;
      compact();
      return 1;
    },
    take(limits = {}) {
      if (queue.length - head === 0) return null;
      const maxObservations = Math.min(limits.maxObservations ?? MAX_OBSERVATIONS_PER_REPORT, MAX_OBSERVATIONS_PER_REPORT);
      const maxBytes = Math.min(limits.maxBytes ?? MAX_REPORT_BYTES - REPORT_ENVELOPE_BYTES, MAX_REPORT_BYTES - REPORT_ENVELOPE_BYTES);
      const offline = queue[head]!.offline;
      const taken: Entry[] = [];
      const rest: Entry[] = [];
      const heldBack = new Set<string>();
      let bytes = 0;
      let i = head;
      for (; i < queue.length; i++) {
        const entry = queue[i]!;
        if (entry.offline !== offline || heldBack.has(entry.portalId)) {
          heldBack.add(entry.portalId);
          rest.push(entry);
          continue;
        }
        // +1 for the comma; the first observation always goes, whatever its size (it fits the schema's bounds).
        if (taken.length >= maxObservations || (taken.length > 0 && bytes + entry.bytes + 1 > maxBytes)) break;
        taken.push(entry);
        bytes += entry.bytes + (taken.length > 1 ? 1 : 0);
      }
      queue = i < queue.length ? rest.concat(queue.slice(i)) : rest;
      head = 0;
      return { observationsJson: taken.map((e) => e.json).join(','), count: taken.length, bytes, offline, entries: taken };
    },
    requeue(entries) {
      if (entries.length === 0) return;
      queue = entries.map((e): Entry => ({ ...e, retried: true })).concat(queue.slice(head));
      head = 0;
      const over = queue.length - limit;
      if (over > 0) {
        queue = queue.slice(over);
        dropped += over;
      }
    },
    retain(keep) {
      const before = queue.length - head;
      queue = queue.slice(head).filter(keep);
      head = 0;
      return before - queue.length;
    },
    get size() {
      return queue.length - head;
    },
    get dropped() {
      return dropped;
    },
    acknowledgeDropped(count) {
      dropped = Math.max(0, dropped - count);
    },
  };
}
