import type { StageOccurrence, TenderPackage } from './tenders/types.js';
import type { Incident, Portal } from './types.js';
import { isoWithOffset } from './time.js';

/** Stable CSV columns (public interface: documented in the README; append, never reorder). */
export const INCIDENT_CSV_COLUMNS = [
  'incident_id',
  'portal_id',
  'portal_name',
  'started_at',
  'ended_at',
  'duration_seconds',
  'cause',
  'http_status',
  'error_code',
  'error_code_estimate',
  'checks_failed',
  'affected_stages',
] as const;

/** Columns of an incident's affected-stages CSV (public interface: append, never reorder). */
export const AFFECTED_CSV_COLUMNS = ['incident_id', 'portal_id', 'kode', 'kind', 'package_name', 'agency', 'stage', 'stage_start', 'stage_end', 'schedule_changes'] as const;

function cell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // Quote per RFC 4180, and defuse spreadsheet formulas in text cells (OWASP: a leading tab or
  // carriage return can start a formula too).
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * One row per incident, oldest first; open incidents have an empty end and duration.
 * `affected` counts the tender stages each hit (empty when unknown).
 */
export function incidentsCsv(portal: Portal, incidents: Incident[], zone: string, affected: ReadonlyMap<string, number> = new Map()): string {
  const rows = [...incidents]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((i) =>
      [
        i.id,
        portal.id,
        portal.name,
        isoWithOffset(Date.parse(i.startedAt), zone),
        i.endedAt ? isoWithOffset(Date.parse(i.endedAt), zone) : null,
        i.durationMs === null ? null : Math.round(i.durationMs / 1000),
        i.cause,
        i.httpStatus,
        i.errorCode,
        i.errorCodeEstimate ? isoWithOffset(Date.parse(i.errorCodeEstimate), zone) : null,
        i.checksFailed,
        affected.get(i.id) ?? null,
      ]
        .map(cell)
        .join(','),
    );
  return `${[INCIDENT_CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

/** One row per tender stage an incident hit, soonest end first; times with the zone's offset. */
export function affectedCsv(incidentId: string, stages: readonly StageOccurrence[], packageOf: (stage: StageOccurrence) => TenderPackage | undefined, zone: string): string {
  const when = (ms: number | null) => (ms === null ? null : isoWithOffset(ms, zone));
  const rows = stages.map((s) =>
    [incidentId, s.portalId, s.kode, s.kind, s.name, s.agency, s.stage, when(s.start), when(s.end), packageOf(s)?.scheduleChanges ?? null].map(cell).join(','),
  );
  return `${[AFFECTED_CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
