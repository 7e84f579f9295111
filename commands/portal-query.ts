/** Reading what a person typed as one portal, several, or a province; and saying what was not understood. */
import type { Catalog, ProvinceMatch } from '../src/core/catalog/index.js';
import type { Language, Portal } from '../src/core/types.js';
import { t, type Line, type Reply } from './types.js';

export interface PortalQueryResult {
  found: Portal[];
  ambiguous: Array<{ query: string; candidates: Portal[] }>;
  unknown: Array<{ query: string; suggestions: Portal[] }>;
  province: ProvinceMatch | null;
  /** How many names were typed when they were more than one command takes ({@link MAX_NAMES_PER_QUERY}). */
  tooMany: number | null;
}

/** Names one command line may list: each is a catalog lookup (with typo suggestions). */
export const MAX_NAMES_PER_QUERY = 40;

/**
 * Reads what a person typed as one or several portals: the whole text first (`kota bandung`), then
 * comma-separated parts, then single words. A province name stands for its portals.
 */
export function resolvePortalQuery(text: string, catalog: Catalog, allowProvince: boolean): PortalQueryResult {
  const result: PortalQueryResult = { found: [], ambiguous: [], unknown: [], province: null, tooMany: null };
  const whole = text.trim();
  if (!whole) return result;
  if (allowProvince) {
    const province = catalog.resolveProvince(whole);
    // `jatim` means the province (all its portals), even though the provincial LPSE answers to it
    // too; that one portal is still reachable by its id (`jatimprov`).
    if (province && province.portals.length > 0 && !catalog.get(whole)) {
      result.province = province;
      return result;
    }
  }
  const first = catalog.resolve(whole);
  if (first.kind === 'found') {
    result.found.push(first.portal);
    return result;
  }
  const parts = (whole.includes(',') ? whole.split(',') : whole.split(/\s+/)).map((p) => p.trim()).filter(Boolean);
  if (parts.length > MAX_NAMES_PER_QUERY) {
    result.tooMany = parts.length;
    return result;
  }
  if (parts.length === 1) {
    if (first.kind === 'ambiguous') result.ambiguous.push({ query: whole, candidates: first.candidates });
    else result.unknown.push({ query: whole, suggestions: first.suggestions });
    return result;
  }
  for (const part of parts) {
    const resolved = catalog.resolve(part);
    if (resolved.kind === 'found') {
      if (!result.found.some((p) => p.id === resolved.portal.id)) result.found.push(resolved.portal);
    } else if (resolved.kind === 'ambiguous') result.ambiguous.push({ query: part, candidates: resolved.candidates });
    else result.unknown.push({ query: part, suggestions: resolved.suggestions });
  }
  return result;
}

/**
 * For commands about exactly one portal: the portal, or the error reply that offers candidates or
 * suggestions (several portals typed at once count as ambiguous).
 */
export function resolveOnePortal(query: string, catalog: Catalog, language: Language, command: string): { portal: Portal } | { reply: Reply } {
  const result = resolvePortalQuery(query, catalog, false);
  const [portal] = result.found;
  if (portal && result.found.length === 1 && result.ambiguous.length === 0 && result.unknown.length === 0) return { portal };
  if (result.found.length > 1) result.ambiguous.push({ query, candidates: result.found });
  return { reply: { tone: 'error', ...unresolvedReply(result, language, command) } };
}

/** Lines that explain what could not be resolved, with buttons to pick the meant portal. */
export function unresolvedReply(result: PortalQueryResult, language: Language, command: string): Pick<Reply, 'lines' | 'buttons'> {
  const lines: Line[] = [];
  const buttons: NonNullable<Reply['buttons']> = [];
  if (result.tooMany !== null) {
    lines.push([t(language, {
      id: `Terlalu banyak nama sekaligus (${result.tooMany}); paling banyak ${MAX_NAMES_PER_QUERY} per perintah, atau satu nama provinsi.`,
      en: `Too many names at once (${result.tooMany}); at most ${MAX_NAMES_PER_QUERY} per command, or one province name.`,
    })]);
  }
  for (const { query, candidates } of result.ambiguous) {
    lines.push([t(language, { id: `"${query}" cocok dengan beberapa portal, pilih salah satu:`, en: `"${query}" matches several portals, pick one:` })]);
    for (const portal of candidates.slice(0, 8)) {
      lines.push(['• ', { bold: portal.name }, ' ', { code: portal.id }]);
      buttons.push({ label: portal.name.replace(/^LPSE\s+/, ''), command: `/${command} ${portal.id}` });
    }
    if (candidates.length > 8) lines.push([t(language, { id: `…dan ${candidates.length - 8} lainnya; ketik lebih lengkap.`, en: `…and ${candidates.length - 8} more; type more of the name.` })]);
  }
  for (const { query, suggestions } of result.unknown) {
    lines.push([t(language, { id: `Portal "${query}" tidak ditemukan.`, en: `No portal matches "${query}".` })]);
    if (suggestions.length) {
      lines.push([t(language, { id: 'Mungkin maksud Anda: ', en: 'Did you mean: ' }), ...suggestions.slice(0, 5).flatMap((p, i) => [i ? ', ' : '', { code: p.id }])]);
      for (const portal of suggestions.slice(0, 3)) buttons.push({ label: portal.name.replace(/^LPSE\s+/, ''), command: `/${command} ${portal.id}` });
    }
  }
  return { lines, buttons };
}
