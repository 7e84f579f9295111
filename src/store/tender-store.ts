import type Keyv from 'keyv';
import type { TenderStore } from '../core/ports.js';
import { packageKey, type TenderKind, type TenderPackage } from '../core/tenders/types.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { tenderPackageSchema, tenderPortalStateSchema } from './schemas.js';

/** `tender:<portalId>:<t|n><kode>`: one record per package (t tender, n non-tender). */
const PACKAGE_PREFIX = 'tender:';
/** `tenderportal:<portalId>`: the collector's bookkeeping (listing `tender:` does not reach it). */
const PORTAL_PREFIX = 'tenderportal:';

/** Writes per store call: a portal's first refresh may add hundreds of packages at once. */
const WRITE_CHUNK = 200;
/** Deletes in flight at once (a day's expired packages of a big portal are a few hundred). */
const DELETE_CHUNK = 20;

/**
 * Tender packages, one record per package (a few KB at most: 60 stages, bounded strings), so a
 * refresh rewrites only the packages that changed and two writers of different packages never
 * lose one another's work. Read through the schemas like every other record: an unreadable one is
 * set aside and skipped.
 */
export function createTenderStore(keyv: Keyv, options: StoreModuleOptions = {}): TenderStore {
  const access = createRecordAccess(keyv, options);
  const key = (portalId: string, kind: TenderKind, kode: string) => `${PACKAGE_PREFIX}${portalId}:${packageKey(kind, kode)}`;

  return {
    async all() {
      return (await access.list(tenderPackageSchema, PACKAGE_PREFIX)).map((row) => row.value);
    },
    async packagesOf(portalId) {
      const rows = await access.list(tenderPackageSchema, `${PACKAGE_PREFIX}${portalId}:`);
      // A record filed under another portal's key prefix is not this portal's.
      return rows.map((row) => row.value).filter((pkg) => pkg.portalId === portalId);
    },
    async get(portalId, kind, kode) {
      const pkg = await access.get(tenderPackageSchema, key(portalId, kind, kode));
      return pkg && pkg.portalId === portalId && pkg.kind === kind && pkg.kode === kode ? pkg : undefined;
    },
    async putMany(packages: TenderPackage[]) {
      for (let at = 0; at < packages.length; at += WRITE_CHUNK) {
        await access.setMany(packages.slice(at, at + WRITE_CHUNK).map((pkg) => ({ key: key(pkg.portalId, pkg.kind, pkg.kode), value: pkg })));
      }
    },
    async removeMany(packages) {
      for (let at = 0; at < packages.length; at += DELETE_CHUNK) {
        await Promise.all(packages.slice(at, at + DELETE_CHUNK).map((pkg) => access.delete(key(pkg.portalId, pkg.kind, pkg.kode))));
      }
    },
    async portalStates() {
      return (await access.list(tenderPortalStateSchema, PORTAL_PREFIX)).map((row) => row.value);
    },
    async setPortalState(state) {
      await access.set(`${PORTAL_PREFIX}${state.portalId}`, state);
    },
  };
}
