import type Keyv from 'keyv';
import { z } from 'zod';
import type { HistoryStore } from '../core/ports.js';
import { countDaily, DAILY_DAYS_KEPT, DAY_MS, dayOf, daysCovering, latencyOf, PackedDay, uptimeOf, type DailySummary } from '../core/stats.js';
import type { Incident } from '../core/types.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { dailySummariesSchema, dayRecordSchema, incidentSchema } from './schemas.js';

/** How long after midnight UTC yesterday's hourly record is taken as final (a cycle may straddle midnight). */
const FINAL_AFTER_MS = 15 * 60_000;

/** Incidents kept per portal besides the retention days: a flapping portal cannot grow its record without bound. */
export const DEFAULT_MAX_INCIDENTS_PER_PORTAL = 1_000;

/**
 * Keeps open incidents and, of the closed ones, the newest `max` minus the open ones, oldest
 * dropped first. `incidents` is oldest first.
 */
function capIncidents(incidents: Incident[], max: number): Incident[] {
  const excess = incidents.length - max;
  if (excess <= 0) return incidents;
  let toDrop = excess;
  return incidents.filter((incident) => {
    if (toDrop > 0 && incident.endedAt !== null) {
      toDrop--;
      return false;
    }
    return true;
  });
}

/**
 * Incidents (newest last, kept `incidentRetentionDays` and at most `maxIncidentsPerPortal` per
 * portal) and check buckets: hourly with a latency histogram (kept `bucketRetentionDays` by store
 * TTL: Redis expires them itself, elsewhere `Store.sweep` deletes them) and a 90-day daily summary
 * per portal. Blocked checks say nothing about the portal, so they count neither as checks nor as failures.
 */
export function createHistoryStore(
  keyv: Keyv,
  options: { incidentRetentionDays: number; bucketRetentionDays: number; maxIncidentsPerPortal?: number | undefined } & StoreModuleOptions,
): HistoryStore {
  const access = createRecordAccess(keyv, options);
  const maxIncidents = options.maxIncidentsPerPortal ?? DEFAULT_MAX_INCIDENTS_PER_PORTAL;
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
    const values = await access.getMany(dailySummariesSchema, missing.map(dailyKey));
    missing.forEach((id, index) => out.set(id, values[index] ?? []));
    return out;
  }

  async function uptimeMany(portalIds: string[], now: number) {
    const [today, yesterday, daily] = await Promise.all([hourlyOf(dayOf(now), portalIds), hourlyOf(dayOf(now - DAY_MS), portalIds), loadDaily(portalIds)]);
    return uptimeOf(portalIds, now, { today, yesterday }, daily);
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
          capIncidents(
            merged.filter((i) => i.endedAt === null || Date.parse(i.endedAt) >= cutoff),
            maxIncidents,
          ),
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
        countDaily(days, day, failed);
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
      const records = new Map<string, PackedDay | undefined>();
      for (const day of daysCovering(now, hours)) records.set(day, (await hourlyOf(day, [portalId])).get(portalId));
      return latencyOf(records, now, hours);
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
