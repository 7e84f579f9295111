/**
 * The tender lines of an alert: which stages of a portal's packages end in a window (now … now +
 * lookahead for a DOWN alert, outage start … outage end for an UP alert), worded for a chat. Cheap
 * enough for the alert path: one binary search per portal (see tender-index.ts).
 */
import { t } from '../i18n.js';
import type { Line } from '../reply.js';
import { formatDateTime } from '../time.js';
import type { Language } from '../types.js';
import type { StageSummary, TenderIndex } from './tender-index.js';
import type { StageOccurrence } from './types.js';

/** A package name in a line is cut here (the whole name is in `/tender <kode>`). */
const NAME_CHARS_IN_LINE = 60;

export interface TenderLinesOptions {
  language: Language;
  timezone: string;
  /** Lines per portal; the rest is counted ("…dan N tahap lainnya"). Default 3. */
  limitPerPortal?: number | undefined;
  /** Default true: a finished or cancelled package's deadlines concern nobody. */
  activeOnly?: boolean | undefined;
  /** Only bid submission stages (default false). */
  bidSubmissionOnly?: boolean | undefined;
  /** For the tense of English lines (ends / ended). Default: now. */
  now?: number | undefined;
}

export interface PortalTenderLines {
  lines: Line[];
  /** Stages in the window in all (lines show the first few). */
  total: number;
}

/** Cut at a word when one ends late enough, else mid-word. */
function shortName(name: string): string {
  if (name.length <= NAME_CHARS_IN_LINE) return name;
  const head = name.slice(0, NAME_CHARS_IN_LINE - 1);
  const space = head.lastIndexOf(' ');
  return `${(space >= NAME_CHARS_IN_LINE * 0.6 ? head.slice(0, space) : head).trimEnd()}…`;
}

// The fixed parts of a line, built once: a digest for 600 portals writes thousands of lines.
const ENDS_TEXT: Record<Language, { past: string; future: string }> = {
  id: { past: '), berakhir ', future: '), berakhir ' },
  en: { past: '), ended ', future: '), ends ' },
};

/** `⏳ Upload Dokumen Penawaran — Pembangunan Jalan … (10012345064), berakhir 6 Feb 2026 16.05 WIB` */
export function tenderLine(occurrence: StageOccurrence, options: Pick<TenderLinesOptions, 'language' | 'timezone' | 'now'>): Line {
  const { language, timezone } = options;
  const past = occurrence.end < (options.now ?? Date.now());
  return [
    occurrence.bidSubmission ? '📥 ' : '⏳ ',
    { bold: occurrence.stage },
    ` — ${shortName(occurrence.name)} (`,
    { code: occurrence.kode },
    past ? ENDS_TEXT[language].past : ENDS_TEXT[language].future,
    { time: formatDateTime(occurrence.end, timezone, language), at: occurrence.end },
  ];
}

/** The lines of one portal's stages: the soonest few, then how many more there are. */
export function linesOf(summary: StageSummary, options: TenderLinesOptions): PortalTenderLines {
  const now = options.now ?? Date.now();
  const lineOptions = { language: options.language, timezone: options.timezone, now };
  const lines = summary.occurrences.map((o) => tenderLine(o, lineOptions));
  if (summary.total > summary.occurrences.length) lines.push(moreStagesLine(summary.total - summary.occurrences.length, options.language));
  return { lines, total: summary.total };
}

/**
 * The stages of many portals for one digest, not yet worded: per portal with at least one stage
 * ending in `fromMs … toMs`, the soonest `limitPerPortal` and the total. The alert path calls this
 * once per batch (about a millisecond for 600 portals) and words with `linesOf` only the portals a
 * message shows, in the chat's language.
 */
export function tenderSummaries(index: TenderIndex, portalIds: Iterable<string>, fromMs: number, toMs: number, options: Omit<TenderLinesOptions, 'language' | 'timezone' | 'now'> = {}): Map<string, StageSummary> {
  return index.stagesEndingBetweenMany(portalIds, fromMs, toMs, {
    activeOnly: options.activeOnly ?? true,
    bidSubmissionOnly: options.bidSubmissionOnly ?? false,
    limit: options.limitPerPortal ?? 3,
  });
}

/** "…dan 4 tahap lainnya" for what the lines leave out. */
export function moreStagesLine(more: number, language: Language): Line {
  return [{ italic: t(language, { id: `…dan ${more} tahap lainnya`, en: `…and ${more} more stage${more === 1 ? '' : 's'}` }) }];
}

/**
 * The tender lines of many portals for one digest, worded: `tenderSummaries` then `linesOf` for
 * every portal. Portals without a stage in the window are left out.
 */
export function tenderLines(index: TenderIndex, portalIds: Iterable<string>, fromMs: number, toMs: number, options: TenderLinesOptions): Map<string, PortalTenderLines> {
  const out = new Map<string, PortalTenderLines>();
  for (const [portalId, summary] of tenderSummaries(index, portalIds, fromMs, toMs, options)) out.set(portalId, linesOf(summary, options));
  return out;
}
