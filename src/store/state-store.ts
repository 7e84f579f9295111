import type Keyv from 'keyv';
import { portalStatusSchema, type PortalStatus } from '../core/state-machine.js';
import { createTypedAccess } from './typed.js';

/** The confirmed state of each portal, one record per portal. */
export interface StateStore {
  get(portalId: string): Promise<PortalStatus | undefined>;
  getMany(portalIds: string[]): Promise<Map<string, PortalStatus>>;
  setMany(statuses: PortalStatus[]): Promise<void>;
}

export function createStateStore(keyv: Keyv): StateStore {
  const access = createTypedAccess(keyv);
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
