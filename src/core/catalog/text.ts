/** Text normalisation for matching what people type against portal names. */

/** Lower-case, strip accents, collapse whitespace. */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** {@link fold} and keep only letters and digits: `Kab. Bandung Barat` → `kabbandungbarat`. */
export function compact(text: string): string {
  return fold(text).replace(/[^a-z0-9]/g, '');
}

/** Words people abbreviate in front of a region name. */
const WORD_EXPANSIONS: Readonly<Record<string, string>> = {
  kab: 'kabupaten',
  'kab.': 'kabupaten',
  pemkab: 'kabupaten',
  pemkot: 'kota',
  kep: 'kepulauan',
  'kep.': 'kepulauan',
  prov: 'provinsi',
  'prov.': 'provinsi',
  pemprov: 'provinsi',
  sumatra: 'sumatera',
};

/** Fold a multi-word query and expand abbreviations (`kab. bandung` → `kabupaten bandung`). */
export function expandQuery(text: string): string {
  const folded = fold(text).replace(/\b(kab|kep|prov)\.(?=\S)/g, '$1. ');
  const words = folded.split(' ');
  if (words.length < 2) return folded;
  return words.map((w) => WORD_EXPANSIONS[w] ?? w).join(' ');
}

/** Folded, with every run of non-alphanumerics as one space: `Tojo Una-Una` → `tojo una una`. */
export function spacedForm(text: string): string {
  return fold(text).replace(/[^a-z0-9]+/g, ' ').trim();
}

/** `LPSE Kabupaten Bandung Barat` → `bandung barat` (folded); non-regional names lose only `LPSE`. */
export function regionOf(name: string): string {
  return fold(name)
    .replace(/^(lpse|spse)\s+/, '')
    .replace(/^(kabupaten|kab\.?|kota|provinsi|prov\.?)\s+/, '')
    .replace(/\s*\(.*\)\s*$/, '')
    .trim();
}
