/**
 * Builds `config/portals.json`, the built-in catalog, from the national LPSE list
 * (`shared/data/lpse-portals.jsonl`, one portal a line).
 *
 *   npx tsx scripts/build-catalog.ts [path-to-jsonl]      (or: npm run catalog)
 *
 * What it adds to the raw list: the province of every kabupaten/kota (from the `idn-area-data`
 * package, matched by regency name), canonical province names, and search aliases (`gresik`,
 * `lpse.gresikkab.go.id`, `jatim`). Unmatched regencies and dropped aliases are printed as
 * warnings; invalid input lines stop the build with their line number.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getProvinces, getRegencies } from 'idn-area-data';
import { z } from 'zod';
import { canonicalProvince, compact, fold, hostLabel, portalSchema, provinceAliases } from '../src/core/catalog/index.js';
import type { Portal } from '../src/core/types.js';

const KINDS = ['kabupaten', 'kota', 'provinsi', 'kementerian', 'lembaga_lain', 'perguruan_tinggi', 'nasional'] as const;

const rowSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _ only'),
  name: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  kind: z.enum(KINDS),
  instansi: z.array(z.string()),
  legacyUrl: z.url({ protocol: /^https?$/ }).nullable(),
  lkppRepoId: z.number().int().positive().nullable(),
  province: z.string().min(1).optional(),
});
type Row = z.infer<typeof rowSchema>;

/**
 * Regencies whose name in the LPSE list cannot be matched to idn-area-data by name or instansi.
 * slug → idn-area-data regency name. Keep small and explain each.
 */
const REGENCY_OVERRIDES: Readonly<Record<string, string>> = {
  // Renamed from Maluku Tenggara Barat to Kepulauan Tanimbar in 2019; instansi already says so.
  tanimbar: 'KABUPATEN KEPULAUAN TANIMBAR',
};

/** Non-regional portals whose province is obvious (the institution's seat). */
const OBVIOUS_PROVINCE: Readonly<Record<string, string>> = {
  bpbatam: 'Kepulauan Riau',
  ui: 'Jawa Barat',
  unand: 'Sumatera Barat',
  undip: 'Jawa Tengah',
  usu: 'Sumatera Utara',
};

/** Hand-picked aliases people use that nothing in the data yields. */
const EXTRA_ALIASES: Readonly<Record<string, readonly string[]>> = {
  kaboki: ['oki'],
  okukab: ['oku'],
  okuselatankab: ['oku selatan'],
  okutimurkab: ['oku timur'],
  tanimbar: ['kepulauan tanimbar', 'mtb'],
  pu: ['pupr'],
  pom: ['bpom'],
  kemenkum: ['kemenkumham'],
  komdigi: ['kominfo'],
  mkri: ['mahkamah konstitusi'],
  // Kota Bandung's id is also Kabupaten Bandung's name: give it words that are its own.
  bandung: ['kota bandung', 'bandungkota'],
};

const REGIONAL = new Set(['kabupaten', 'kota', 'provinsi']);

const warnings: string[] = [];
const warn = (message: string): void => {
  warnings.push(message);
};

/** `Kab. Kep. Siau Tagulandang Biaro` / `KOTA ADMINISTRASI JAKARTA PUSAT` → kind + folded region. */
function splitRegency(text: string): { kind: 'kabupaten' | 'kota' | null; region: string } {
  const folded = fold(text)
    .replace(/^(lpse|spse)\s+/, '')
    .replace(/\bkep\.\s*/g, 'kepulauan ')
    .replace(/\bkab\.\s*/g, 'kabupaten ');
  const m = /^(kabupaten|kota)\s+(?:administrasi\s+)?(.+)$/.exec(folded);
  if (!m) return { kind: null, region: folded };
  return { kind: m[1] as 'kabupaten' | 'kota', region: (m[2] ?? '').trim() };
}

/** Title case for names shouted in capitals: `LPSE KABUPATEN YAHUKIMO` → `LPSE Kabupaten Yahukimo`. */
function tidyName(name: string, kind: string): string {
  if (!REGIONAL.has(kind)) return name;
  return name
    .split(' ')
    .map((word, i) => {
      if (i === 0 && /^(LPSE|SPSE)$/.test(word)) return word;
      if (word.length > 1 && word === word.toUpperCase() && /[A-Z]/.test(word)) {
        return word.charAt(0) + word.slice(1).toLowerCase();
      }
      return word;
    })
    .join(' ');
}

