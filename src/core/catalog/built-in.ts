/** The national catalog shipped in `config/portals.json`, validated when it is read. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Portal } from '../types.js';

/**
 * Schema of one catalog entry (the {@link Portal} type). Used to validate `config/portals.json`
 * when it is loaded, and by `scripts/build-catalog.ts` before it writes that file.
 */
export const portalSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _ only'),
  name: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  aliases: z.array(z.string().min(1)),
  kind: z.string().min(1).nullable(),
  province: z.string().min(1).nullable(),
  legacyUrl: z.url({ protocol: /^https?$/ }).nullable(),
  lkppRepoId: z.number().int().nullable(),
  instansi: z.array(z.string()),
});

// Compile-time check that the schema and the shared Portal type agree in both directions.
type _SchemaIsPortal = z.infer<typeof portalSchema> extends Portal ? (Portal extends z.infer<typeof portalSchema> ? true : never) : never;
const _schemaIsPortal: _SchemaIsPortal = true;


const CATALOG_FILE = join('config', 'portals.json');

/**
 * Find `config/portals.json` from this module's location: walks up from `src/core/` (tsx, vitest)
 * or `dist/src/core/` (compiled) to the project root.
 */
function findCatalogFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, CATALOG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`catalog: ${CATALOG_FILE} not found above ${dirname(fileURLToPath(import.meta.url))} (run: npm run catalog)`);
    }
    dir = parent;
  }
}

/**
 * The national catalog shipped in `config/portals.json` (built by `scripts/build-catalog.ts`),
 * validated. Read at start-up when the config has no `portals` list of its own; throws with the
 * offending entry's index when the file is invalid.
 */
export function loadBuiltInCatalog(): Portal[] {
  const file = findCatalogFile();
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`catalog: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = z.array(portalSchema).safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new Error(`catalog: invalid ${file} at [${where}]: ${issue?.message ?? 'unknown error'}`);
  }
  return parsed.data;
}
