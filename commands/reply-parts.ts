/** Pieces several command replies share: usage, one line per portal or incident, a sparkline. */
import { causeText, STATE_EMOJI, stateText } from '../src/core/i18n.js';
import type { PortalView } from '../src/core/status-service.js';
import { formatDateTime, formatDuration } from '../src/core/time.js';
import type { Incident, Language } from '../src/core/types.js';
import { t, type CommandDefinition, type Line, type Reply } from './types.js';

export function usageReply(definition: CommandDefinition, language: Language, problem?: string): Reply {
  return {
    tone: 'error',
    ephemeral: true,
    lines: [
      ...(problem ? [[problem]] : []),
      [t(language, { id: 'Cara pakai: ', en: 'Usage: ' }), { code: t(language, definition.usage) }],
    ],
  };
}

/** One line per portal: emoji, name, state, how long. */
export function stateLine(view: PortalView, language: Language, now: number): Line {
  const duration = formatDuration(now - Date.parse(view.since), language);
  const cause = view.state === 'down' || view.state === 'degraded' || view.state === 'blocked' ? ` — ${causeText(view.cause, language, view.httpStatus)}` : '';
  return [`${STATE_EMOJI[view.state]} `, { bold: view.name.replace(/^LPSE\s+/, '') }, `: ${stateText(view.state, language)} (${duration})${cause}`];
}

const SPARKS = '▁▂▃▄▅▆▇█';
/** A latency sparkline from hourly averages, from the first hour with a check on; gaps are spaces. */
export function sparkline(hourly: Array<number | null>): string {
  const first = hourly.findIndex((v) => v !== null);
  if (first < 0) return '';
  const values = hourly.slice(first);
  const known = values.filter((v): v is number => v !== null);
  const min = Math.min(...known);
  const max = Math.max(...known);
  return values
    .map((v) => (v === null ? ' ' : SPARKS[max === min ? 3 : Math.round(((v - min) / (max - min)) * (SPARKS.length - 1))]))
    .join('');
}

export const when = (iso: string, zone: string, language: Language) => formatDateTime(Date.parse(iso), zone, language);

/** `• 26 Mei 2023 13.47 WIB — 2 jam 13 menit — <cause> Kode Error: x`: one incident in /status and /history. */
export function incidentLine(incident: Incident, zone: string, language: Language): Line {
  const start = when(incident.startedAt, zone, language);
  const duration = incident.durationMs === null ? t(language, { id: 'masih berlangsung', en: 'ongoing' }) : formatDuration(incident.durationMs, language);
  const code: Line = incident.errorCode ? [' — Kode Error: ', { code: incident.errorCode }] : [];
  return [`• ${start} — ${duration} — ${causeText(incident.cause, language, incident.httpStatus)}`, ...code];
}

/** Up to `max` names in bold, then `(+N)`. */
export function listNames(names: string[], max = 10): Line {
  const shown = names.slice(0, max).flatMap((name, i) => [i ? ', ' : '', { bold: name }]);
  return names.length > max ? [...shown, ` (+${names.length - max})`] : shown;
}
