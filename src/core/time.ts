import { zoneOffsetMs } from '../config.js';
import type { Language } from './delivery.js';

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
