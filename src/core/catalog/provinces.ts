/** Indonesia's 38 provinces and the names people use for them. */
import { compact, expandQuery } from './text.js';


/** The 38 provinces: canonical name first (as people write it), then other names people use. */
const PROVINCES: ReadonlyArray<readonly [string, ...string[]]> = [
  ['Aceh', 'nad', 'nanggroe aceh darussalam'],
  ['Sumatera Utara', 'sumut'],
  ['Sumatera Barat', 'sumbar'],
  ['Riau'],
  ['Jambi'],
  ['Sumatera Selatan', 'sumsel'],
  ['Bengkulu'],
  ['Lampung'],
  ['Kepulauan Bangka Belitung', 'babel', 'bangka belitung'],
  ['Kepulauan Riau', 'kepri'],
  ['DKI Jakarta', 'dki', 'jakarta', 'daerah khusus ibukota jakarta', 'daerah khusus jakarta'],
  ['Jawa Barat', 'jabar'],
  ['Jawa Tengah', 'jateng'],
  ['DI Yogyakarta', 'diy', 'daerah istimewa yogyakarta', 'yogyakarta', 'jogja', 'yogya', 'jogjakarta'],
  ['Jawa Timur', 'jatim'],
  ['Banten'],
  ['Bali'],
  ['Nusa Tenggara Barat', 'ntb'],
  ['Nusa Tenggara Timur', 'ntt'],
  ['Kalimantan Barat', 'kalbar'],
  ['Kalimantan Tengah', 'kalteng'],
  ['Kalimantan Selatan', 'kalsel'],
  ['Kalimantan Timur', 'kaltim'],
  ['Kalimantan Utara', 'kaltara'],
  ['Sulawesi Utara', 'sulut'],
  ['Sulawesi Tengah', 'sulteng'],
  ['Sulawesi Selatan', 'sulsel'],
  ['Sulawesi Tenggara', 'sultra'],
  ['Gorontalo'],
  ['Sulawesi Barat', 'sulbar'],
  ['Maluku'],
  ['Maluku Utara', 'malut'],
  ['Papua'],
  ['Papua Barat', 'pabar', 'irian jaya barat'],
  ['Papua Selatan', 'papsel'],
  ['Papua Tengah', 'papteng'],
  ['Papua Pegunungan', 'papeg'],
  ['Papua Barat Daya', 'pbd'],
];

const PROVINCE_BY_KEY: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [name, ...aliases] of PROVINCES) {
    for (const word of [name, ...aliases]) map.set(compact(word), name);
  }
  return map;
})();

/**
 * The canonical name of a province (`Jawa Timur`, `DKI Jakarta`, `DI Yogyakarta`) from any way of
 * writing it: full or official name in any case, `Provinsi …`, or a common abbreviation (`jatim`,
 * `diy`, `kepri`). Null when it is no province. Used by the catalog build and by
 * {@link Catalog.resolveProvince}.
 */
export function canonicalProvince(text: string): string | null {
  let key = compact(expandQuery(text));
  key = key.replace(/^(provinsi|prov)(?=[a-z])/, '');
  return PROVINCE_BY_KEY.get(key) ?? PROVINCE_BY_KEY.get(key.replace(/sumatra/g, 'sumatera')) ?? null;
}

/** Every canonical province name, in the order of the national area code. */
export const PROVINCE_NAMES: readonly string[] = PROVINCES.map(([name]) => name);

/** Extra names for a province (abbreviations, official long names), lower-case. */
export function provinceAliases(province: string): string[] {
  const row = PROVINCES.find(([name]) => name === province);
  return row ? row.slice(1) : [];
}
