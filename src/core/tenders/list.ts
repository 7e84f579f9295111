/**
 * SPSE's public package lists: DataTables JSON from `POST <base>/dt/lelang` (tenders, 16-cell rows)
 * and `POST <base>/dt/pl` (non-tenders, 12-cell rows). The answer is an edge: validated with zod,
 * every row read defensively, every string bounded; a bad row is skipped with a counted cause.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { asciiLower, cellText, cut, plainCell } from './text.js';
import { MAX_CELL_CHARS, MAX_KODE_CHARS, MAX_NAME_CHARS, MAX_ROWS_PER_PAGE, type TenderErrorCause, type TenderKind } from './types.js';

/** Cells SPSE sends per row: more are ignored, fewer are tolerated as long as the read ones are there. */
export const EXPECTED_CELLS: Record<TenderKind, number> = { tender: 16, nontender: 12 };
/** kode, name, agency, stage/status: the cells read. */
const NEEDED_CELLS = 4;
/** Cells that go into a row's fingerprint, each cut to this many characters. */
const FINGERPRINT_CELL_CHARS = 500;

/** One usable list row. */
export interface ListRow {
  kode: string;
  kind: TenderKind;
  name: string;
  badges: string[];
  agency: string;
  stageText: string;
  active: boolean;
  /** A hash of every cell of the row: a different one means the row changed. */
  fingerprint: string;
}

export type ListPage =
  | {
      ok: true;
      rows: ListRow[];
      /** Rows the page carried, bad ones included: a page shorter than the asked length is the last. */
      rawRowCount: number;
      /** Causes of skipped or odd rows, each with how many rows had it. */
      problems: Partial<Record<TenderErrorCause, number>>;
    }
  | { ok: false; cause: 'list_not_json' | 'list_invalid'; detail: string };

// `recordsTotal` is a sentinel (2147483647) on SPSE: it is accepted and never trusted.
const dataTablesAnswer = z.object({
  draw: z.union([z.number(), z.string()]).optional(),
  recordsTotal: z.union([z.number(), z.string()]).optional(),
  recordsFiltered: z.union([z.number(), z.string()]).optional(),
  data: z.array(z.unknown()),
});

/** Stage or status text that ends a package's life: selesai (done), batal (cancelled), gagal (failed). */
export function isActiveStage(stageText: string): boolean {
  const lower = asciiLower(stageText);
  return !(lower.includes('selesai') || lower.includes('batal') || lower.includes('gagal'));
}

function cellString(cell: unknown): string | null {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' && Number.isFinite(cell)) return String(cell);
  if (cell === null || cell === undefined) return '';
  return null;
}

/** A kode is a run of digits (SPSE ids); as a number it must still be exact. */
function kodeOf(cell: unknown): string | null {
  if (typeof cell === 'number') return Number.isSafeInteger(cell) && cell > 0 ? String(cell) : null;
  if (typeof cell !== 'string') return null;
  const text = cell.trim();
  if (text.length === 0 || text.length > MAX_KODE_CHARS) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return text;
}

function fingerprintOf(row: readonly unknown[]): string {
  const hash = createHash('sha1');
  const cells = Math.min(row.length, 32);
  for (let i = 0; i < cells; i++) {
    const cell = row[i];
    const text = typeof cell === 'string' ? cell : JSON.stringify(cell ?? null) ?? '';
    hash.update(cut(text, FINGERPRINT_CELL_CHARS));
    hash.update('\u0000');
  }
  return hash.digest('base64url').slice(0, 16);
}

/** Reads one row, or says why it is skipped. */
export function readListRow(row: unknown, kind: TenderKind): ListRow | { skipped: TenderErrorCause } {
  if (!Array.isArray(row)) return { skipped: 'row_not_array' };
  if (row.length < NEEDED_CELLS) return { skipped: 'row_short' };
  const kode = kodeOf(row[0]);
  if (!kode) return { skipped: 'row_bad_kode' };
  const nameCell = cellString(row[1]);
  const agencyCell = cellString(row[2]);
  const stageCell = cellString(row[3]);
  if (nameCell === null || agencyCell === null || stageCell === null) return { skipped: 'row_short' };
  const { text: name, badges } = cellText(nameCell, MAX_NAME_CHARS);
  const stageText = plainCell(stageCell, MAX_CELL_CHARS);
  return {
    kode,
    kind,
    name,
    badges,
    agency: plainCell(agencyCell, MAX_CELL_CHARS),
    stageText,
    active: isActiveStage(stageText),
    fingerprint: fingerprintOf(row),
  };
}

/**
 * Reads one DataTables answer. Not JSON (SPSE's error page, a login page) or not a DataTables
 * shape → `ok: false`. Otherwise every row is read on its own: at most 5,000; rows without the
 * read cells or with a bad kode are skipped and counted; rows with fewer cells than SPSE sends but
 * the read ones are used and counted.
 */
export function parseListPage(body: string, kind: TenderKind): ListPage {
  let json: unknown;
  const start = body.trimStart().charCodeAt(0);
  if (start !== 123 /* { */) return { ok: false, cause: 'list_not_json', detail: 'the answer is not a JSON object' };
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, cause: 'list_not_json', detail: 'the answer is not valid JSON' };
  }
  // Only `data` is looked at, and only its first 5,000 rows (the body itself is capped by the fetch).
  const parsed = dataTablesAnswer.safeParse(json);
  if (!parsed.success) return { ok: false, cause: 'list_invalid', detail: parsed.error.issues[0]?.message ?? 'not a DataTables answer' };
  const data = parsed.data.data;
  const problems: Partial<Record<TenderErrorCause, number>> = {};
  const count = (cause: TenderErrorCause) => (problems[cause] = (problems[cause] ?? 0) + 1);
  if (data.length > MAX_ROWS_PER_PAGE) problems.rows_over_cap = data.length - MAX_ROWS_PER_PAGE;
  const rows: ListRow[] = [];
  const limit = Math.min(data.length, MAX_ROWS_PER_PAGE);
  for (let i = 0; i < limit; i++) {
    const read = readListRow(data[i], kind);
    if ('skipped' in read) {
      count(read.skipped);
      continue;
    }
    if ((data[i] as unknown[]).length < EXPECTED_CELLS[kind]) count('row_fewer_cells');
    rows.push(read);
  }
  return { ok: true, rows, rawRowCount: data.length, problems };
}

/** The form the list endpoints want (DataTables server-side parameters), ordered by kode (column 0). */
export function listForm(options: { draw: number; start: number; length: number; token: string; kind: TenderKind }): string {
  const form = new URLSearchParams();
  form.set('draw', String(options.draw));
  const columns = EXPECTED_CELLS[options.kind];
  for (let i = 0; i < columns; i++) {
    form.set(`columns[${i}][data]`, String(i));
    form.set(`columns[${i}][name]`, '');
    form.set(`columns[${i}][searchable]`, 'true');
    form.set(`columns[${i}][orderable]`, i === 0 ? 'true' : 'false');
    form.set(`columns[${i}][search][value]`, '');
    form.set(`columns[${i}][search][regex]`, 'false');
  }
  // The default order shifts between pages (rows duplicated or skipped): kode is stable.
  form.set('order[0][column]', '0');
  form.set('order[0][dir]', 'asc');
  form.set('start', String(options.start));
  form.set('length', String(options.length));
  form.set('search[value]', '');
  form.set('search[regex]', 'false');
  form.set('authenticityToken', options.token);
  return form.toString();
}
