/**
 * Check statistics: hourly buckets with a latency histogram, daily summaries, uptime fractions and
 * latency percentiles. Pure arithmetic over plain records; the history store decides where they are
 * kept and for how long.
 */
import type { ObservedState, Uptime } from './types.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Upper bounds (ms) of the latency histogram kept per hour; percentiles are read from it. */
export const LATENCY_BOUNDS_MS = [50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 20000, Infinity];
/** Daily summaries kept per portal: the status page's 90-day bar. */
export const DAILY_DAYS_KEPT = 90;

/** One hour of checks of one portal, as stored. */
export interface HourBucket {
  checks: number;
  failures: number;
  latencySumMs: number;
  latencyCount: number;
  histogram: number[];
}

/** One portal's UTC day of hourly buckets, as stored; an hour exists when it has checks. */
export interface DayRecord {
  day: string;
  hours: Record<string, HourBucket>;
}

/** One portal's checks and failures of one UTC day. */
export interface DailySummary {
  day: string;
  checks: number;
  failures: number;
}

/** One check as history counts it. */
export interface CheckSample {
  portalId: string;
  at: number;
  observed: ObservedState;
  latencyMs: number | null;
}

export interface LatencyStats {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Average latency per hour, oldest first, null for hours without a check. */
  hourly: Array<number | null>;
}

/** `2026-11-25` (UTC) of an instant. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Per hour: checks, failures, latencyCount, then the histogram's counts. */
const HOUR_FIELDS = 3 + LATENCY_BOUNDS_MS.length;

/**
 * One portal's UTC day of hourly buckets as kept in memory: every count in one Uint32Array and the
 * latency sums in a Float64Array, about 2 KB where the stored shape parsed into objects and arrays
 * takes about 6 KB; 1,200 of them (today and yesterday for 600 portals) stay hot.
 */
export class PackedDay {
  readonly counts = new Uint32Array(24 * HOUR_FIELDS);
  readonly latencySumsMs = new Float64Array(24);
  constructor(readonly day: string) {}

  static from(record: DayRecord): PackedDay {
    const packed = new PackedDay(record.day);
    for (const [hourText, bucket] of Object.entries(record.hours)) {
      const hour = Number(hourText);
      if (!Number.isInteger(hour) || hour < 0 || hour > 23) continue;
      const at = hour * HOUR_FIELDS;
      packed.counts[at] = bucket.checks;
      packed.counts[at + 1] = bucket.failures;
      packed.counts[at + 2] = bucket.latencyCount;
      for (let slot = 0; slot < LATENCY_BOUNDS_MS.length; slot++) packed.counts[at + 3 + slot] = bucket.histogram[slot] ?? 0;
      packed.latencySumsMs[hour] = bucket.latencySumMs;
    }
    return packed;
  }

  toRecord(): DayRecord {
    const hours: DayRecord['hours'] = {};
    for (let hour = 0; hour < 24; hour++) {
      const at = hour * HOUR_FIELDS;
      if (this.counts[at] === 0) continue;
      hours[String(hour)] = {
        checks: this.counts[at]!,
        failures: this.counts[at + 1]!,
        latencySumMs: this.latencySumsMs[hour]!,
        latencyCount: this.counts[at + 2]!,
        histogram: this.histogramOf(at),
      };
    }
    return { day: this.day, hours };
  }

  private histogramOf(at: number): number[] {
    const histogram = new Array<number>(LATENCY_BOUNDS_MS.length);
    for (let slot = 0; slot < LATENCY_BOUNDS_MS.length; slot++) histogram[slot] = this.counts[at + 3 + slot]!;
    return histogram;
  }

  checks(hour: number): number {
    return this.counts[hour * HOUR_FIELDS]!;
  }

  failures(hour: number): number {
    return this.counts[hour * HOUR_FIELDS + 1]!;
  }

  record(hour: number, failed: boolean, latencyMs: number | null) {
    const at = hour * HOUR_FIELDS;
    this.counts[at]! += 1;
    if (failed) this.counts[at + 1]! += 1;
    if (latencyMs !== null && !failed) {
      this.counts[at + 2]! += 1;
      this.latencySumsMs[hour]! += latencyMs;
      const slot = LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
      if (slot >= 0) this.counts[at + 3 + slot]! += 1;
    }
  }

  /** Average latency of the hour's successful checks, or null. */
  averageLatencyMs(hour: number): number | null {
    const count = this.counts[hour * HOUR_FIELDS + 2]!;
    return count > 0 ? this.latencySumsMs[hour]! / count : null;
  }

