/**
 * The portal catalog: which LPSE portals exist and how a word a person types ("gresik", "Kota
 * Bandung", "lpse.gresikkab.go.id", "jatim") becomes one portal, a short list to choose from, or a
 * province. Platform-neutral: chat commands, the HTTP API and the scheduler all ask this module.
 *
 * Resolution never guesses: a word that several portals answer to (`bandung`, `semarang`) is
 * `ambiguous`, and the caller shows the candidates.
 */
import type { Portal } from '../types.js';
import { editDistance } from './edit-distance.js';
import { hostLabel, isPrefix, looksLikeUrl, parseHostPath, type HostPath } from './hosts.js';
import { canonicalProvince } from './provinces.js';
import { compact, expandQuery, fold, regionOf, spacedForm } from './text.js';

export { canonicalProvince, PROVINCE_NAMES, provinceAliases } from './provinces.js';
export { compact, fold } from './text.js';
export { hostLabel } from './hosts.js';
export { loadBuiltInCatalog, portalSchema } from './built-in.js';

/** What {@link Catalog.resolve} made of a query. */
export type ResolveResult =
  | { kind: 'found'; portal: Portal }
  | { kind: 'ambiguous'; candidates: Portal[] }
  | { kind: 'none'; suggestions: Portal[] };

/** A province and the portals in it, from {@link Catalog.resolveProvince}. */
export interface ProvinceMatch {
  /** Canonical name, e.g. `Jawa Timur`, `DKI Jakarta`. */
  province: string;
  /** Portals whose `province` is this one (provinsi first, then by id); may be empty. */
  portals: Portal[];
}

/** Read-only view over a set of portals with the indexes that make lookups cheap. */
export interface Catalog {
  /** Every portal, in the order given to {@link createCatalog}. */
  all(): readonly Portal[];
  /** The portal with exactly this id (a lower-cased, trimmed id is accepted too). */
  get(id: string): Portal | undefined;
  /**
   * Turn what a person typed into a portal. Use for commands that act on one portal (`/watch
   * gresik`): `found` can be acted on, `ambiguous` must be shown for the person to choose, `none`
   * comes with up to 5 spelling suggestions.
   */
  resolve(query: string): ResolveResult;
  /**
   * Ranked matches for autocomplete and lists (`gre` → Gresik first). Never decides: use
   * {@link Catalog.resolve} to act. An empty query lists the first `limit` portals by id.
   */
  search(query: string, limit?: number): Portal[];
  /** Canonical names of the provinces that at least one portal belongs to, sorted. */
  provinces(): string[];
  /**
   * A province from its name or common abbreviation (`jawa timur`, `jatim`, `DIY`), with its
   * portals; null when the query is no province. Use for "watch a whole province" commands.
   */
  resolveProvince(query: string): ProvinceMatch | null;
}


interface Entry {
  portal: Portal;
  /** Compact id. */
  idKey: string;
  /** Compact aliases and name forms (not hosts) that count as an exact match. */
  exactKeys: Set<string>;
  /** Compact aliases and region name for prefix/substring/typo matching (no hosts). */
  wordKeys: string[];
  /** idKey + wordKeys: what typo suggestions compare with. */
  typoKeys: string[];
  /** ` ` + folded name, words separated by single spaces, for word-prefix and in-word matching. */
  spacedName: string;
  /** The same for the aliases and region name (no hosts), joined. */
  spacedWords: string;
  province: string | null;
  kindRank: number;
}

const KIND_RANK: Readonly<Record<string, number>> = {
  provinsi: 0,
  kabupaten: 1,
  kota: 1,
  kementerian: 2,
  lembaga_lain: 2,
  nasional: 2,
  perguruan_tinggi: 3,
};

/** Scores: higher is more relevant. Province-only matches are used by search, not resolve. */
const SCORE = {
  exactId: 1000,
  exactAlias: 950,
  idPrefix: 800,
  aliasPrefix: 750,
  nameWordPrefix: 700,
  nameSubstring: 400,
  keySubstring: 350,
  province: 200,
  provincePrefix: 150,
} as const;

/** Hosts shared by more portals than this (the central SPSE front) do not identify a portal alone. */
const SHARED_FRONT = 10;

/**
 * Build the catalog and its indexes once; every lookup after that is cheap (well under 1 ms for
 * the 600 built-in portals). Use with {@link loadBuiltInCatalog}, with the config's own `portals`,
 * or with a small list in tests. Throws when two portals share an id.
 */
