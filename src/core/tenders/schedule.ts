/**
 * A package's schedule page (`<base>/lelang/<kode>/jadwal`, `<base>/nontender/<kode>/jadwal`): inside
 * `div.content`, the table with header `No | Tahap | Mulai | Sampai | Perubahan`, one row per stage.
 * Hostile input: the page is capped, tables and rows are found with indexOf over bounded counts,
 * cells are cut; the columns are found by their header words, so a reordered table still reads.
 */
import { DEFAULT_TENDER_ZONE, parseIndonesianDate } from './dates.js';
import { asciiLower, plainCell } from './text.js';
import { MAX_CELL_CHARS, MAX_STAGES, type TenderErrorCause, type TenderStage } from './types.js';

/** How much of the page is read. */
const SCAN_LIMIT = 512 * 1024;
/** Tables examined for the schedule one. */
const MAX_TABLES = 20;
/** Cells read per row. */
const MAX_CELLS = 12;
/** Rows of the schedule table looked at, stages or not. */
const MAX_ROWS_EXAMINED = MAX_STAGES * 4;

export type SchedulePage =
  | {
      ok: true;
      stages: TenderStage[];
      /** Sum of the `Perubahan` column (the page's count of schedule changes). */
      scheduleChanges: number;
      /** Stage names none of the known words describe (kept as they are), at most a few. */
      unknownStages: string[];
      problems: Partial<Record<TenderErrorCause, number>>;
    }
  | { ok: false; cause: 'schedule_missing'; detail: string };

const SUBMIT_WORDS = ['upload', 'unggah', 'kirim', 'penyampaian', 'pemasukan'];

/** The bid submission stage: upload / kirim / penyampaian / pemasukan together with "penawaran". */
export function isBidSubmissionStage(stage: string): boolean {
  const lower = asciiLower(stage);
  return lower.includes('penawaran') && SUBMIT_WORDS.some((word) => lower.includes(word));
}

// Words the stage names of SPSE's methods are made of. A name with none of them is kept, and
// counted: many at once means the page changed shape (or language).
const STAGE_WORDS = [
  'pengumuman', 'pendaftaran', 'download', 'unduh', 'pengambilan', 'penjelasan', 'aanwijzing', 'penawaran', 'pembukaan',
  'evaluasi', 'pembuktian', 'kualifikasi', 'penetapan', 'pemenang', 'sanggah', 'penunjukan', 'kontrak', 'klarifikasi',
  'negosiasi', 'berita acara', 'undangan', 'reverse auction', 'survei', 'survey', 'dokumen', 'persetujuan', 'verifikasi',
  'penandatanganan', 'upload', 'unggah', 'kirim', 'pemasukan', 'penyampaian', 'tanda tangan', 'harga', 'teknis', 'administrasi',
];

export function isKnownStage(stage: string): boolean {
  const lower = asciiLower(stage);
  return STAGE_WORDS.some((word) => lower.includes(word));
}

/** `Tidak Ada` → 0, `2 kali perubahan` → 2, anything else → null. */
export function changesOf(text: string): number | null {
  const lower = asciiLower(text).trim();
  if (lower === '' || lower === '-' || lower.startsWith('tidak ada')) return 0;
  let end = 0;
  while (end < lower.length && end < 4 && lower.charCodeAt(end) >= 48 && lower.charCodeAt(end) <= 57) end++;
  if (end === 0 || !lower.slice(end).trimStart().startsWith('kali')) return null;
  return Number(lower.slice(0, end));
}

/**
 * `indexOf` for one needle whose starting points only move forward: a position already found is
 * handed out again until it is passed, and "not found" is remembered. Every needle is searched
 * through the page at most once, so a table of 100,000 `<tr>` without `</tr>` stays linear.
 */
function finder(lower: string, needle: string): (from: number) => number {
  let lastFrom = -1;
  let found = -2;
  return (from) => {
    if (found === -1 && from >= lastFrom) return -1;
    if (found >= from && lastFrom <= from) return found;
    lastFrom = from;
    found = lower.indexOf(needle, from);
    return found;
  };
}

interface Finders {
  tr: (from: number) => number;
  trClose: (from: number) => number;
  td: (from: number) => number;
  th: (from: number) => number;
  tdClose: (from: number) => number;
  thClose: (from: number) => number;
  gt: (from: number) => number;
}

function findersOf(lower: string): Finders {
  return {
    tr: finder(lower, '<tr'),
    trClose: finder(lower, '</tr'),
    td: finder(lower, '<td'),
    th: finder(lower, '<th'),
    tdClose: finder(lower, '</td'),
    thClose: finder(lower, '</th'),
    gt: finder(lower, '>'),
  };
}

interface Row {
  cells: string[];
  end: number;
}

const nearest = (limit: number, ...found: number[]) => found.reduce((best, at) => (at !== -1 && at < best ? at : best), limit);

