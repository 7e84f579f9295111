import type { Language } from './types.js';

// Building an Intl.DateTimeFormat costs far more than using one: alerts format many times each.
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();
// Zone offsets are whole quarter hours and change on quarter-hour boundaries (DST and the like), so
// one answer holds for a whole UTC quarter hour; 10,000 alerts of one transition share a handful.
const QUARTER_HOUR_MS = 15 * 60_000;
const REMEMBERED_QUARTERS = 256;
const offsetsByZone = new Map<string, Map<number, number>>();

/** Offset of `zone` from UTC at instant `utcMs`, in ms. */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const quarter = Math.floor(utcMs / QUARTER_HOUR_MS);
  let remembered = offsetsByZone.get(zone);
  if (!remembered) offsetsByZone.set(zone, (remembered = new Map()));
  const known = remembered.get(quarter);
  if (known !== undefined) return known;
  let format = zoneFormatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(zone, format);
  }
  const parts = format.formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offsetMs = asUtc - Math.floor(utcMs / 1000) * 1000;
  if (remembered.size >= REMEMBERED_QUARTERS) remembered.clear();
  remembered.set(quarter, offsetMs);
  return offsetMs;
}

/** Parses `YYYY-MM-DDTHH:MM` (or a space) as local time in `zone`; an explicit offset wins. NaN if invalid. */
export function parseLocalTime(value: string, zone: string): number {
  const trimmed = value.trim().replace(' ', 'T');
  if (/(Z|[+-]\d\d:?\d\d)$/.test(trimmed)) return Date.parse(trimmed);
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(trimmed);
  if (!match) return NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : s!);
  // Two passes settle the offset even across a DST change (Indonesia has none, users elsewhere may).
  let guess = asUtc - zoneOffsetMs(zone, asUtc);
  guess = asUtc - zoneOffsetMs(zone, guess);
  return guess;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2023-05-26T15:48:00+07:00`: ISO 8601 in the given zone, with its offset (for CSV evidence). */
export function isoWithOffset(ms: number, zone: string): string {
  const offset = zoneOffsetMs(zone, ms);
  const local = new Date(ms + offset);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset) / 60_000;
  return `${local.toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The zone's short name as Indonesians write it (WIB, WITA, WIT), else the offset. */
export function zoneLabel(zone: string, ms: number): string {
  const known: Record<string, string> = {
    'Asia/Jakarta': 'WIB',
    'Asia/Pontianak': 'WIB',
    'Asia/Makassar': 'WITA',
    'Asia/Jayapura': 'WIT',
  };
  if (known[zone]) return known[zone];
  const offset = zoneOffsetMs(zone, ms) / 60_000;
  return offset === 0 ? 'UTC' : `UTC${offset > 0 ? '+' : '-'}${Math.floor(Math.abs(offset) / 60)}${Math.abs(offset) % 60 ? `:${pad(Math.abs(offset) % 60)}` : ''}`;
}

const MONTHS: Record<Language, string[]> = {
  id: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** `26 Mei 2023 15.48 WIB` (Indonesian style uses a dot between hours and minutes). */
export function formatDateTime(ms: number, zone: string, language: Language): string {
  const local = new Date(ms + zoneOffsetMs(zone, ms));
  const sep = language === 'id' ? '.' : ':';
  return `${local.getUTCDate()} ${MONTHS[language][local.getUTCMonth()]} ${local.getUTCFullYear()} ${pad(local.getUTCHours())}${sep}${pad(local.getUTCMinutes())} ${zoneLabel(zone, ms)}`;
}

/** `2 jam 13 menit` / `2 h 13 min`: the two largest units, at least minutes. */
export function formatDuration(ms: number, language: Language): string {
  const totalMinutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const units =
    language === 'id'
      ? { d: 'hari', h: 'jam', m: 'menit', lt: 'kurang dari 1 menit' }
      : { d: days === 1 ? 'day' : 'days', h: 'h', m: 'min', lt: 'less than a minute' };
  if (totalMinutes === 0) return units.lt;
  const parts: string[] = [];
  if (days) parts.push(`${days} ${units.d}`);
  if (hours) parts.push(`${hours} ${units.h}`);
  if (minutes && !days) parts.push(`${minutes} ${units.m}`);
  return parts.slice(0, 2).join(' ');
}

/** Uptime fraction as `99,95%` / `99.95%`; `–` when unknown. */
export function formatPercent(fraction: number | null, language: Language): string {
  if (fraction === null) return '–';
  const value = (Math.floor(fraction * 10000) / 100).toFixed(2);
  return `${language === 'id' ? value.replace('.', ',') : value}%`;
}