  addHistogram(hour: number, into: number[]) {
    const at = hour * HOUR_FIELDS + 3;
    for (let slot = 0; slot < LATENCY_BOUNDS_MS.length; slot++) into[slot]! += this.counts[at + slot]!;
  }
}

/** Counts one check into a portal's daily summaries (oldest first, at most {@link DAILY_DAYS_KEPT}). */
export function countDaily(days: DailySummary[], day: string, failed: boolean): void {
  let entry = days.find((d) => d.day === day);
  if (!entry) {
    entry = { day, checks: 0, failures: 0 };
    days.push(entry);
    days.sort((a, b) => a.day.localeCompare(b.day));
    if (days.length > DAILY_DAYS_KEPT) days.splice(0, days.length - DAILY_DAYS_KEPT);
  }
  entry.checks += 1;
  if (failed) entry.failures += 1;
}

const ratio = (checks: number, failures: number): number | null => (checks === 0 ? null : (checks - failures) / checks);

/**
 * Uptime of many portals at `now`: the last 24 hours from the hourly records of today and
 * yesterday, 7 and 30 days from the daily summaries. Called for every portal on every status page:
 * what does not depend on the portal is worked out once, and the loop builds nothing but the answer.
 */
export function uptimeOf(
  portalIds: readonly string[],
  now: number,
  hours: { today: ReadonlyMap<string, PackedDay>; yesterday: ReadonlyMap<string, PackedDay> },
  daily: ReadonlyMap<string, DailySummary[]>,
): Map<string, Uptime> {
  const todayStart = Date.parse(`${dayOf(now)}T00:00:00Z`);
  const from7 = dayOf(now - 6 * DAY_MS);
  const from30 = dayOf(now - 29 * DAY_MS);
  const out = new Map<string, Uptime>();
  const last24h = { checks: 0, failures: 0 };
  for (const id of portalIds) {
    last24h.checks = 0;
    last24h.failures = 0;
    addHours(last24h, hours.yesterday.get(id), todayStart - DAY_MS, now - DAY_MS, now);
    addHours(last24h, hours.today.get(id), todayStart, now - DAY_MS, now);
    let checks7 = 0;
    let failures7 = 0;
    let checks30 = 0;
    let failures30 = 0;
    for (const d of daily.get(id) ?? []) {
      if (d.day < from30) continue;
      checks30 += d.checks;
      failures30 += d.failures;
      if (d.day < from7) continue;
      checks7 += d.checks;
      failures7 += d.failures;
    }
    out.set(id, { h24: ratio(last24h.checks, last24h.failures), d7: ratio(checks7, failures7), d30: ratio(checks30, failures30) });
  }
  return out;
}

/** Adds the checks and failures of the hours of `record` that overlap [fromMs, toMs] to `sum`. */
function addHours(sum: { checks: number; failures: number }, record: PackedDay | undefined, dayStart: number, fromMs: number, toMs: number) {
  if (!record) return;
  for (let hour = 0; hour < 24; hour++) {
    const start = dayStart + hour * HOUR_MS;
    if (start + HOUR_MS <= fromMs || start > toMs) continue;
    sum.checks += record.checks(hour);
    sum.failures += record.failures(hour);
  }
}

/** The UTC days the last `hours` hours before `now` touch. */
export function daysCovering(now: number, hours: number): string[] {
  const days = new Set<string>();
  for (let h = 0; h < hours; h++) days.add(dayOf(now - h * HOUR_MS));
  return [...days];
}

/** Latency percentiles (histogram bucket bounds) and hourly averages of the last `hours` hours. */
export function latencyOf(records: ReadonlyMap<string, PackedDay | undefined>, now: number, hours: number): LatencyStats {
  const histogram = LATENCY_BOUNDS_MS.map(() => 0);
  const hourly: Array<number | null> = [];
  for (let h = hours - 1; h >= 0; h--) {
    const at = now - h * HOUR_MS;
    const record = records.get(dayOf(at));
    const hour = new Date(at).getUTCHours();
    hourly.push(record ? record.averageLatencyMs(hour) : null);
    record?.addHistogram(hour, histogram);
  }
  return { p50: percentile(histogram, 0.5), p95: percentile(histogram, 0.95), p99: percentile(histogram, 0.99), hourly };
}

/** The bound of the histogram bucket holding the `p` quantile; the last bucket reads as the bound before it. */
export function percentile(histogram: readonly number[], p: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= p * total) return Number.isFinite(LATENCY_BOUNDS_MS[i]!) ? LATENCY_BOUNDS_MS[i]! : LATENCY_BOUNDS_MS[i - 1]!;
  }
  return null;
}
