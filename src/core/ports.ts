/**
 * What the core needs from storage, as interfaces. `src/store/` implements them over Keyv; the core
 * never knows which backend (SQLite, Redis, PostgreSQL, memory) is behind them.
 */
import type { CheckSample, DailySummary, LatencyStats } from './stats.js';
import type { AdHocMaintenance, ChatRecord, ChatRef, Incident, OutboxBatch, PortalStatus, Uptime } from './types.js';
import type { ProbeRecord } from './vantage/probes.js';
import type { StageOccurrence, TenderKind, TenderPackage, TenderPortalState } from './tenders/types.js';

/**
 * What every port throws when the store itself fails (refused, timed out, closed) — not "no such
 * record". The caller must not act on missing data; an HTTP answer says the store is unavailable.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  /** The underlying error's code when it had one (`ECONNREFUSED`, `ETIMEDOUT`, …). */
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** The confirmed state of each portal, one record per portal. */
export interface StateStore {
  get(portalId: string): Promise<PortalStatus | undefined>;
  getMany(portalIds: string[]): Promise<Map<string, PortalStatus>>;
  setMany(statuses: PortalStatus[]): Promise<void>;
}

/**
 * Incidents and check statistics. Blocked checks say nothing about the portal, so they count
 * neither as checks nor as failures.
 */
export interface HistoryStore {
  upsertIncidents(incidents: Incident[]): Promise<void>;
  /** Newest first. */
  incidents(portalId: string, limit?: number): Promise<Incident[]>;
  recordChecks(samples: CheckSample[]): Promise<void>;
  uptime(portalId: string, now: number): Promise<Uptime>;
  uptimeMany(portalIds: string[], now: number): Promise<Map<string, Uptime>>;
  latency(portalId: string, now: number, hours?: number): Promise<LatencyStats>;
  daily(portalId: string, now: number, days?: number): Promise<DailySummary[]>;
  /** `daily` for many portals in one store round trip (the status page's 90-day bars). */
  dailyMany(portalIds: string[], now: number, days?: number): Promise<Map<string, DailySummary[]>>;
}

/**
 * Chats, their subscriptions and settings. The lease holder keeps them in memory (`load`), so
 * lookups on the alert path never wait for the store.
 */
export interface SubscriptionStore {
  load(): Promise<void>;
  get(chat: ChatRef): ChatRecord | undefined;
  all(): ChatRecord[];
  subscribersOf(portalId: string): ChatRecord[];
  subscribedPortalIds(): Set<string>;
  subscribe(chat: ChatRef, portalIds: string[], title?: string | null): Promise<{ added: string[]; already: string[] }>;
  unsubscribe(chat: ChatRef, portalIds: string[] | 'all'): Promise<{ removed: string[] }>;
  update(chat: ChatRef, change: Partial<Pick<ChatRecord, 'language' | 'notifyDegraded' | 'title'>>): Promise<ChatRecord>;
  /** Drops the chat and everything it subscribed to (bot kicked, channel deleted). */
  removeChat(chat: Pick<ChatRef, 'platform' | 'chatId' | 'threadId'>): Promise<ChatRecord | undefined>;
  /** Every chat whose record matches: all topics of a group, all channels of a guild. */
  removeWhere(predicate: (record: ChatRecord) => boolean): Promise<ChatRecord[]>;
  /** Moves a chat's records to a new chat id (Telegram group upgraded to a supergroup). */
  moveChat(platform: ChatRef['platform'], fromChatId: string, toChatId: string): Promise<ChatRecord[]>;
}

/**
 * The persisted outbox: batches are written once, and every delivered (or dropped) message leaves a
 * marker under its idempotency key, so a restart sends exactly what was not yet sent.
 */
export interface OutboxStore {
  /** Writes the batch unless a batch with that id exists already. Returns false if it did. */
  add(batch: OutboxBatch): Promise<boolean>;
  pendingBatches(): Promise<OutboxBatch[]>;
  doneKeys(batch: OutboxBatch): Promise<Set<string>>;
  markDone(entries: Array<{ key: string; result: string }>): Promise<void>;
  /** Drops a batch whose every message is done. */
  complete(batchId: string): Promise<void>;
  pendingCount(): Promise<number>;
}

/** The lease holder's view of its probes, kept for standby replicas (`/api/probes`) and the next holder. */
export interface ProbeStore {
  load(): Promise<ProbeRecord[]>;
  save(records: ProbeRecord[]): Promise<void>;
}

/**
 * What an outage hit, kept when it ends: the tender stages whose end fell inside it. Tender data
 * itself is forgotten a month after a package ends; the evidence stays with the incident.
 */
export interface EvidenceStore {
  saveAffected(portalId: string, incidentId: string, stages: StageOccurrence[]): Promise<void>;
  /** The stages kept for an incident, or undefined when none were kept (an open incident). */
  affected(portalId: string, incidentId: string): Promise<StageOccurrence[] | undefined>;
  /** How many were kept for each of these incidents (undefined where none were). */
  affectedCounts(portalId: string, incidentIds: string[]): Promise<Map<string, number>>;
}

/** Ad-hoc maintenance declared by owners; ended entries are pruned on every write. */
export interface MaintenanceStore {
  list(now: number): Promise<AdHocMaintenance[]>;
  declare(entry: AdHocMaintenance, now: number): Promise<void>;
  end(portalId: string, now: number): Promise<boolean>;
}

/**
 * Tender packages (one record per package: writers of different packages never overwrite one
 * another) and the tender collector's per-portal bookkeeping (back-off survives a restart). The
 * lease holder keeps the packages in memory (TenderIndex); other replicas can read a portal's
 * packages from here.
 */
export interface TenderStore {
  /** Every kept package of every portal (read once at the start of a lease term). */
  all(): Promise<TenderPackage[]>;
  packagesOf(portalId: string): Promise<TenderPackage[]>;
  get(portalId: string, kind: TenderKind, kode: string): Promise<TenderPackage | undefined>;
  putMany(packages: TenderPackage[]): Promise<void>;
  removeMany(packages: Array<Pick<TenderPackage, 'portalId' | 'kind' | 'kode'>>): Promise<void>;
  portalStates(): Promise<TenderPortalState[]>;
  setPortalState(state: TenderPortalState): Promise<void>;
}
