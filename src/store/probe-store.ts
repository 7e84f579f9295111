import type Keyv from 'keyv';
import type { ProbeStore } from '../core/ports.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { probeRecordsSchema } from './schemas.js';

const KEY = 'probes:registry';

/** The probe registry as one small record (one entry per trusted probe), written by the lease holder. */
export function createProbeStore(keyv: Keyv, options: StoreModuleOptions = {}): ProbeStore {
  const access = createRecordAccess(keyv, options);
  return {
    load: async () => (await access.get(probeRecordsSchema, KEY)) ?? [],
    save: (records) => access.set(KEY, records),
  };
}
