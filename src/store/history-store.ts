import type Keyv from 'keyv';
import { z } from 'zod';
import { incidentSchema } from '../core/state-machine.js';
import type { Incident, ObservedState } from '../core/types.js';
import { createTypedAccess } from './typed.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Upper bounds (ms) of the latency histogram kept per hour; percentiles are read from it. */
export const LATENCY_BOUNDS_MS = [50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 20000, Infinity];
const DAILY_DAYS_KEPT = 90;
/** How long after midnight UTC yesterday's hourly record is taken as final (a cycle may straddle midnight). */
const FINAL_AFTER_MS = 15 * 60_000;

const hourSchema = z.object({
  checks: z.number(),
  failures: z.number(),
  latencySumMs: z.number(),
  latencyCount: z.number(),
  histogram: z.array(z.number()),
});
const dayRecordSchema = z.object({ day: z.string(), hours: z.record(z.string(), hourSchema) });
type DayRecord = z.infer<typeof dayRecordSchema>;

/** Per hour: checks, failures, latencyCount, then the histogram's counts. */
const HOUR_FIELDS = 3 + LATENCY_BOUNDS_MS.length;

/**
 * One portal's UTC day of hourly buckets as kept in memory: every count in one Uint32Array and the
 * latency sums in a Float64Array, about 2 KB where the stored shape parsed into objects and arrays
 * takes about 6 KB; 1,200 of them (today and yesterday for 600 portals) stay hot. The store keeps
 * the JSON shape of `dayRecordSchema`; an hour exists there when it has checks.
 */
