import type Keyv from 'keyv';
import type { EvidenceStore } from '../core/ports.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { affectedStagesSchema } from './schemas.js';

const MAX_AFFECTED = 1000;

/** One `affected:<portalId>:<incidentId>` record per ended outage that hit tender stages. */
export function createEvidenceStore(keyv: Keyv, options: StoreModuleOptions & { retentionDays: number }): EvidenceStore {
  const access = createRecordAccess(keyv, options);
  const key = (portalId: string, incidentId: string) => `affected:${portalId}:${incidentId}`;
  const ttlMs = options.retentionDays * 86_400_000;
  return {
    async saveAffected(portalId, incidentId, stages) {
      await access.set(key(portalId, incidentId), stages.slice(0, MAX_AFFECTED), ttlMs);
    },
    affected: (portalId, incidentId) => access.get(affectedStagesSchema, key(portalId, incidentId)),
    async affectedCounts(portalId, incidentIds) {
      const values = await access.getMany(affectedStagesSchema, incidentIds.map((id) => key(portalId, id)));
      const out = new Map<string, number>();
      values.forEach((value, index) => value && out.set(incidentIds[index]!, value.length));
      return out;
    },
  };
}
