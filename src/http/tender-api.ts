/**
 * Tender data over HTTP: `GET /api/portals/:id/tenders` (the packages and their schedules) and
 * `GET /api/portals/:id/incidents/:incidentId/affected.csv` (the evidence of what an outage hit).
 * Field and column names are public interface.
 */
import type { StatusService } from '../core/status-service.js';
import { affectedCsv } from '../core/incidents-csv.js';
import type { TenderEvidence } from '../core/tenders/evidence.js';
import type { TenderIndex } from '../core/tenders/tender-index.js';
import type { TenderPackage } from '../core/tenders/types.js';
import type { TenderView } from '../core/tenders/view.js';
import { isoWithOffset } from '../core/time.js';
import type { Incident, Portal } from '../core/types.js';

export interface TenderApiDeps {
  view: TenderView;
  evidence: TenderEvidence;
  status: Pick<StatusService, 'incidents'>;
  timezone: string;
  now: () => number;
}

/** One package as `/api/portals/:id/tenders` shows it. */
export function packageJson(pkg: TenderPackage, index: TenderIndex, outages: readonly Incident[], zone: string) {
  const when = (ms: number | null) => (ms === null ? null : isoWithOffset(ms, zone));
  const extended = index.extensions(pkg.portalId, pkg.kode, outages, pkg.kind);
  return {
    kode: pkg.kode,
    kind: pkg.kind,
    name: pkg.name,
    agency: pkg.agency,
    stage: pkg.stageText,
    schedule: pkg.schedule.map((s) => {
      // "diperpanjang": the stage ended inside an outage and the committee gave it a later end.
      const extension = extended.find((e) => e.stage === s.stage && e.end === s.end);
      return {
        stage: s.stage,
        start: when(s.start),
        end: when(s.end),
        bidSubmission: s.bidSubmission,
        ...(extension ? { extendedFrom: when(extension.previousEnd), extendedAfterIncident: extension.outageId } : {}),
      };
    }),
    scheduleChanges: pkg.scheduleChanges ?? 0,
    updatedAt: when(pkg.scheduleFetchedAt ?? pkg.lastSeenAt),
    active: pkg.active,
  };
}

export function createTenderApi(deps: TenderApiDeps) {
  return {
    async tenders(portal: Portal) {
      const [index, outages] = await Promise.all([deps.view.index(), deps.status.incidents(portal, 50)]);
      return index.packages(portal.id).map((pkg) => packageJson(pkg, index, outages, deps.timezone));
    },
    /** The affected-stages CSV of one incident, or null when the portal has no such incident. */
    async affected(portal: Portal, incidentId: string): Promise<string | null> {
      const incident = (await deps.status.incidents(portal)).find((i) => i.id === incidentId);
      if (!incident) return null;
      const stages = await deps.evidence.affected(incident, deps.now());
      const index = await deps.view.index();
      return affectedCsv(incident.id, stages, (s) => index.package(s.portalId, s.kode, s.kind), deps.timezone);
    },
    blocked: (portalId: string) => deps.view.blocked(portalId),
    counts: (portalId: string, incidents: readonly Incident[]) => deps.evidence.counts(portalId, incidents, deps.now()),
  };
}
export type TenderApi = ReturnType<typeof createTenderApi>;
