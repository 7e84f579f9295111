import type Keyv from 'keyv';
import type { MaintenanceStore } from '../core/ports.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { adHocMaintenanceListSchema } from './schemas.js';

const KEY = 'maintenance:adhoc';

/** Ad-hoc maintenance as one list record; ended entries are pruned on every write. */
export function createMaintenanceStore(keyv: Keyv, options: StoreModuleOptions = {}): MaintenanceStore {
  const access = createRecordAccess(keyv, options);
  const read = async (now: number) => ((await access.get(adHocMaintenanceListSchema, KEY)) ?? []).filter((e) => Date.parse(e.until) > now);
  return {
    list: read,
    async declare(entry, now) {
      const current = (await read(now)).filter((e) => e.portalId !== entry.portalId);
      await access.set(KEY, [...current, entry]);
    },
    async end(portalId, now) {
      const current = await read(now);
      const kept = current.filter((e) => e.portalId !== portalId);
      await access.set(KEY, kept);
      return kept.length !== current.length;
    },
  };
}
