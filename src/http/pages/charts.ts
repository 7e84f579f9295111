import { t } from '../../core/i18n.js';
import type { Language } from '../../core/types.js';
import { formatPercent } from '../../core/time.js';
import type { DailySummary } from '../../core/stats.js';
import { esc, PAGE_TEXT, type TimeText } from './html.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const BAR_DAYS = 90;
/** Each day is 3 units wide in the bar's view box: 2 of colour, 1 of gap. */
const SLOT = 3;

export type DayLevel = 'ok' | 'minor' | 'major' | 'none';
const LEVELS: readonly DayLevel[] = ['ok', 'minor', 'major', 'none'];
const NONE = 3;

/**
 * How a day looks in the 90-day bar (an index into LEVELS). A day is "ok" up to one failed check in
 * a thousand (one minute of a day checked every minute), like the green days of the status pages
 * people know.
 */
function levelIndex(day: DailySummary | undefined): number {
  if (!day || day.checks === 0) return NONE;
  const ratio = (day.checks - day.failures) / day.checks;
  if (ratio >= 0.999) return 0;
  return ratio >= 0.95 ? 1 : 2;
}

/** The UTC days (as the history store keys them) of the bar, oldest first, and where each one sits. */
export interface BarDays {
  days: string[];
  index: Map<string, number>;
}

export function barDays(now: number): BarDays {
  const days: string[] = [];
  for (let i = BAR_DAYS - 1; i >= 0; i--) days.push(new Date(now - i * DAY_MS).toISOString().slice(0, 10));
  return { days, index: new Map(days.map((day, i) => [day, i])) };
}

export interface DayBar {
  svg: string;
  /** Uptime over the days shown that have data, 0–1, or null. */
  uptime: number | null;
  counts: Record<DayLevel, number>;
}

/** The pattern that cuts the bar into days; defined once per page, used by every bar. */
export const BAR_DEFS =
  '<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false">' +
  `<defs><pattern id="gaps" width="${SLOT}" height="40" patternUnits="userSpaceOnUse"><rect class="gap" x="${SLOT - 1}" width="1" height="40"/></pattern></defs></svg>`;

/**
 * The 90-day bar. Compact, since the list page draws 600 of them: the days of one colour are one
 * path, consecutive days one rectangle in it, and a shared pattern draws the gaps between days.
 * With `titled` every day is its own rectangle with a `<title>` (the portal page).
 */
export function dayBar(
  bar: BarDays,
  summaries: DailySummary[],
  language: Language,
  options: { titled?: boolean; dayText?: (day: string) => string } = {},
): DayBar {
  const words = t(language, PAGE_TEXT);
  const n = bar.days.length;
  const levels = new Uint8Array(n).fill(NONE);
  const byDay: Array<DailySummary | undefined> = options.titled ? new Array<DailySummary | undefined>(n) : [];
  let checks = 0;
  let failures = 0;
  for (const summary of summaries) {
    const i = bar.index.get(summary.day);
    if (i === undefined) continue;
    levels[i] = levelIndex(summary);
    checks += summary.checks;
    failures += summary.failures;
    if (options.titled) byDay[i] = summary;
  }
  const counts = [0, 0, 0, 0];
  const height = 40;
  let shapes: string;
  if (options.titled) {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const level = levels[i]!;
      counts[level]!++;
      const summary = byDay[i];
      const label = options.dayText?.(bar.days[i]!) ?? bar.days[i]!;
      const title = summary && summary.checks > 0 ? words.dayTitle(label, formatPercent((summary.checks - summary.failures) / summary.checks, language)) : words.dayNoData(label);
      parts.push(`<rect class="d-${LEVELS[level]!}" x="${i * SLOT}" width="${SLOT - 1}" height="${height}" rx=".4"><title>${esc(title)}</title></rect>`);
    }
    shapes = parts.join('');
  } else {
    const paths = ['', '', '', ''];
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i < n && levels[i] === levels[start]) continue;
      const level = levels[start]!;
      const width = (i - start) * SLOT;
      paths[level] += `M${start * SLOT} 0h${width}v${height}h-${width}z`;
      counts[level]! += i - start;
      start = i;
    }
    shapes = '';
    for (let level = 0; level < 4; level++) if (paths[level]) shapes += `<path class="d-${LEVELS[level]!}" d="${paths[level]!}"/>`;
    shapes += `<rect width="${n * SLOT}" height="${height}" fill="url(#gaps)"/>`;
  }
  const uptime = checks === 0 ? null : (checks - failures) / checks;
  const [ok, minor, major, none] = counts as [number, number, number, number];
  const label = words.barLabel(ok, minor, major, none, formatPercent(uptime, language));
  const svg = `<svg class="bar" viewBox="0 0 ${n * SLOT - 1} ${height}" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">${shapes}</svg>`;
  return { svg, uptime, counts: { ok, minor, major, none } };
}

