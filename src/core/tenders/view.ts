/**
 * What the tender data says, for every surface that shows it (alerts, `/tender`, the API, the
 * evidence CSV). The lease holder answers from the collector's index in memory; a standby replica
 * (or a leader that has not loaded it yet) reads the store, at most once a minute.
 */
import type { TenderStore } from '../ports.js';
import { createTenderIndex, type TenderIndex } from './tender-index.js';
import type { TenderCollectionStatus } from './collector.js';

export interface TenderView {
  index(): Promise<TenderIndex>;
  /** Tender pages refuse the monitor (403 Akses Ditolak, a challenge, 429): collection paused. */
  blocked(portalId: string): boolean;
  status(portalId: string): TenderCollectionStatus | null;
}

const STORE_READ_MS = 60_000;

export function createTenderView(options: {
  /** The collector's index while this replica leads, else null. */
  live: () => { index: TenderIndex; blocked(id: string): boolean; status(id: string): TenderCollectionStatus } | null;
  store: Pick<TenderStore, 'all' | 'portalStates'>;
  now?: () => number;
}): TenderView {
  const now = options.now ?? Date.now;
  let read: { at: number; index: TenderIndex; blocked: Set<string> } | null = null;
  let reading: Promise<TenderIndex> | null = null;

  async function fromStore(): Promise<TenderIndex> {
    if (read && now() - read.at < STORE_READ_MS) return read.index;
    reading ??= (async () => {
      const index = createTenderIndex({ now });
      index.replaceAll(await options.store.all());
      const states = await options.store.portalStates();
      const blocked = new Set(states.filter((s) => s.blockedUntil !== null && s.blockedUntil > now()).map((s) => s.portalId));
      read = { at: now(), index, blocked };
      return index;
    })().finally(() => {
      reading = null;
    });
    return reading;
  }

  return {
    async index() {
      return options.live()?.index ?? fromStore();
    },
    blocked(portalId) {
      const live = options.live();
      return live ? live.blocked(portalId) : (read?.blocked.has(portalId) ?? false);
    },
    status(portalId) {
      return options.live()?.status(portalId) ?? null;
    },
  };
}
