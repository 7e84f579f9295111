/**
 * What an outage hit: the tender stages whose end fell inside it. An ended outage's stages are kept
 * with it when it closes (the evidence a bidder or a watchdog takes to the committee); an open one's
 * are read from the tender data as it stands.
 */
import type { EvidenceStore } from '../ports.js';
import type { Incident } from '../types.js';
import type { StageOccurrence, TenderPackage } from './types.js';
import type { TenderView } from './view.js';

export interface TenderEvidence {
  affected(incident: Incident, now: number): Promise<StageOccurrence[]>;
  /** How many stages each incident hit. */
  counts(portalId: string, incidents: readonly Incident[], now: number): Promise<Map<string, number>>;
  /** The package a stage belongs to, as the tender data knows it now (for its schedule changes). */
  packageOf(stage: StageOccurrence): Promise<TenderPackage | undefined>;
}

const MAX_STAGES = 1000;

export function createTenderEvidence(options: { view: TenderView; store: EvidenceStore }): TenderEvidence {
  async function live(incident: Incident, now: number): Promise<StageOccurrence[]> {
    const index = await options.view.index();
    const end = incident.endedAt ? Date.parse(incident.endedAt) : now;
    return index.stagesEndingBetween(incident.portalId, Date.parse(incident.startedAt), end, { activeOnly: false, limit: MAX_STAGES });
  }
  return {
    async affected(incident, now) {
      const kept = incident.endedAt ? await options.store.affected(incident.portalId, incident.id) : undefined;
      return kept ?? live(incident, now);
    },
    async counts(portalId, incidents, now) {
      const kept = await options.store.affectedCounts(portalId, incidents.filter((i) => i.endedAt).map((i) => i.id));
      const out = new Map<string, number>();
      for (const incident of incidents) out.set(incident.id, kept.get(incident.id) ?? (await live(incident, now)).length);
      return out;
    },
    async packageOf(stage) {
      return (await options.view.index()).package(stage.portalId, stage.kode, stage.kind);
    },
  };
}
