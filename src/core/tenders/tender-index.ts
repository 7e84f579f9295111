/**
 * The leader's in-memory view of every kept package, with the queries alerts, the API and the
 * `/tender` command ask. Per portal, every stage end sits in one sorted Float64Array beside the
 * stage it belongs to (package slot and stage number in an Int32Array): "which stages end between
 * A and B" is a binary search and a short walk, so a DOWN digest for 600 portals costs about a
 * millisecond of queries. A package keeps its slot when it is replaced, so the usual refresh (the
 * ends did not move) touches no array at all; moved ends shift a few numbers. Nothing is rebuilt on
 * the alert path, and the arrays hold 12 bytes per stage, not an object.
 */
import { packageKey, type OutageWindow, type StageExtension, type StageOccurrence, type TenderKind, type TenderPackage } from './types.js';

/** What narrows a stage query. */
export interface StageQueryOptions {
  /** Only packages still running (default false: an UP alert or the evidence CSV wants them all). */
  activeOnly?: boolean | undefined;
  /** Only bid submission stages. */
  bidSubmissionOnly?: boolean | undefined;
  /** At most this many occurrences (the soonest). */
  limit?: number | undefined;
}

/** A portal's stages in a window: the first few, and how many there are in all. */
export interface StageSummary {
  occurrences: StageOccurrence[];
  total: number;
}

export interface TenderIndex {
  /** Forgets everything and holds exactly these packages (a new lease term starts from the store). */
  replaceAll(packages: Iterable<TenderPackage>): void;
  /** Adds or replaces one package. */
  upsert(pkg: TenderPackage): void;
  remove(portalId: string, kind: TenderKind, kode: string): void;
  get(portalId: string, kind: TenderKind, kode: string): TenderPackage | undefined;
  /** Every kept package of a portal, by kode. */
  packages(portalId: string): TenderPackage[];
  /** One package by kode: the tender when a tender and a non-tender share it, unless `kind` says which. */
  package(portalId: string, kode: string, kind?: TenderKind): TenderPackage | undefined;
  /** Stage occurrences with `fromMs ≤ end ≤ toMs`, soonest first. */
  stagesEndingBetween(portalId: string, fromMs: number, toMs: number, options?: StageQueryOptions): StageOccurrence[];
  /**
   * The same for many portals at once (a digest): per portal with at least one stage in the
   * window, the first `limit` and the total count.
   */
  stagesEndingBetweenMany(portalIds: Iterable<string>, fromMs: number, toMs: number, options?: StageQueryOptions): Map<string, StageSummary>;
  /**
   * Stages of a package that ended inside one of `outages` and show a later end now
   * ("diperpanjang"), from the package's record of moved ends.
   */
  extensions(portalId: string, kode: string, outages: readonly OutageWindow[], kind?: TenderKind): StageExtension[];
  portalIds(): string[];
  /** Packages kept, over all portals. */
  size(): number;
}

/** Stages a package may have (SPSE schedules have about a dozen; the parser keeps at most 60). */
const STAGE_BITS = 6;
const STAGE_SLOTS = 1 << STAGE_BITS;

interface PortalEntries {
  /** Package key → slot in `slots`. */
  keys: Map<string, number>;
  slots: Array<TenderPackage | undefined>;
  freeSlots: number[];
  /** Stage ends, ascending, in `ends[0 … size)`. */
  ends: Float64Array;
  /** For each end: slot × 64 + stage number. */
  refs: Int32Array;
  size: number;
}

/** First index in `ends[0 … size)` whose end is ≥ `end`. */
function lowerBound(ends: Float64Array, size: number, end: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! < end) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose end is > `end`. */
function upperBound(ends: Float64Array, size: number, end: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! <= end) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function occurrenceOf(pkg: TenderPackage, index: number, end: number): StageOccurrence {
  const stage = pkg.schedule[index]!;
  return {
    portalId: pkg.portalId,
    kode: pkg.kode,
    kind: pkg.kind,
    name: pkg.name,
    agency: pkg.agency,
    active: pkg.active,
    stage: stage.stage,
    stageIndex: index,
    start: stage.start,
    end,
    bidSubmission: stage.bidSubmission,
  };
}

const toMs = (value: string | number | null): number | null => {
  if (value === null) return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
};

/** Which occurrence of its name each stage of a schedule is (0 for the first `Masa Sanggah`, 1 for the second). */
export function stageOccurrences(stages: ReadonlyArray<{ stage: string }>): number[] {
  const seen = new Map<string, number>();
  return stages.map((s) => {
    const n = seen.get(s.stage) ?? 0;
    seen.set(s.stage, n + 1);
    return n;
  });
}

/**
 * The extensions of one package against a list of outages: an end that moved later, whose
 * earlier value fell inside an outage (an open outage runs until `now`).
 */
