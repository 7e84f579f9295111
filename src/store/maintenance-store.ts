import type Keyv from 'keyv';
import { z } from 'zod';
import type { AdHocMaintenance } from '../core/maintenance.js';
import { createTypedAccess } from './typed.js';

const listSchema = z.array(z.object({ portalId: z.string(), until: z.string(), reason: z.string(), by: z.string() }));
const KEY = 'maintenance:adhoc';

/** Ad-hoc maintenance declared by owners; ended entries are pruned on every write. */
export interface MaintenanceStore {
  list(now: number): Promise<AdHocMaintenance[]>;
  declare(entry: AdHocMaintenance, now: number): Promise<void>;
  end(portalId: string, now: number): Promise<boolean>;
}

export function createMaintenanceStore(keyv: Keyv): MaintenanceStore {
  const access = createTypedAccess(keyv);
  const read = async (now: number) => ((await access.get(listSchema, KEY)) ?? []).filter((e) => Date.parse(e.until) > now);
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
