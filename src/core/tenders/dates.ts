/**
 * Dates as SPSE writes them on schedule pages: `6 Februari 2026 16:05`, in the portal's local time.
 */
import { parseLocalTime } from '../time.js';
import { asciiLower, collapseSpaces } from './text.js';

/** The zone most portals write in (WIB). */
export const DEFAULT_TENDER_ZONE = 'Asia/Jakarta';

/** Longer than this is not a date (and is not looked at). */
const MAX_DATE_CHARS = 64;

const MONTHS: Record<string, number> = {
  januari: 1, jan: 1,
  februari: 2, pebruari: 2, feb: 2, peb: 2,
  maret: 3, mar: 3,
  april: 4, apr: 4,
  mei: 5, may: 5,
  juni: 6, jun: 6,
  juli: 7, jul: 7,
  agustus: 8, agt: 8, agu: 8, ags: 8, agust: 8, aug: 8,
  september: 9, sep: 9, sept: 9,
  oktober: 10, okt: 10, oct: 10,
  november: 11, nov: 11, nop: 11,
  desember: 12, des: 12, dec: 12,
};

/** Indonesian zone suffixes: when the page writes one, it wins over the portal's zone. */
const ZONES: Record<string, string> = {
  wib: 'Asia/Jakarta',
  wita: 'Asia/Makassar',
  wit: 'Asia/Jayapura',
};

/**
 * Indonesia's zones have kept one offset since 1988 (no daylight saving): the dates of a schedule
 * page (thousands per refresh) skip the Intl look-up that other zones need.
 */
const FIXED_OFFSETS_MS: Record<string, number> = {
  'Asia/Jakarta': 7 * 3_600_000,
  'Asia/Pontianak': 7 * 3_600_000,
  'Asia/Makassar': 8 * 3_600_000,
  'Asia/Jayapura': 9 * 3_600_000,
};

const TIME_WORDS = new Set(['pukul', 'pkl', 'pkl.', 'jam']);

function digitsOnly(text: string, min: number, max: number): number | null {
  if (text.length < min || text.length > max) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(text);
}

/** `16:05`, `16.05`, `16:05:00` → minutes and seconds of the day, or null. */
function timeOf(text: string): { hour: number; minute: number; second: number } | null {
  const parts = text.split(text.includes(':') ? ':' : '.');
  if (parts.length < 2 || parts.length > 3) return null;
  const hour = digitsOnly(parts[0]!, 1, 2);
  const minute = digitsOnly(parts[1]!, 2, 2);
  const second = parts.length === 3 ? digitsOnly(parts[2]!, 2, 2) : 0;
  if (hour === null || minute === null || second === null || hour > 23 || minute > 59 || second > 59) return null;
  return { hour, minute, second };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `6 Februari 2026 16:05` (also `06 Feb 2026 pukul 16.05 WITA`) → epoch ms, read in `zone` unless
 * the text names WIB, WITA or WIT. Month names full or short (Jan … Des, Agt/Agu/Ags, Okt),
 * case-insensitive. A date without a time, or anything else it cannot read, is null: a deadline
 * guessed at midnight would be wrong by most of a day. Never throws.
 */
export function parseIndonesianDate(text: string, zone: string = DEFAULT_TENDER_ZONE): number | null {
  if (typeof text !== 'string' || text.length > MAX_DATE_CHARS * 2) return null;
  const normal = asciiLower(collapseSpaces(text));
  if (normal.length === 0 || normal.length > MAX_DATE_CHARS) return null;
  const words = normal.split(' ').map((w) => (w.endsWith(',') ? w.slice(0, -1) : w)).filter((w) => w.length > 0);
  // Day, month, year: `6 februari 2026`; some pages write `6-feb-2026`.
  let dateWords = words;
  if (words[0] && words[0].includes('-') && words[0].split('-').length === 3) dateWords = [...words[0].split('-'), ...words.slice(1)];
  if (dateWords.length < 4) return null;
  const day = digitsOnly(dateWords[0]!, 1, 2);
  const month = MONTHS[dateWords[1]!.endsWith('.') ? dateWords[1]!.slice(0, -1) : dateWords[1]!];
  const year = digitsOnly(dateWords[2]!, 4, 4);
  if (day === null || month === undefined || year === null || year < 2000 || year > 2100) return null;
  let rest = dateWords.slice(3);
  if (rest[0] !== undefined && TIME_WORDS.has(rest[0])) rest = rest.slice(1);
  const time = rest[0] === undefined ? null : timeOf(rest[0]);
  if (!time) return null;
  rest = rest.slice(1);
  let localZone = zone;
  if (rest.length > 0) {
    const named = ZONES[rest[0]!];
    if (!named || rest.length > 1) return null;
    localZone = named;
  }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return null;
  const fixed = FIXED_OFFSETS_MS[localZone];
  if (fixed !== undefined) return Date.UTC(year, month - 1, day, time.hour, time.minute, time.second) - fixed;
  try {
    const ms = parseLocalTime(`${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`, localZone);
    return Number.isFinite(ms) ? ms : null;
  } catch {
    // An unknown zone name (a misconfigured portal) must not throw out of a parser.
    return null;
  }
}

/** The calendar year in `zone` at `ms` (the `tahun` of the lists). */
export function yearIn(ms: number, zone: string = DEFAULT_TENDER_ZONE): number {
  try {
    return Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric' }).format(new Date(ms)));
  } catch {
    return new Date(ms).getUTCFullYear();
  }
}
