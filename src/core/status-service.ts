import type { HistoryStore, StateStore } from './ports.js';
import { initialStatus } from './state-machine.js';
import type { LatencyStats } from './stats.js';
import type { Cause, Clock, Incident, Portal, PortalState, PortalStatus, Uptime, VantageView } from './types.js';

/** A portal as the JSON API, the status page and /status show it. Field names are public interface. */
export interface PortalView
  extends Pick<Portal, 'id' | 'name' | 'url' | 'province' | 'kind'>,
    Pick<PortalStatus, 'state' | 'cause' | 'httpStatus' | 'errorCode' | 'errorCodeEstimate' | 'detail' | 'since' | 'lastCheckedAt' | 'latencyMs'> {
  uptime: Uptime;
  /** What each vantage point (`hub`, each probe) last saw, and whether it votes now. */
  vantages: VantageSummary[];
}

/** One vantage point's view of a portal, as `/api/portals/:id` shows it (public interface). */
export interface VantageSummary {
  id: string;
  state: PortalState;
  cause: Cause;
  lastCheckedAt: string;
  latencyMs: number | null;
  voting: boolean;
}

export interface PortalDetailView extends PortalView {
  incidents: Incident[];
  openIncident: Incident | null;
  latency: LatencyStats;
}

export interface StatusService {
  watchedPortals(): Portal[];
  /**
   * A portal's incidents, newest first, the open one as the check loop last counted it (history
   * stores an open incident when it opens and when it closes, not at every failing check).
   */
  incidents(portal: Portal, limit?: number): Promise<Incident[]>;
  list(): Promise<PortalView[]>;
  views(portals: Portal[]): Promise<PortalView[]>;
  detail(portal: Portal, incidentLimit?: number): Promise<PortalDetailView>;
}

/**
 * Reads what the monitor knows, for every surface that shows it. The monitor's in-memory states
 * are used when this instance runs the checks; a standby replica reads the shared store.
 */
export function createStatusService(options: {
  watched: () => Portal[];
  states: StateStore;
  history: HistoryStore;
  /** The check loop's memory, when this instance runs it. */
  live?: ReadonlyMap<string, PortalStatus>;
  /** Which of a portal's vantage points vote now (fresh, their network up, a confirmed state). */
  voting?: (portalId: string, views: Record<string, VantageView>, now: number) => ReadonlySet<string>;
  clock: Clock;
}): StatusService {
  async function statusesOf(ids: string[]): Promise<Map<string, PortalStatus>> {
    const live = options.live;
    const out = new Map<string, PortalStatus>();
    const missing: string[] = [];
    for (const id of ids) {
      const status = live?.get(id);
      if (status) out.set(id, status);
      else missing.push(id);
    }
    if (missing.length) for (const [id, status] of await options.states.getMany(missing)) out.set(id, status);
    return out;
  }

  async function incidents(portal: Portal, limit?: number): Promise<Incident[]> {
    const [stored, statuses] = await Promise.all([options.history.incidents(portal.id, limit), statusesOf([portal.id])]);
    const open = statuses.get(portal.id)?.openIncident;
    return open ? stored.map((incident) => (incident.id === open.id ? open : incident)) : stored;
  }

  /** Until a portal's state is confirmed its uptime is not known either (README: null when unknown). */
  const NO_UPTIME: Uptime = { h24: null, d7: null, d30: null };

  function vantagesOf(portalId: string, status: PortalStatus, now: number): VantageSummary[] {
    const views = status.vantages;
    if (!views) return [];
    const voting = options.voting?.(portalId, views, now) ?? new Set<string>();
    // The hub first, then the probes by name.
    const ordered = Object.entries(views).sort(([a], [b]) => (a === 'hub' ? -1 : b === 'hub' ? 1 : a.localeCompare(b)));
    return ordered.map(([id, view]) => ({
      id,
      state: view.state,
      cause: view.seen.cause,
      lastCheckedAt: view.seen.at,
      latencyMs: view.seen.latencyMs,
      voting: voting.has(id),
    }));
  }

  function view(portal: Portal, status: PortalStatus, uptime: Uptime, now: number): PortalView {
    return {
      id: portal.id,
      name: portal.name,
      url: portal.url,
      province: portal.province,
      kind: portal.kind,
      state: status.state,
      cause: status.cause,
      httpStatus: status.httpStatus,
      errorCode: status.errorCode,
      errorCodeEstimate: status.errorCodeEstimate,
      detail: status.detail,
      since: status.since,
      lastCheckedAt: status.lastCheckedAt,
      latencyMs: status.latencyMs,
      uptime: status.state === 'unknown' ? NO_UPTIME : uptime,
      vantages: vantagesOf(portal.id, status, now),
    };
  }

  async function views(portals: Portal[]): Promise<PortalView[]> {
    const now = options.clock.now();
    const ids = portals.map((p) => p.id);
    const [statuses, uptimes] = await Promise.all([statusesOf(ids), options.history.uptimeMany(ids, now)]);
    return portals.map((portal) =>
      view(portal, statuses.get(portal.id) ?? initialStatus(portal.id, now), uptimes.get(portal.id) ?? { h24: null, d7: null, d30: null }, now),
    );
  }

  return {
    watchedPortals: options.watched,
    list: () => views(options.watched()),
    views,
    incidents,
    async detail(portal, incidentLimit = 20) {
      const now = options.clock.now();
      const [[base], recent, latency, statuses] = await Promise.all([
        views([portal]),
        incidents(portal, incidentLimit),
        options.history.latency(portal.id, now),
        statusesOf([portal.id]),
      ]);
      return { ...base!, incidents: recent, openIncident: statuses.get(portal.id)?.openIncident ?? null, latency };
    },
  };
}
