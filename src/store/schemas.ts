/**
 * Every stored record's schema. What comes back from the store is input like any other: it is read
 * through these, and each one is checked at compile time against the core type it stores.
 */
import { z } from 'zod';
import type { DailySummary, DayRecord, HourBucket } from '../core/stats.js';
import {
  CAUSES,
  type AdHocMaintenance,
  type ChatRecord,
  type ChatRef,
  type Incident,
  type OutboxBatch,
  type OutboxMessage,
  type PendingTransition,
  type PortalStatus,
  type Transition,
  type VantageView,
} from '../core/types.js';
import type { ProbeRecord } from '../core/vantage/probes.js';

const causeSchema = z.enum(CAUSES);
const observedSchema = z.enum(['up', 'degraded', 'down', 'blocked']);
const portalStateSchema = z.enum(['up', 'degraded', 'down', 'blocked', 'unknown', 'maintenance']);

export const incidentSchema = z.object({
  id: z.string(),
  portalId: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  cause: causeSchema,
  httpStatus: z.number().nullable(),
  errorCode: z.string().nullable(),
  errorCodeEstimate: z.string().nullable(),
  detail: z.string(),
  checksFailed: z.number(),
  lastFailedAt: z.string().nullable().optional(),
}) satisfies z.ZodType<Incident>;

export const transitionSchema = z.object({
  id: z.string(),
  portalId: z.string(),
  from: portalStateSchema,
  to: portalStateSchema,
  at: z.string(),
  kind: z.enum(['down', 'up', 'degraded', 'recovered', 'silent']),
  cause: causeSchema,
  httpStatus: z.number().nullable(),
  errorCode: z.string().nullable(),
  errorCodeEstimate: z.string().nullable(),
  detail: z.string(),
  outageStartedAt: z.string().nullable(),
  outageDurationMs: z.number().nullable(),
  outageCause: causeSchema.nullable(),
  outageErrorCode: z.string().nullable(),
  outageLastFailedAt: z.string().nullable().optional(),
  outageIncidentId: z.string().nullable().optional(),
  vantages: z.object({ agreeing: z.array(z.string().max(64)).max(64), voting: z.number() }).optional(),
}) satisfies z.ZodType<Transition>;

export const pendingTransitionSchema = transitionSchema.extend({ cycleId: z.string() }) satisfies z.ZodType<PendingTransition>;

const vantageViewSchema = z.object({
  state: portalStateSchema,
  seen: z.object({
    state: observedSchema,
    cause: causeSchema,
    httpStatus: z.number().nullable(),
    errorCode: z.string().nullable(),
    errorCodeEstimate: z.string().nullable(),
    detail: z.string(),
    networkLevel: z.boolean(),
    at: z.string(),
    latencyMs: z.number().nullable(),
  }),
  streak: z.object({ state: observedSchema, count: z.number(), since: z.string() }).nullable(),
  healthyStreak: z.object({ count: z.number(), since: z.string() }).nullable(),
}) satisfies z.ZodType<VantageView>;

export const portalStatusSchema = z.object({
  portalId: z.string(),
  state: portalStateSchema,
  cause: causeSchema,
  httpStatus: z.number().nullable(),
  errorCode: z.string().nullable(),
  errorCodeEstimate: z.string().nullable(),
  detail: z.string(),
  since: z.string(),
  lastCheckedAt: z.string().nullable(),
  latencyMs: z.number().nullable(),
  streak: z.object({ state: observedSchema, count: z.number(), since: z.string() }).nullable(),
  healthyStreak: z.object({ count: z.number(), since: z.string() }).nullable(),
  openIncident: incidentSchema.nullable(),
  transitionSeq: z.number(),
  pendingTransitions: z.array(pendingTransitionSchema),
  vantages: z
    .record(z.string().max(64), vantageViewSchema)
    .refine((views) => Object.keys(views).length <= 64, 'at most 64 vantage points')
    .optional(),
}) satisfies z.ZodType<PortalStatus>;

export const chatRefSchema = z.object({
  platform: z.enum(['telegram', 'discord']),
  chatId: z.string(),
  threadId: z.string().nullable(),
  guildId: z.string().nullable(),
}) satisfies z.ZodType<ChatRef>;

export const chatRecordSchema = z.object({
  chat: chatRefSchema,
  title: z.string().nullable(),
  portals: z.array(z.string()),
  language: z.enum(['id', 'en']).nullable(),
  notifyDegraded: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<ChatRecord>;

export const outboxMessageSchema = z.object({
  key: z.string(),
  chat: chatRefSchema,
  transitionIds: z.array(z.string()),
}) satisfies z.ZodType<OutboxMessage>;

export const outboxBatchSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  transitions: z.array(pendingTransitionSchema),
  messages: z.array(outboxMessageSchema),
}) satisfies z.ZodType<OutboxBatch>;

/** The marker left under a message's idempotency key once it was delivered or dropped. */
export const deliveryMarkerSchema = z.object({ at: z.string(), result: z.string() });

