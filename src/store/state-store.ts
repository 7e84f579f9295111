import type Keyv from 'keyv';
import type { StateStore } from '../core/ports.js';
import type { PortalStatus } from '../core/types.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { portalStatusSchema } from './schemas.js';

/** One `state:<portalId>` record per portal; an unreadable one is set aside and reads as missing. */
export function createStateStore(keyv: Keyv, options: StoreModuleOptions = {}): StateStore {
  const access = createRecordAccess(keyv, options);
  const key = (portalId: string) => `state:${portalId}`;
  return {
    get: (portalId) => access.get(portalStatusSchema, key(portalId)),
    async getMany(portalIds) {
      const values = await access.getMany(portalStatusSchema, portalIds.map(key));
      const out = new Map<string, PortalStatus>();
      values.forEach((value) => value && out.set(value.portalId, value));
      return out;
    },
    setMany: (statuses) => access.setMany(statuses.map((status) => ({ key: key(status.portalId), value: status }))),
  };
}