/** The cells of the row starting at `from` (just past `<tr`), up to `limit`. */
function rowAt(text: string, lower: string, find: Finders, from: number, limit: number): Row {
  const end = nearest(limit, find.tr(from), find.trClose(from));
  const cells: string[] = [];
  let at = from;
  while (cells.length < MAX_CELLS && at < end) {
    let open = nearest(end, find.td(at), find.th(at));
    // `<thead>` is not a cell.
    while (open < end && lower.startsWith('<thead', open)) open = nearest(end, find.td(open + 6), find.th(open + 6));
    if (open >= end) break;
    const contentStart = find.gt(open);
    if (contentStart === -1 || contentStart >= end) break;
    const contentEnd = nearest(end, find.tdClose(contentStart), find.thClose(contentStart), find.td(contentStart), find.th(contentStart));
    cells.push(plainCell(text.slice(contentStart + 1, contentEnd), MAX_CELL_CHARS));
    // contentEnd is past contentStart (a `>`), so every cell moves forward.
    at = contentEnd;
  }
  return { cells, end };
}

interface Columns {
  stage: number;
  start: number;
  end: number;
  changes: number;
}

function columnsOf(header: string[]): Columns | null {
  const find = (...words: string[]) => header.findIndex((cell) => words.some((word) => asciiLower(cell).includes(word)));
  const stage = find('tahap');
  const start = find('mulai');
  const end = find('sampai', 'selesai', 'akhir');
  if (stage === -1 || start === -1 || end === -1) return null;
  return { stage, start, end, changes: find('perubahan') };
}

/**
 * Reads the schedule table. Unknown stage names are kept (and listed), unreadable dates become
 * null (and are counted), more than 60 stages are cut (and counted). No such table →
 * `schedule_missing`: the caller keeps what it knew.
 */
export function parseSchedulePage(body: string, zone: string = DEFAULT_TENDER_ZONE): SchedulePage {
  const text = body.length > SCAN_LIMIT ? body.slice(0, SCAN_LIMIT) : body;
  const lower = asciiLower(text);
  // The table lives inside div.content; when it is not there, the whole page is searched.
  const content = nearest(lower.length, lower.indexOf('class="content'), lower.indexOf("class='content"));
  const found = scheduleTable(text, lower, content === lower.length ? 0 : content, zone) ?? (content < lower.length && content > 0 ? scheduleTable(text, lower, 0, zone) : null);
  return found ?? { ok: false, cause: 'schedule_missing', detail: 'no table with Tahap, Mulai and Sampai columns' };
}

/** The first table from `from` whose header names Tahap, Mulai and Sampai, read; null when none. */
function scheduleTable(text: string, lower: string, from: number, zone: string): SchedulePage | null {
  const find = findersOf(lower);
  const tableOpen = finder(lower, '<table');
  const tableClose = finder(lower, '</table');
  let at = from;
  for (let tables = 0; tables < MAX_TABLES; tables++) {
    const tableStart = tableOpen(at);
    if (tableStart === -1) return null;
    const close = tableClose(tableStart);
    const tableEnd = close === -1 ? lower.length : close;
    at = tableStart + 6;
    const firstRow = find.tr(tableStart);
    if (firstRow === -1 || firstRow >= tableEnd) continue;
    const header = rowAt(text, lower, find, firstRow + 3, tableEnd);
    const columns = columnsOf(header.cells);
    if (columns) return readRows(text, lower, find, header.end, tableEnd, columns, zone);
  }
  return null;
}

function readRows(text: string, lower: string, find: Finders, from: number, tableEnd: number, columns: Columns, zone: string): SchedulePage {
  const stages: TenderStage[] = [];
  const unknownStages: string[] = [];
  const problems: Partial<Record<TenderErrorCause, number>> = {};
  const count = (cause: TenderErrorCause) => (problems[cause] = (problems[cause] ?? 0) + 1);
  let scheduleChanges = 0;
  let at = from;
  // Rows without a stage (spacers, notes) are skipped, but only so many are looked at.
  for (let rows = 0; ; rows++) {
    if (rows >= MAX_ROWS_EXAMINED) {
      count('schedule_truncated');
      break;
    }
    const rowStart = find.tr(at);
    if (rowStart === -1 || rowStart >= tableEnd) break;
    const row = rowAt(text, lower, find, rowStart + 3, tableEnd);
    at = Math.max(row.end, rowStart + 3);
    const stage = row.cells[columns.stage];
    if (!stage || row.cells.length <= Math.max(columns.start, columns.end)) continue;
    if (stages.length >= MAX_STAGES) {
      count('schedule_truncated');
      break;
    }
    const start = parseIndonesianDate(row.cells[columns.start]!, zone);
    const end = parseIndonesianDate(row.cells[columns.end]!, zone);
    if (start === null) count('schedule_bad_date');
    if (end === null) count('schedule_bad_date');
    if (!isKnownStage(stage)) {
      count('schedule_unknown_stage');
      if (unknownStages.length < 5) unknownStages.push(stage);
    }
    const changes = columns.changes === -1 ? 0 : changesOf(row.cells[columns.changes] ?? '');
    scheduleChanges += changes ?? 0;
    stages.push({ stage, start, end, bidSubmission: isBidSubmissionStage(stage), changes });
  }
  return { ok: true, stages, scheduleChanges, unknownStages, problems };
}
