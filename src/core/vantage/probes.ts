/**
 * The probes a hub trusts, what it last heard from each, and whether each counts: a probe that has
 * not reported for three of its intervals is offline (its votes are ignored, the owners are told
 * once), and a report must be newer than the last one from the same probe process (`bootId`, `seq`)
 * and carry a plausible clock, or it is a replay.
 */
import { MAX_REPORT_SKEW_MS, type ProbeReport } from './protocol.js';

/** What `/api/probes` shows of a probe (public interface). */
export interface ProbeStatus {
  id: string;
  /** When the last report was accepted (ISO), or null. */
  lastSeenAt: string | null;
  /** Reporting within three of its intervals. */
  online: boolean;
  /** Portals in its last report. */
  portals: number;
  /** Its own network was down in its last report (its reference addresses failed). */
  offline: boolean;
}

/** What the hub keeps of a probe between reports (and in the store, for standby replicas). */
export interface ProbeRecord extends ProbeStatus {
  bootId: string | null;
  seq: number;
  /** The probe's clock in its last accepted report (ISO): a report from another process must be newer. */
  sentAt: string | null;
}

export type ReportVerdict = 'accepted' | 'replayed' | 'clock_skew';

export interface ProbeRegistry {
  /** Checks a report's freshness and, when it is new, records it. */
  accept(report: ProbeReport, now: number): ReportVerdict;
  /** Its votes do not count: its network is down, or it stopped reporting. */
  isOffline(probeId: string): boolean;
  list(): ProbeRecord[];
  /** Re-evaluates who is online; calls `onChange` once per probe going offline or coming back. */
  sweep(now: number): void;
  /** Replaces what is known (a new lease holder reads the store). */
  restore(records: ProbeRecord[]): void;
}

export function createProbeRegistry(options: {
  ids: readonly string[];
  /** Three of these without a report and a probe is offline. */
  intervalMs: number;
  onChange?: (probe: ProbeRecord, online: boolean) => void;
}): ProbeRegistry {
  const records = new Map<string, ProbeRecord>(
    options.ids.map((id) => [id, { id, lastSeenAt: null, online: false, portals: 0, offline: false, bootId: null, seq: -1, sentAt: null }]),
  );
  const silentAfterMs = 3 * options.intervalMs;
  return {
    accept(report, now) {
      const record = records.get(report.probeId);
      if (!record) return 'replayed';
      if (Math.abs(Date.parse(report.sentAt) - now) > MAX_REPORT_SKEW_MS) return 'clock_skew';
      if (record.bootId === report.bootId ? report.seq <= record.seq : record.sentAt !== null && Date.parse(report.sentAt) <= Date.parse(record.sentAt)) return 'replayed';
      const cameBack = !record.online && record.lastSeenAt !== null;
      Object.assign(record, {
        bootId: report.bootId,
        seq: report.seq,
        sentAt: report.sentAt,
        lastSeenAt: new Date(now).toISOString(),
        portals: new Set(report.observations.map((o) => o.portalId)).size || record.portals,
        offline: report.offline,
        online: true,
      });
      if (cameBack) options.onChange?.(record, true);
      return 'accepted';
    },
    isOffline(probeId) {
      const record = records.get(probeId);
      return !record || !record.online || record.offline;
    },
    list: () => [...records.values()].map((r) => ({ ...r })),
    sweep(now) {
      for (const record of records.values()) {
        const silent = record.lastSeenAt === null || now - Date.parse(record.lastSeenAt) > silentAfterMs;
        if (record.online && silent) {
          record.online = false;
          options.onChange?.(record, false);
        }
      }
    },
    restore(list) {
      for (const saved of list) {
        const record = records.get(saved.id);
        if (record) Object.assign(record, saved);
      }
    },
  };
}