export function createCatalog(portals: Portal[]): Catalog {
  const list: readonly Portal[] = Object.freeze([...portals]);
  const byId = new Map<string, Portal>();
  const byIdKey = new Map<string, Entry[]>();
  const byExactKey = new Map<string, Entry[]>();
  const byHost = new Map<string, Array<{ entry: Entry; path: string[] }>>();
  const byProvince = new Map<string, Entry[]>();
  const entries: Entry[] = [];
  const entryOf = new Map<Portal, Entry>();

  const push = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
    const bucket = map.get(key);
    if (bucket) {
      if (!bucket.includes(value)) bucket.push(value);
    } else map.set(key, [value]);
  };

  for (const portal of list) {
    if (byId.has(portal.id)) throw new Error(`catalog: duplicate portal id "${portal.id}"`);
    byId.set(portal.id, portal);

    const idKey = compact(portal.id);
    const region = regionOf(portal.name);
    const exactKeys = new Set<string>();
    const wordKeys = new Set<string>();
    const spacedWords: string[] = [];
    const addKey = (text: string, asWord: boolean): void => {
      const key = compact(text);
      if (!key || key === idKey) return;
      exactKeys.add(key);
      if (asWord && !wordKeys.has(key)) {
        wordKeys.add(key);
        spacedWords.push(` ${spacedForm(text)}`);
      }
    };
    addKey(portal.name, false);
    addKey(fold(portal.name).replace(/^(lpse|spse)\s+/, ''), false);
    addKey(region, true);
    for (const alias of portal.aliases) {
      const isHost = alias.includes('.') && looksLikeUrl(alias);
      addKey(alias, !isHost);
    }
    const province = portal.province ? (canonicalProvince(portal.province) ?? portal.province.trim()) : null;
    const entry: Entry = {
      portal,
      idKey,
      exactKeys,
      wordKeys: [...wordKeys],
      typoKeys: [idKey, ...wordKeys],
      spacedName: ` ${spacedForm(portal.name)}`,
      spacedWords: spacedWords.join(''),
      province,
      kindRank: (portal.kind ? KIND_RANK[portal.kind] : undefined) ?? 4,
    };
    entries.push(entry);
    entryOf.set(portal, entry);
    push(byIdKey, idKey, entry);
    for (const key of exactKeys) push(byExactKey, key, entry);
    if (province) push(byProvince, province, entry);

    for (const address of [portal.url, portal.legacyUrl]) {
      if (!address) continue;
      const parsed = parseHostPath(address);
      if (parsed) push(byHost, parsed.host, { entry, path: parsed.path });
    }
    for (const alias of portal.aliases) {
      if (!alias.includes('.') || !looksLikeUrl(alias)) continue;
      const parsed = parseHostPath(alias);
      if (parsed) push(byHost, parsed.host, { entry, path: parsed.path });
    }
  }

  const compare = (a: { entry: Entry; score: number }, b: { entry: Entry; score: number }): number =>
    b.score - a.score ||
    a.entry.kindRank - b.entry.kindRank ||
    (a.entry.portal.id < b.entry.portal.id ? -1 : a.entry.portal.id > b.entry.portal.id ? 1 : 0);

  /** Text relevance of one portal for a folded query and its compact form; 0 = no match. */
  function textScore(entry: Entry, spaced: string, key: string): number {
    if (entry.idKey === key) return SCORE.exactId;
    if (entry.exactKeys.has(key)) return SCORE.exactAlias;
    if (entry.idKey.startsWith(key)) return SCORE.idPrefix;
    if (entry.wordKeys.some((k) => k.startsWith(key))) return SCORE.aliasPrefix;
    if (spaced && entry.spacedName.includes(` ${spaced}`)) return SCORE.nameWordPrefix;
    if (key.length >= 3 && spaced) {
      // Within words, not across them (compact forms would find "gre" in "agung republik").
      if (entry.spacedName.includes(spaced)) return SCORE.nameSubstring;
      if (entry.idKey.includes(key) || entry.spacedWords.includes(spaced)) return SCORE.keySubstring;
    }
    return 0;
  }

  /** Every portal that matches the query as text, unsorted. */
  function textMatches(query: string): Array<{ entry: Entry; score: number }> {
    const expanded = expandQuery(query);
    const key = compact(expanded);
    if (!key) return [];
    const spaced = spacedForm(expanded);
    const out: Array<{ entry: Entry; score: number }> = [];
    for (const entry of entries) {
      const score = textScore(entry, spaced, key);
      if (score > 0) out.push({ entry, score });
    }
    return out;
  }

  function suggestions(query: string): Portal[] {
    const key = compact(expandQuery(query));
    if (!key) return [];
    const max = key.length <= 4 ? 1 : key.length <= 8 ? 2 : 3;
    const scored: Array<{ entry: Entry; score: number }> = [];
    for (const entry of entries) {
      let best: number | null = null;
      for (const candidate of entry.typoKeys) {
        const d = editDistance(key, candidate, best === null ? max : Math.min(max, best));
        if (d !== null && (best === null || d < best)) best = d;
      }
      // Negative distance as the score so that the shared comparator sorts closest first.
      if (best !== null) scored.push({ entry, score: -best });
    }
    return scored.sort(compare).slice(0, 5).map((s) => s.entry.portal);
  }

  /** Portals an address points at; null when the address names no known portal. */
  function resolveUrl(parsed: HostPath): ResolveResult | null {
    const hits = byHost.get(parsed.host);
    if (!hits) return null;
    let candidates = hits.filter((h) => isPrefix(h.path, parsed.path));
    if (candidates.length > 0) {
      const longest = Math.max(...candidates.map((h) => h.path.length));
      candidates = candidates.filter((h) => h.path.length === longest);
    } else {
      candidates = hits.filter((h) => isPrefix(parsed.path, h.path));
    }
    const found = [...new Set(candidates.map((h) => h.entry))];
    if (found.length === 0 || found.length > SHARED_FRONT) return null;
    const [only] = found;
    if (found.length === 1 && only) return { kind: 'found', portal: only.portal };
    // A legacy host shared through an imperfect join: the portal named like the host wins.
    const label = hostLabel(parsed.host);
    const named = found.filter((e) => label !== null && e.idKey === compact(label));
    const [namedOnly] = named;
    if (named.length === 1 && namedOnly) return { kind: 'found', portal: namedOnly.portal };
    return {
      kind: 'ambiguous',
      candidates: found.sort((a, b) => compare({ entry: a, score: 0 }, { entry: b, score: 0 })).map((e) => e.portal),
    };
  }

  function resolveText(query: string): ResolveResult {
    const key = compact(expandQuery(query));
    if (!key) return { kind: 'none', suggestions: [] };
    const idHits = byIdKey.get(key) ?? [];
    const aliasHits = (byExactKey.get(key) ?? []).filter((e) => !idHits.includes(e));
    const [idHit] = idHits;
    const [aliasHit] = aliasHits;
    // An id wins unless another portal is also called that (Kota Bandung's id `bandung` is the
    // name of Kabupaten Bandung too); one portal with that exact alias or name wins as well.
    if (idHits.length === 1 && idHit && aliasHits.length === 0) return { kind: 'found', portal: idHit.portal };
    if (idHits.length === 0 && aliasHits.length === 1 && aliasHit) return { kind: 'found', portal: aliasHit.portal };

    const matches = textMatches(query).sort(compare);
    const [first] = matches;
    if (matches.length === 1 && first) return { kind: 'found', portal: first.entry.portal };
    if (matches.length > 1) return { kind: 'ambiguous', candidates: matches.map((m) => m.entry.portal) };
    return { kind: 'none', suggestions: suggestions(query) };
  }

  function resolve(query: string): ResolveResult {
    const text = query.trim();
    if (!text) return { kind: 'none', suggestions: [] };
    if (looksLikeUrl(text)) {
      const parsed = parseHostPath(text);
      if (parsed) {
        const byAddress = resolveUrl(parsed);
        if (byAddress) return byAddress;
        // Unknown address: try the word in it (`spse.inaproc.id/gresik`, `lpse.gresik.go.id`).
        const shared = (byHost.get(parsed.host)?.length ?? 0) > SHARED_FRONT;
        const word = shared ? parsed.path[0] : hostLabel(parsed.host);
        if (!word) return { kind: 'none', suggestions: [] };
        return resolveText(word);
      }
    }
    return resolveText(text);
  }

  function resolveProvince(query: string): ProvinceMatch | null {
    let province = canonicalProvince(query);
    if (province === null) {
      const key = compact(query).replace(/^(provinsi|prov)(?=[a-z])/, '');
      if (!key) return null;
      province = [...byProvince.keys()].find((p) => compact(p) === key) ?? null;
    }
    if (province === null) return null;
    const members = [...(byProvince.get(province) ?? [])].sort((a, b) => compare({ entry: a, score: 0 }, { entry: b, score: 0 }));
    return { province, portals: members.map((e) => e.portal) };
  }

  const sortedById = [...entries].sort((a, b) => (a.portal.id < b.portal.id ? -1 : a.portal.id > b.portal.id ? 1 : 0));
  const provinceNames = [...byProvince.keys()].sort((a, b) => a.localeCompare(b, 'id'));
  const provinceKeys = [...byProvince].map(([name, members]) => [compact(name), members] as const);

  function search(query: string, limit = 25): Portal[] {
    const max = Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    const text = query.trim();
    if (!text) return sortedById.slice(0, max).map((e) => e.portal);

    const scores = new Map<Entry, number>();
    const bump = (entry: Entry, score: number): void => {
      if (score > (scores.get(entry) ?? 0)) scores.set(entry, score);
    };
    if (looksLikeUrl(text)) {
      const parsed = parseHostPath(text);
      const byAddress = parsed ? resolveUrl(parsed) : null;
      const entry = byAddress?.kind === 'found' ? entryOf.get(byAddress.portal) : undefined;
      if (entry) bump(entry, SCORE.exactId + 1);
    }
    for (const { entry, score } of textMatches(text)) bump(entry, score);
    const province = canonicalProvince(text);
    if (province) for (const entry of byProvince.get(province) ?? []) bump(entry, SCORE.province);
    const key = compact(text);
    if (key.length >= 3) {
      for (const [provinceKey, members] of provinceKeys) {
        if (provinceKey.startsWith(key)) for (const entry of members) bump(entry, SCORE.provincePrefix);
      }
    }
    return [...scores]
      .map(([entry, score]) => ({ entry, score }))
      .sort(compare)
      .slice(0, max)
      .map((s) => s.entry.portal);
  }

  return {
    all: () => list,
    get: (id) => byId.get(id) ?? byId.get(id.trim().toLowerCase()),
    resolve,
    search,
    provinces: () => [...provinceNames],
    resolveProvince,
  };
}