function readRows(file: string): Row[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const rows: Row[] = [];
  const errors: string[] = [];
  const badLines = new Set<number>();
  const fail = (lineNo: number, message: string): void => {
    badLines.add(lineNo);
    errors.push(`line ${lineNo}: ${message}`);
  };
  const seen = new Map<string, number>();
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      fail(lineNo, `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const parsed = rowSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        fail(lineNo, `${issue.path.join('.') || '(row)'}: ${issue.message}`);
      }
      return;
    }
    const previous = seen.get(parsed.data.slug);
    if (previous !== undefined) {
      fail(lineNo, `duplicate slug "${parsed.data.slug}" (first on line ${previous})`);
      return;
    }
    seen.set(parsed.data.slug, lineNo);
    rows.push(parsed.data);
  });
  if (errors.length > 0) {
    throw new Error(`${file}: ${badLines.size} invalid line(s)\n  ${errors.slice(0, 50).join('\n  ')}`);
  }
  if (rows.length === 0) throw new Error(`${file}: no portals`);
  return rows;
}

/** idn-area-data as `kind:compactRegion` → canonical province name. */
async function loadRegencies(): Promise<{ byKey: Map<string, string>; byName: Map<string, string> }> {
  const provinceByCode = new Map<string, string>();
  for (const p of await getProvinces()) {
    const name = canonicalProvince(p.name);
    if (!name) throw new Error(`idn-area-data province "${p.name}" has no canonical name in src/core/catalog.ts`);
    provinceByCode.set(p.code, name);
  }
  const byKey = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const r of await getRegencies()) {
    const province = provinceByCode.get(r.province_code);
    if (!province) throw new Error(`idn-area-data regency "${r.name}" has unknown province code ${r.province_code}`);
    const { kind, region } = splitRegency(r.name);
    if (!kind) {
      warn(`idn-area-data regency "${r.name}" is neither KABUPATEN nor KOTA`);
      continue;
    }
    byKey.set(`${kind}:${compact(region)}`, province);
    byName.set(r.name, province);
  }
  return { byKey, byName };
}

function regencyProvince(row: Row, regencies: Awaited<ReturnType<typeof loadRegencies>>): string | null {
  const override = REGENCY_OVERRIDES[row.slug];
  if (override !== undefined) {
    const province = regencies.byName.get(override);
    if (!province) warn(`${row.slug}: override "${override}" is not an idn-area-data regency`);
    return province ?? null;
  }
  const kind = row.kind as 'kabupaten' | 'kota';
  const fromName = splitRegency(row.name);
  const names = [fromName.kind ? fromName.region : fold(row.name).replace(/^(lpse|spse)\s+/, '').replace(/^(kabupaten|kota)\s+/, '')];
  // instansi names the regency too (sometimes as officially renamed); only its own kind counts.
  for (const inst of row.instansi) {
    const s = splitRegency(inst);
    if (s.kind === kind) names.push(s.region);
  }
  for (const name of names) {
    for (const variant of [name, `kepulauan ${name}`, name.replace(/^kepulauan\s+/, '')]) {
      const province = regencies.byKey.get(`${kind}:${compact(variant)}`);
      if (province) return province;
    }
  }
  return null;
}

/** `gresikkab` → `gresik`, `surabayakota` → `surabaya`, `jatimprov` → `jatim`, `kotabogor` → `bogor`. */
function strippedSlug(slug: string, kind: string, region: string): string | null {
  const m = /^(.+?)(kab|kota|prov)$/.exec(slug);
  if (m?.[1] && m[1].length >= 2) return m[1];
  if (kind === 'kota' && slug.startsWith('kota') && slug.slice(4) === compact(region)) return slug.slice(4);
  return null;
}

function buildAliases(row: Row, province: string | null, ids: ReadonlySet<string>, hostOwners: ReadonlyMap<string, string[]>): string[] {
  const aliases: string[] = [];
  const compacts = new Set<string>([compact(row.slug)]);
  const add = (alias: string, { dedupeCompact = true } = {}): void => {
    const a = fold(alias);
    if (!a || a === row.slug || aliases.includes(a)) return;
    const key = compact(a);
    if (dedupeCompact && compacts.has(key)) return;
    compacts.add(key);
    aliases.push(a);
  };

  const regional = REGIONAL.has(row.kind);
  const region = splitRegency(row.name)
    .region.replace(/^provinsi\s+/, '')
    .replace(/\s*\(.*\)\s*$/, '');
  if (regional) {
    const stripped = strippedSlug(row.slug, row.kind, region);
    if (stripped) add(stripped);
    add(region);
  }
  if (row.kind === 'provinsi' && province) {
    add(province);
    for (const alias of provinceAliases(province)) add(alias);
  }
  if (row.legacyUrl) {
    const host = new URL(row.legacyUrl).hostname.toLowerCase().replace(/^www\./, '');
    const label = hostLabel(host);
    const owners = hostOwners.get(host) ?? [];
    // A host that two portals claim (an imperfect join) stays with the portal named like it.
    const ownedElsewhere = owners.length > 1 && label !== null && ids.has(label) && label !== row.slug;
    if (label !== null && !ownedElsewhere) {
      add(host, { dedupeCompact: false });
      if (ids.has(label) && label !== row.slug) warn(`${row.slug}: host label "${label}" is another portal's id; not an alias`);
      else add(label);
    } else if (ownedElsewhere) {
      warn(`${row.slug}: legacy host ${host} belongs to portal "${label}"; not an alias`);
    }
  }
  for (const alias of EXTRA_ALIASES[row.slug] ?? []) add(alias);
  return aliases;
}