export function extensionsOf(pkg: TenderPackage, outages: readonly OutageWindow[], now: number = Date.now()): StageExtension[] {
  if (pkg.endChanges.length === 0 || outages.length === 0) return [];
  const windows = outages
    .map((o) => ({ id: o.id, from: toMs(o.startedAt), to: o.endedAt === null ? now : toMs(o.endedAt) }))
    .filter((w): w is { id: string; from: number; to: number } => w.from !== null && w.to !== null);
  const occurrences = stageOccurrences(pkg.schedule);
  const out: StageExtension[] = [];
  for (const change of pkg.endChanges) {
    if (change.end === null || change.end <= change.previousEnd) continue;
    const outage = windows.find((w) => change.previousEnd >= w.from && change.previousEnd <= w.to);
    if (!outage) continue;
    // Only what the schedule still shows: a later change may have moved the end again.
    const index = pkg.schedule.findIndex((s, i) => s.stage === change.stage && occurrences[i] === change.occurrence);
    const current = index === -1 ? null : pkg.schedule[index]!;
    if (!current || current.end === null || current.end <= change.previousEnd) continue;
    // The same stage moved twice: the first move out of the outage tells the story, once.
    if (out.some((e) => e.stage === change.stage && e.occurrence === change.occurrence)) continue;
    out.push({
      stage: change.stage,
      occurrence: change.occurrence,
      bidSubmission: current.bidSubmission,
      previousEnd: change.previousEnd,
      end: current.end,
      outageId: outage.id,
      seenAt: change.seenAt,
    });
  }
  return out;
}