class PackedDay {
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
const dailySchema = z.array(z.object({ day: z.string(), checks: z.number(), failures: z.number() }));
export type DailySummary = z.infer<typeof dailySchema>[number];

export interface CheckSample {
  portalId: string;
  at: number;
  observed: ObservedState;
  latencyMs: number | null;
}

export interface Uptime {
  /** Fractions 0–1, or null when nothing was checked in the period. */
  h24: number | null;
  d7: number | null;
  d30: number | null;
}

export interface LatencyStats {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Average latency per hour, oldest first, null for hours without a check. */
  hourly: Array<number | null>;
}

export interface HistoryStore {
  upsertIncidents(incidents: Incident[]): Promise<void>;
  incidents(portalId: string, limit?: number): Promise<Incident[]>;
  recordChecks(samples: CheckSample[]): Promise<void>;
  uptime(portalId: string, now: number): Promise<Uptime>;
  uptimeMany(portalIds: string[], now: number): Promise<Map<string, Uptime>>;
  latency(portalId: string, now: number, hours?: number): Promise<LatencyStats>;
  daily(portalId: string, now: number, days?: number): Promise<DailySummary[]>;
  /** `daily` for many portals in one store round trip (the status page's 90-day bars). */
  dailyMany(portalIds: string[], now: number, days?: number): Promise<Map<string, DailySummary[]>>;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Incidents (newest last, kept `incidentRetentionDays`) and check buckets: hourly with a latency
 * histogram (kept `bucketRetentionDays` by store TTL) and a 90-day daily summary per portal.
 * Blocked checks say nothing about the portal, so they count neither as checks nor as failures.
 */
export function createHistoryStore(
  keyv: Keyv,
  options: { incidentRetentionDays: number; bucketRetentionDays: number },
): HistoryStore {
  const access = createTypedAccess(keyv);
  const incidentsKey = (portalId: string) => `incidents:${portalId}`;
  const hourlyKey = (portalId: string, day: string) => `hourly:${portalId}:${day}`;
  const dailyKey = (portalId: string) => `daily:${portalId}`;
  const bucketTtl = options.bucketRetentionDays * DAY_MS;
  const incidentSchemaList = z.array(incidentSchema);

  // Hot copies of what is written every cycle, by day then portal (lookups build no key strings);
  // the store stays the truth for other replicas.
  const hourlyCache = new Map<string, Map<string, PackedDay>>();
  const dailyCache = new Map<string, DailySummary[]>();

  function cacheHourly(record: PackedDay, portalId: string) {
    let byPortal = hourlyCache.get(record.day);
    if (!byPortal) hourlyCache.set(record.day, (byPortal = new Map()));
    byPortal.set(portalId, record);
  }

  /** Only today's and yesterday's hours are read often; older days leave the cache. */
  function evictHourlyBefore(day: string) {
    for (const cachedDay of hourlyCache.keys()) if (cachedDay < day) hourlyCache.delete(cachedDay);
  }

  /**
   * The hourly records of `portalIds` for one UTC day. When every one is hot, the cache's own map
   * is returned as it is: the status page asks for 600 portals on every view.
   */
  async function hourlyOf(day: string, portalIds: readonly string[]): Promise<ReadonlyMap<string, PackedDay>> {
    const cached = hourlyCache.get(day);
    const missing = cached ? portalIds.filter((id) => !cached.has(id)) : portalIds;
    if (missing.length === 0 && cached) return cached;
    const values = (await access.getMany(dayRecordSchema, missing.map((id) => hourlyKey(id, day)))).map((record) => record && PackedDay.from(record));
    const out = new Map<string, PackedDay>();
    if (cached) for (const id of portalIds) if (cached.has(id)) out.set(id, cached.get(id)!);
    missing.forEach((id, index) => {
      const record = values[index];
      if (record) out.set(id, record);
    });
    keepFinishedYesterday(day, missing, values);
    return out;
  }

  /**
   * After a restart (or on a standby) yesterday's hours come from the store on every uptime read:
   * 600 records re-parsed per status page. Once yesterday is over (with a margin for the cycle that
   * straddled midnight) they no longer change, so they are kept hot like the ones written here.
   */
  function keepFinishedYesterday(day: string, portalIds: readonly string[], values: Array<PackedDay | undefined>) {
    const now = Date.now();
    const yesterday = dayOf(now - DAY_MS);
    if (day !== yesterday || now - Date.parse(`${dayOf(now)}T00:00:00Z`) < FINAL_AFTER_MS) return;
    let added = false;
    portalIds.forEach((id, index) => {
      const record = values[index];
      if (record?.day !== yesterday) return;
      cacheHourly(record, id);
      added = true;
    });
    // recordChecks evicts older days too, but a standby never records.
    if (added) evictHourlyBefore(yesterday);
  }

  async function loadDaily(portalIds: readonly string[]): Promise<ReadonlyMap<string, DailySummary[]>> {
    const missing = portalIds.filter((id) => !dailyCache.has(id));
    if (missing.length === 0) return dailyCache;
    const out = new Map<string, DailySummary[]>();
    for (const id of portalIds) if (dailyCache.has(id)) out.set(id, dailyCache.get(id)!);
    const values = await access.getMany(dailySchema, missing.map(dailyKey));
    missing.forEach((id, index) => out.set(id, values[index] ?? []));
    return out;
  }

  function ratio(checks: number, failures: number): number | null {
    return checks === 0 ? null : (checks - failures) / checks;
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

  async function uptimeMany(portalIds: string[], now: number): Promise<Map<string, Uptime>> {
    // Called for every portal on every status page: what does not depend on the portal is worked
    // out once, and the loop builds nothing but the answer.
    const today = dayOf(now);
    const yesterday = dayOf(now - DAY_MS);
    const todayStart = Date.parse(`${today}T00:00:00Z`);
    const from7 = dayOf(now - 6 * DAY_MS);
    const from30 = dayOf(now - 29 * DAY_MS);
    const [todayHours, yesterdayHours, daily] = await Promise.all([hourlyOf(today, portalIds), hourlyOf(yesterday, portalIds), loadDaily(portalIds)]);
    const out = new Map<string, Uptime>();
    const last24h = { checks: 0, failures: 0 };
    for (const id of portalIds) {
      last24h.checks = 0;
      last24h.failures = 0;
      addHours(last24h, yesterdayHours.get(id), todayStart - DAY_MS, now - DAY_MS, now);
      addHours(last24h, todayHours.get(id), todayStart, now - DAY_MS, now);
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

  return {
    async upsertIncidents(incidents) {
      const byPortal = new Map<string, Incident[]>();
      for (const incident of incidents) byPortal.set(incident.portalId, [...(byPortal.get(incident.portalId) ?? []), incident]);
      for (const [portalId, changed] of byPortal) {
        const existing = (await access.get(incidentSchemaList, incidentsKey(portalId))) ?? [];
        const cutoff = Date.now() - options.incidentRetentionDays * DAY_MS;
        const merged = existing.filter((i) => !changed.some((c) => c.id === i.id));
        merged.push(...changed);
        merged.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
        await access.set(
          incidentsKey(portalId),
          merged.filter((i) => i.endedAt === null || Date.parse(i.endedAt) >= cutoff),
        );
      }
    },
    async incidents(portalId, limit) {
      const all = (await access.get(incidentSchemaList, incidentsKey(portalId))) ?? [];
      const newestFirst = all.reverse();
      return limit === undefined ? newestFirst : newestFirst.slice(0, limit);
    },
    async recordChecks(samples) {
      const counted = samples.filter((s) => s.observed !== 'blocked');
      if (counted.length === 0) return;
      // Usually one UTC day; two when a cycle straddles midnight.
      const idsByDay = new Map<string, Set<string>>();
      for (const sample of counted) {
        const day = dayOf(sample.at);
        let ids = idsByDay.get(day);
        if (!ids) idsByDay.set(day, (ids = new Set()));
        ids.add(sample.portalId);
      }
      const loadedByDay = new Map<string, Map<string, PackedDay>>();
      for (const [day, ids] of idsByDay) loadedByDay.set(day, new Map(await hourlyOf(day, [...ids])));
      const daily = new Map(await loadDaily([...new Set(counted.map((s) => s.portalId))]));
      // Each touched record once, with its portal.
      const touchedHourly = new Map<PackedDay, string>();
      const touchedDaily = new Set<string>();
      for (const sample of counted) {
        const day = dayOf(sample.at);
        const records = loadedByDay.get(day)!;
        let record = records.get(sample.portalId);
        if (!record) {
          record = new PackedDay(day);
          records.set(sample.portalId, record);
        }
        const failed = sample.observed === 'down';
        record.record(new Date(sample.at).getUTCHours(), failed, sample.latencyMs);
        touchedHourly.set(record, sample.portalId);

        const days = daily.get(sample.portalId) ?? [];
        let entry = days.find((d) => d.day === day);
        if (!entry) {
          entry = { day, checks: 0, failures: 0 };
          days.push(entry);
          days.sort((a, b) => a.day.localeCompare(b.day));
          if (days.length > DAILY_DAYS_KEPT) days.splice(0, days.length - DAILY_DAYS_KEPT);
        }
        entry.checks += 1;
        if (failed) entry.failures += 1;
        daily.set(sample.portalId, days);
        touchedDaily.add(sample.portalId);
      }
      const yesterday = dayOf(Date.now() - DAY_MS);
      evictHourlyBefore(yesterday);
      const writes: Array<{ key: string; value: unknown; ttl?: number }> = [];
      for (const [record, portalId] of touchedHourly) {
        if (record.day >= yesterday) cacheHourly(record, portalId);
        writes.push({ key: hourlyKey(portalId, record.day), value: record.toRecord(), ttl: bucketTtl });
      }
      for (const id of touchedDaily) dailyCache.set(id, daily.get(id)!);
      for (const id of touchedDaily) writes.push({ key: dailyKey(id), value: daily.get(id) });
      await access.setMany(writes);
    },
    async uptime(portalId, now) {
      return (await uptimeMany([portalId], now)).get(portalId)!;
    },
    uptimeMany,
    async latency(portalId, now, hours = 24) {
      const days = new Set<string>();
      for (let h = 0; h < hours; h++) days.add(dayOf(now - h * HOUR_MS));
      const records = new Map<string, PackedDay | undefined>();
      for (const day of days) records.set(day, (await hourlyOf(day, [portalId])).get(portalId));
      const histogram = LATENCY_BOUNDS_MS.map(() => 0);
      const hourly: Array<number | null> = [];
      for (let h = hours - 1; h >= 0; h--) {
        const at = now - h * HOUR_MS;
        const record = records.get(dayOf(at));
        const hour = new Date(at).getUTCHours();
        hourly.push(record ? record.averageLatencyMs(hour) : null);
        record?.addHistogram(hour, histogram);
      }
      const total = histogram.reduce((a, b) => a + b, 0);
      const percentile = (p: number): number | null => {
        if (total === 0) return null;
        let seen = 0;
        for (let i = 0; i < histogram.length; i++) {
          seen += histogram[i]!;
          if (seen >= p * total) return Number.isFinite(LATENCY_BOUNDS_MS[i]!) ? LATENCY_BOUNDS_MS[i]! : LATENCY_BOUNDS_MS[i - 1]!;
        }
        return null;
      };
      return { p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99), hourly };
    },
    async daily(portalId, now, days = DAILY_DAYS_KEPT) {
      const all = (await loadDaily([portalId])).get(portalId) ?? [];
      const from = dayOf(now - (days - 1) * DAY_MS);
      return all.filter((d) => d.day >= from);
    },
    async dailyMany(portalIds, now, days = DAILY_DAYS_KEPT) {
      const loaded = await loadDaily(portalIds);
      const from = dayOf(now - (days - 1) * DAY_MS);
      const out = new Map<string, DailySummary[]>();
      for (const id of portalIds) {
        const all = loaded.get(id) ?? [];
        // Kept oldest first: most lists are already within the range and are handed out as they are.
        out.set(id, all.length === 0 || all[0]!.day >= from ? all : all.filter((d) => d.day >= from));
      }
      return out;
    },
  };
}