async function main(): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const input = process.argv[2] ? resolve(process.cwd(), process.argv[2]) : resolve(root, '../shared/data/lpse-portals.jsonl');
  const output = resolve(root, 'config/portals.json');

  const rows = readRows(input);
  const regencies = await loadRegencies();
  const ids = new Set(rows.map((r) => r.slug));
  const hostOwners = new Map<string, string[]>();
  for (const row of rows) {
    if (!row.legacyUrl) continue;
    const host = new URL(row.legacyUrl).hostname.toLowerCase().replace(/^www\./, '');
    hostOwners.set(host, [...(hostOwners.get(host) ?? []), row.slug]);
  }
  for (const [host, owners] of hostOwners) {
    if (owners.length > 1) warn(`legacy host ${host} is shared by ${owners.join(', ')}`);
  }
  for (const slug of [...Object.keys(REGENCY_OVERRIDES), ...Object.keys(OBVIOUS_PROVINCE), ...Object.keys(EXTRA_ALIASES)]) {
    if (!ids.has(slug)) warn(`table entry for "${slug}" matches no portal`);
  }

  let regencyRows = 0;
  let regencyWithProvince = 0;
  const portals: Portal[] = rows.map((row) => {
    let province: string | null = null;
    if (row.kind === 'provinsi') {
      province = row.province ? canonicalProvince(row.province) : canonicalProvince(row.name);
      if (!province) warn(`${row.slug}: province "${row.province ?? row.name}" is not a known province`);
    } else if (row.kind === 'kabupaten' || row.kind === 'kota') {
      regencyRows++;
      province = regencyProvince(row, regencies);
      if (province) regencyWithProvince++;
      else warn(`${row.slug}: no idn-area-data regency matches "${row.name}" (instansi: ${row.instansi.join('; ')})`);
    } else {
      province = OBVIOUS_PROVINCE[row.slug] ?? null;
    }
    if (row.province !== undefined && row.kind !== 'provinsi') warn(`${row.slug}: unexpected province on a ${row.kind} row`);
    return {
      id: row.slug,
      name: tidyName(row.name, row.kind),
      url: row.url,
      aliases: buildAliases(row, province, ids, hostOwners),
      kind: row.kind,
      province,
      legacyUrl: row.legacyUrl,
      lkppRepoId: row.lkppRepoId,
      instansi: row.instansi,
    };
  });
  portals.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  z.array(portalSchema).parse(portals);

  // Region words that name more than one portal make those words ambiguous on purpose (`bandung`).
  const aliasOwners = new Map<string, string[]>();
  for (const p of portals) for (const a of p.aliases) aliasOwners.set(a, [...(aliasOwners.get(a) ?? []), p.id]);
  const idsAlsoAliases = portals.filter((p) => aliasOwners.has(p.id)).map((p) => `${p.id} (${(aliasOwners.get(p.id) ?? []).join(', ')})`);

  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `[\n${portals.map((p) => `  ${JSON.stringify(p)}`).join(',\n')}\n]\n`);

  for (const w of warnings) console.warn(`warning: ${w}`);
  if (idsAlsoAliases.length > 0) {
    console.warn(`note: ids that are also another portal's alias (resolve as ambiguous): ${idsAlsoAliases.join('; ')}`);
  }
  const aliasCount = portals.reduce((n, p) => n + p.aliases.length, 0);
  const provinceCount = new Set(portals.map((p) => p.province).filter(Boolean)).size;
  console.log(
    `${relative(process.cwd(), output) || output}: ${portals.length} portals, ${regencyWithProvince}/${regencyRows} kabupaten/kota with a province, ` +
      `${provinceCount} provinces, ${aliasCount} aliases, ${warnings.length} warning(s)`,
  );
}

main().catch((err: unknown) => {
  console.error(`build-catalog: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