/** Creates an empty index. `now` is only read for open outages in `extensions`. */
export function createTenderIndex(options: { now?: () => number } = {}): TenderIndex {
  const now = options.now ?? Date.now;
  const portals = new Map<string, PortalEntries>();

  function emptyPortal(capacity = 64): PortalEntries {
    return { keys: new Map(), slots: [], freeSlots: [], ends: new Float64Array(capacity), refs: new Int32Array(capacity), size: 0 };
  }

  function portalOf(portalId: string): PortalEntries {
    let portal = portals.get(portalId);
    if (!portal) portals.set(portalId, (portal = emptyPortal()));
    return portal;
  }

  function insertEntry(portal: PortalEntries, end: number, ref: number) {
    if (portal.size === portal.ends.length) {
      const ends = new Float64Array(portal.ends.length * 2);
      const refs = new Int32Array(portal.refs.length * 2);
      ends.set(portal.ends);
      refs.set(portal.refs);
      portal.ends = ends;
      portal.refs = refs;
    }
    const at = upperBound(portal.ends, portal.size, end);
    portal.ends.copyWithin(at + 1, at, portal.size);
    portal.refs.copyWithin(at + 1, at, portal.size);
    portal.ends[at] = end;
    portal.refs[at] = ref;
    portal.size++;
  }

  function removeEntry(portal: PortalEntries, end: number, ref: number) {
    for (let i = lowerBound(portal.ends, portal.size, end); i < portal.size && portal.ends[i] === end; i++) {
      if (portal.refs[i] !== ref) continue;
      portal.ends.copyWithin(i, i + 1, portal.size);
      portal.refs.copyWithin(i, i + 1, portal.size);
      portal.size--;
      return;
    }
  }

  const stageEnds = (pkg: TenderPackage) => pkg.schedule.slice(0, STAGE_SLOTS);
  const sameEnds = (a: TenderPackage, b: TenderPackage) => a.schedule.length === b.schedule.length && a.schedule.every((stage, i) => stage.end === b.schedule[i]!.end);

  function upsert(pkg: TenderPackage) {
    const portal = portalOf(pkg.portalId);
    const key = packageKey(pkg.kind, pkg.kode);
    let slot = portal.keys.get(key);
    const old = slot === undefined ? undefined : portal.slots[slot];
    if (slot === undefined) {
      slot = portal.freeSlots.pop() ?? portal.slots.length;
      portal.keys.set(key, slot);
    }
    portal.slots[slot] = pkg;
    // The usual refresh: the ends did not move, the entries point at the slot, nothing else to do.
    if (old && sameEnds(old, pkg)) return;
    if (old) stageEnds(old).forEach((stage, index) => stage.end !== null && removeEntry(portal, stage.end, slot! * STAGE_SLOTS + index));
    stageEnds(pkg).forEach((stage, index) => stage.end !== null && insertEntry(portal, stage.end, slot! * STAGE_SLOTS + index));
  }

  function pick(portalId: string, kode: string, kind?: TenderKind): TenderPackage | undefined {
    const portal = portals.get(portalId);
    if (!portal) return undefined;
    const slotOf = (k: TenderKind) => portal.keys.get(packageKey(k, kode));
    const slot = kind ? slotOf(kind) : slotOf('tender') ?? slotOf('nontender');
    return slot === undefined ? undefined : portal.slots[slot];
  }

  function summarize(portalId: string, fromMs: number, toMs: number, options: StageQueryOptions): StageSummary {
    const portal = portals.get(portalId);
    const occurrences: StageOccurrence[] = [];
    if (!portal || portal.size === 0 || !(fromMs <= toMs)) return { occurrences, total: 0 };
    const { ends, refs, slots } = portal;
    const limit = options.limit ?? Infinity;
    const first = lowerBound(ends, portal.size, fromMs);
    const last = upperBound(ends, portal.size, toMs);
    const filtered = options.activeOnly || options.bidSubmissionOnly;
    if (!filtered) {
      for (let i = first; i < last && occurrences.length < limit; i++) {
        occurrences.push(occurrenceOf(slots[refs[i]! >> STAGE_BITS]!, refs[i]! & (STAGE_SLOTS - 1), ends[i]!));
      }
      return { occurrences, total: last - first };
    }
    let total = 0;
    for (let i = first; i < last; i++) {
      const pkg = slots[refs[i]! >> STAGE_BITS]!;
      const stage = refs[i]! & (STAGE_SLOTS - 1);
      if (options.activeOnly && !pkg.active) continue;
      if (options.bidSubmissionOnly && !pkg.schedule[stage]!.bidSubmission) continue;
      total++;
      if (occurrences.length < limit) occurrences.push(occurrenceOf(pkg, stage, ends[i]!));
    }
    return { occurrences, total };
  }

  const byKode = (a: TenderPackage, b: TenderPackage) => a.kode.length - b.kode.length || (a.kode < b.kode ? -1 : a.kode > b.kode ? 1 : 0) || (a.kind < b.kind ? -1 : 1);

  return {
    replaceAll(packages) {
      portals.clear();
      const grouped = new Map<string, TenderPackage[]>();
      for (const pkg of packages) {
        let list = grouped.get(pkg.portalId);
        if (!list) grouped.set(pkg.portalId, (list = []));
        list.push(pkg);
      }
      // Sorting once beats inserting one by one when a term starts with 100,000 packages.
      for (const [portalId, list] of grouped) {
        const pairs: Array<[number, number]> = [];
        const portal = emptyPortal();
        for (const pkg of list) {
          const key = packageKey(pkg.kind, pkg.kode);
          const known = portal.keys.get(key);
          const slot = known ?? portal.slots.length;
          if (known !== undefined) {
            // The same package twice: the later one wins.
            for (let i = pairs.length - 1; i >= 0; i--) if (pairs[i]![1] >> STAGE_BITS === slot) pairs.splice(i, 1);
          }
          portal.keys.set(key, slot);
          portal.slots[slot] = pkg;
          stageEnds(pkg).forEach((stage, index) => stage.end !== null && pairs.push([stage.end, slot * STAGE_SLOTS + index]));
        }
        pairs.sort((a, b) => a[0] - b[0]);
        const capacity = Math.max(64, pairs.length * 2);
        portal.ends = new Float64Array(capacity);
        portal.refs = new Int32Array(capacity);
        pairs.forEach(([end, ref], i) => {
          portal.ends[i] = end;
          portal.refs[i] = ref;
        });
        portal.size = pairs.length;
        portals.set(portalId, portal);
      }
    },
    upsert,
    remove(portalId, kind, kode) {
      const portal = portals.get(portalId);
      const key = packageKey(kind, kode);
      const slot = portal?.keys.get(key);
      if (!portal || slot === undefined) return;
      const old = portal.slots[slot]!;
      stageEnds(old).forEach((stage, index) => stage.end !== null && removeEntry(portal, stage.end, slot * STAGE_SLOTS + index));
      portal.keys.delete(key);
      portal.slots[slot] = undefined;
      portal.freeSlots.push(slot);
      if (portal.keys.size === 0) portals.delete(portalId);
    },
    get: (portalId, kind, kode) => pick(portalId, kode, kind),
    packages(portalId) {
      const portal = portals.get(portalId);
      if (!portal) return [];
      const out: TenderPackage[] = [];
      for (const pkg of portal.slots) if (pkg) out.push(pkg);
      return out.sort(byKode);
    },
    package: pick,
    stagesEndingBetween(portalId, fromMs, toMs, options = {}) {
      return summarize(portalId, fromMs, toMs, options).occurrences;
    },
    stagesEndingBetweenMany(portalIds, fromMs, toMs, options = {}) {
      const out = new Map<string, StageSummary>();
      for (const portalId of portalIds) {
        const summary = summarize(portalId, fromMs, toMs, options);
        if (summary.total > 0) out.set(portalId, summary);
      }
      return out;
    },
    extensions(portalId, kode, outages, kind) {
      const pkg = pick(portalId, kode, kind);
      return pkg ? extensionsOf(pkg, outages, now()) : [];
    },
    portalIds: () => [...portals.keys()],
    size() {
      let n = 0;
      for (const portal of portals.values()) n += portal.keys.size;
      return n;
    },
  };
}
