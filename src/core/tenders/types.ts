/**
 * The vocabulary of "tender impact": which bid deadlines an outage hits. Nothing here knows about
 * HTTP, the store backend or chat platforms. Times are epoch ms.
 */

/** SPSE keeps tenders (`/dt/lelang`, `/lelang/<kode>`) and non-tenders (`/dt/pl`, `/nontender/<kode>`) apart. */
export type TenderKind = 'tender' | 'nontender';

/** One row of a package's schedule (`jadwal`) page. */
export interface TenderStage {
  /** The stage name as the page writes it (`Upload Dokumen Penawaran`); unknown names are kept as they are. */
  stage: string;
  /** Null when the page's date could not be read. */
  start: number | null;
  end: number | null;
  /** The stage in which bidders submit their bids (upload/kirim/penyampaian/pemasukan … penawaran). */
  bidSubmission: boolean;
  /** The row's `Perubahan`: 0 for `Tidak Ada`, N for "N kali perubahan", null when unreadable. */
  changes: number | null;
}

/**
 * A stage whose end moved between two readings of the schedule: what the end was before. This is
 * how "diperpanjang" is told: a stage that ended inside an outage and later shows a new end.
 */
export interface EndChange {
  stage: string;
  /** Which stage of that name (0 for the first): some schedules repeat a name. */
  occurrence: number;
  previousEnd: number;
  /** The end read afterwards (null when it became unreadable). */
  end: number | null;
  /** When the change was noticed. */
  seenAt: number;
}

/** Everything kept about one package (paket) of one portal. */
export interface TenderPackage {
  portalId: string;
  kode: string;
  kind: TenderKind;
  /** Plain text, badges removed (see `badges`), at most 300 characters. */
  name: string;
  /** The badges SPSE puts in the name cell (`Tender Ulang`, `Tender Batal`), plain text. */
  badges: string[];
  agency: string;
  /** The list's current stage / status text (`Upload Dokumen Penawaran`, `Tender Sudah Selesai`). */
  stageText: string;
  /** False once the stage text says selesai, batal or gagal. */
  active: boolean;
  /**
   * A hash of the list row as it was when the schedule was last read ('' before that): a row with
   * another hash has changed since, and its schedule is read again.
   */
  rowFingerprint: string;
  schedule: TenderStage[];
  /** The schedule page's count of changes (sum of its `Perubahan` column); null before it was read. */
  scheduleChanges: number | null;
  scheduleFetchedAt: number | null;
  firstSeenAt: number;
  /** When the package was last seen in a list (kept to within a day in the store). */
  lastSeenAt: number;
  /** Ends that moved, oldest first, at most {@link MAX_END_CHANGES}. */
  endChanges: EndChange[];
}

/** One stage of one package, as the queries hand it out (a line of a DOWN or UP alert, a CSV row). */
export interface StageOccurrence {
  portalId: string;
  kode: string;
  kind: TenderKind;
  name: string;
  agency: string;
  /** Whether the package is still running (its stage text says neither selesai, batal nor gagal). */
  active: boolean;
  stage: string;
  /** Position of the stage in the package's schedule. */
  stageIndex: number;
  start: number | null;
  end: number;
  bidSubmission: boolean;
}

/** An outage as the tender queries need it (an Incident fits: ISO strings or epoch ms both work). */
export interface OutageWindow {
  id: string;
  startedAt: string | number;
  /** Null while the outage goes on. */
  endedAt: string | number | null;
}

/** A stage that ended inside an outage and was given a later end afterwards ("diperpanjang"). */
export interface StageExtension {
  stage: string;
  occurrence: number;
  bidSubmission: boolean;
  /** The end that fell inside the outage. */
  previousEnd: number;
  /** The end the schedule shows now. */
  end: number;
  outageId: string;
  seenAt: number;
}

/** The collector's memory of one portal, kept in the store so back-off survives a restart. */
export interface TenderPortalState {
  portalId: string;
  /** When the last complete refresh started (null: never). */
  lastRefreshAt: number | null;
  /** Set while the portal refuses tender pages: collection waits until `blockedUntil`. */
  blockedCause: TenderBlockCause | null;
  blockedUntil: number | null;
  /** The current back-off (doubles on every refusal, reset by an answer). */
  backoffMs: number;
  lastErrorCause: TenderErrorCause | null;
  lastErrorAt: number | null;
}

export const TENDER_BLOCK_CAUSES = ['access_denied', 'cloudflare_challenge', 'rate_limited'] as const;
/** Why a portal's tender pages are refused (the health check's causes of the same name). */
export type TenderBlockCause = (typeof TENDER_BLOCK_CAUSES)[number];

/**
 * Why something went wrong while collecting tenders. Stable strings: the label `cause` of
 * `pantau_tender_errors_total{portal,cause}` and the `lastErrorCause` the API shows.
 */
export const TENDER_ERROR_CAUSES = [
  ...TENDER_BLOCK_CAUSES,
  /** No answer: DNS, refused, reset, TLS, redirect refused. */
  'fetch_failed',
  'timeout',
  /** An answer with an unexpected HTTP status (5xx, 404 …) on the token or a schedule page. */
  'http_status',
  'body_too_large',
  /** The `/lelang` page carries no authenticity token (nor does the session cookie). */
  'token_missing',
  /** A list answered HTML (SPSE's error page, a login page) instead of JSON, also after a fresh token. */
  'list_not_json',
  /** JSON, but not a DataTables answer (`data` missing or not a list). */
  'list_invalid',
  /** The first page of a list had no rows. */
  'list_empty',
  /** A list was longer than the pages one refresh reads; the rest was left. */
  'list_truncated',
  /** More rows on one page than are read (5,000). */
  'rows_over_cap',
  /** A row that is not a list of cells. */
  'row_not_array',
  /** A row without the cells that are read (kode, name, agency, stage): skipped. */
  'row_short',
  /** A row with fewer cells than SPSE sends (16 tender, 12 non-tender) but the ones that are read: used. */
  'row_fewer_cells',
  /** A row whose kode is not a run of digits: skipped. */
  'row_bad_kode',
  /** No `Tahap | Mulai | Sampai` table on a schedule page: the schedule kept so far stays. */
  'schedule_missing',
  'schedule_unknown_stage',
  'schedule_bad_date',
  /** More than 60 stages: the rest was left. */
  'schedule_truncated',
  /** The store refused a write: the portal's refresh stops and continues later. */
  'store_failed',
] as const;
export type TenderErrorCause = (typeof TENDER_ERROR_CAUSES)[number];

// Bounds. Everything read from a portal is cut to these before it is kept.
export const MAX_NAME_CHARS = 300;
export const MAX_CELL_CHARS = 300;
export const MAX_ROWS_PER_PAGE = 5_000;
export const MAX_STAGES = 60;
export const MAX_BADGES = 8;
export const MAX_BADGE_CHARS = 60;
export const MAX_END_CHANGES = 30;
export const MAX_KODE_CHARS = 24;

/** A package's store key part: tenders and non-tenders of one portal may share a kode. */
export const packageKey = (kind: TenderKind, kode: string) => `${kind === 'tender' ? 't' : 'n'}${kode}`;