const hourBucketSchema = z.object({
  checks: z.number(),
  failures: z.number(),
  latencySumMs: z.number(),
  latencyCount: z.number(),
  histogram: z.array(z.number()),
}) satisfies z.ZodType<HourBucket>;

export const dayRecordSchema = z.object({ day: z.string(), hours: z.record(z.string(), hourBucketSchema) }) satisfies z.ZodType<DayRecord>;

export const dailySummariesSchema = z.array(z.object({ day: z.string(), checks: z.number(), failures: z.number() })) satisfies z.ZodType<DailySummary[]>;

export const adHocMaintenanceListSchema = z.array(
  z.object({ portalId: z.string(), until: z.string(), reason: z.string(), by: z.string() }),
) satisfies z.ZodType<AdHocMaintenance[]>;

export const probeRecordsSchema = z
  .array(
    z.object({
      id: z.string().max(64),
      lastSeenAt: z.string().nullable(),
      online: z.boolean(),
      portals: z.number(),
      offline: z.boolean(),
      bootId: z.string().max(64).nullable(),
      seq: z.number(),
      sentAt: z.string().nullable(),
    }),
  )
  .max(1000) satisfies z.ZodType<ProbeRecord[]>;

/** A list of keys (the chat index, the outbox index). */
export const keyListSchema = z.array(z.string());

/** A record set aside as unreadable, under `quarantine:<key>:<time>`: where it was, why, when, and its stored text. */
export const quarantinedRecordSchema = z.object({ key: z.string(), problem: z.string(), at: z.string(), raw: z.string() });

// ---------------------------------------------------------------------------------------------
// Tender impact (src/core/tenders): one record per package, and the collector's per-portal state.
// Bounds match what the collector keeps, so a record that grew past them is set aside, not loaded.

import {
  MAX_BADGE_CHARS,
  MAX_BADGES,
  MAX_CELL_CHARS,
  MAX_END_CHANGES,
  MAX_KODE_CHARS,
  MAX_NAME_CHARS,
  MAX_STAGES,
  TENDER_BLOCK_CAUSES,
  TENDER_ERROR_CAUSES,
  type EndChange,
  type TenderPackage,
  type StageOccurrence,
  type TenderPortalState,
  type TenderStage,
} from '../core/tenders/types.js';

const tenderStageSchema = z.object({
  stage: z.string().max(MAX_CELL_CHARS),
  start: z.number().nullable(),
  end: z.number().nullable(),
  bidSubmission: z.boolean(),
  changes: z.number().nullable(),
}) satisfies z.ZodType<TenderStage>;

const endChangeSchema = z.object({
  stage: z.string().max(MAX_CELL_CHARS),
  occurrence: z.number(),
  previousEnd: z.number(),
  end: z.number().nullable(),
  seenAt: z.number(),
}) satisfies z.ZodType<EndChange>;

export const tenderPackageSchema = z.object({
  portalId: z.string().max(64),
  kode: z.string().max(MAX_KODE_CHARS),
  kind: z.enum(['tender', 'nontender']),
  name: z.string().max(MAX_NAME_CHARS),
  badges: z.array(z.string().max(MAX_BADGE_CHARS)).max(MAX_BADGES),
  agency: z.string().max(MAX_CELL_CHARS),
  stageText: z.string().max(MAX_CELL_CHARS),
  active: z.boolean(),
  rowFingerprint: z.string().max(64),
  schedule: z.array(tenderStageSchema).max(MAX_STAGES),
  scheduleChanges: z.number().nullable(),
  scheduleFetchedAt: z.number().nullable(),
  firstSeenAt: z.number(),
  lastSeenAt: z.number(),
  endChanges: z.array(endChangeSchema).max(MAX_END_CHANGES),
}) satisfies z.ZodType<TenderPackage>;

export const tenderPortalStateSchema = z.object({
  portalId: z.string().max(64),
  lastRefreshAt: z.number().nullable(),
  blockedCause: z.enum(TENDER_BLOCK_CAUSES).nullable(),
  blockedUntil: z.number().nullable(),
  backoffMs: z.number(),
  lastErrorCause: z.enum(TENDER_ERROR_CAUSES).nullable(),
  lastErrorAt: z.number().nullable(),
}) satisfies z.ZodType<TenderPortalState>;

/** The tender stages an ended outage hit (its evidence), at most a thousand. */
export const affectedStagesSchema = z
  .array(
    z.object({
      portalId: z.string().max(64),
      kode: z.string().max(24),
      kind: z.enum(['tender', 'nontender']),
      name: z.string().max(300),
      agency: z.string().max(300),
      active: z.boolean(),
      stage: z.string().max(300),
      stageIndex: z.number().int(),
      start: z.number().nullable(),
      end: z.number(),
      bidSubmission: z.boolean(),
    }),
  )
  .max(1000) satisfies z.ZodType<StageOccurrence[]>;