const MONTHS: Record<Language, string[]> = {
  id: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** `2023-05-25` → `25 Mei 2023` (the bar's days are calendar days, no time of day). */
export function dayText(day: string, language: Language): string {
  const [year, month, date] = day.split('-');
  return `${Number(date)} ${MONTHS[language][Number(month) - 1] ?? month} ${year}`;
}

function niceCeiling(value: number): number {
  if (value <= 0) return 100;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export interface LatencyChart {
  svg: string;
  /** The same data as a table, for screen readers and people who prefer numbers. */
  table: string;
  summary: string;
  points: number;
}

/**
 * Hourly average latency as an SVG line chart, drawn on the server. Hours without data break the
 * line. `hourly` is oldest first and ends with the current hour.
 */
export function latencyChart(hourly: Array<number | null>, now: number, language: Language, timeText: TimeText): LatencyChart {
  const words = t(language, PAGE_TEXT);
  const width = 800;
  const height = 250;
  // Value labels sit inside the plot, above their grid lines: the chart keeps its width on a phone,
  // where the labels are drawn larger (CSS).
  const left = 6;
  const right = 6;
  const top = 34;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = hourly.length;
  const hourStart = (i: number) => Math.floor((now - (n - 1 - i) * HOUR_MS) / HOUR_MS) * HOUR_MS;
  // `26 Mei 2023 15.00 WIB` → `15.00`
  const clock = (ms: number) => timeText(ms, language).split(' ')[3] ?? '';
  const values = hourly.filter((v): v is number => v !== null);
  const max = values.length ? Math.max(...values) : 0;
  const yMax = niceCeiling(max * 1.15);
  const x = (i: number) => left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => top + plotH * (1 - v / yMax);
  const r1 = (v: number) => Math.round(v * 10) / 10;

  const parts: string[] = [];
  for (let g = 0; g <= 4; g++) {
    const value = (yMax * g) / 4;
    const gy = r1(y(value));
    parts.push(`<line class="grid-line" x1="${left}" x2="${width - right}" y1="${gy}" y2="${gy}"/>`);
    // Odd lines' labels are `minor`: a phone hides them (CSS), the chart is too short for five.
    if (g > 0) parts.push(`<text class="axis${g % 2 ? ' minor' : ''}" x="${left}" y="${gy - 5}">${Math.round(value)} ms</text>`);
  }
  // Hour labels every 6 hours; the first and the last keep inside the box.
  for (let i = 0; i < n; i += 6) {
    const anchor = i === 0 ? 'start' : 'middle';
    parts.push(`<text class="axis" x="${r1(x(i))}" y="${height - 10}" text-anchor="${anchor}">${esc(clock(hourStart(i)))}</text>`);
  }
  if (n > 1 && (n - 1) % 6 !== 0) parts.push(`<text class="axis" x="${r1(x(n - 1))}" y="${height - 10}" text-anchor="end">${esc(clock(hourStart(n - 1)))}</text>`);

  // Runs of consecutive hours with data: an area and a line each.
  let run: string[] = [];
  let runFirst = 0;
  const base = r1(y(0));
  const flush = (last: number) => {
    if (run.length > 1) {
      parts.push(`<path class="area" d="M${r1(x(runFirst))} ${base}L${run.join('L')}L${r1(x(last))} ${base}Z"/>`);
      parts.push(`<path class="line" d="M${run.join('L')}"/>`);
    }
    run = [];
  };
  hourly.forEach((v, i) => {
    if (v === null) return flush(i - 1);
    if (run.length === 0) runFirst = i;
    run.push(`${r1(x(i))} ${r1(y(v))}`);
  });
  flush(n - 1);
  hourly.forEach((v, i) => {
    if (v === null) return;
    parts.push(`<circle class="pt" cx="${r1(x(i))}" cy="${r1(y(v))}" r="3.5"><title>${esc(`${timeText(hourStart(i), language)}: ${Math.round(v)} ms`)}</title></circle>`);
  });
  if (values.length === 0) parts.push(`<text class="none" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">${esc(words.latencyNone)}</text>`);

  const summary = values.length
    ? words.latencySummary(values.length, Math.round(Math.min(...values)), Math.round(max), Math.round(values.reduce((a, b) => a + b, 0) / values.length))
    : words.latencyNone;
  const svg =
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="lat-title lat-desc">` +
    `<title id="lat-title">${esc(words.latencyChartTitle)}</title><desc id="lat-desc">${esc(summary)}</desc>${parts.join('')}</svg>`;
  const rows = hourly.map(
    (v, i) => `<tr><td>${esc(timeText(hourStart(i), language))}</td><td class="n">${v === null ? esc(words.noData) : `${Math.round(v)} ms`}</td></tr>`,
  );
  const table = `<table><thead><tr><th scope="col">${esc(words.hour)}</th><th scope="col">${esc(words.average)}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return { svg, table, summary, points: values.length };
}
