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
} from '../core/types.js';

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
}) satisfies z.ZodType<Transition>;

export const pendingTransitionSchema = transitionSchema.extend({ cycleId: z.string() }) satisfies z.ZodType<PendingTransition>;

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

/** A list of keys (the chat index, the outbox index). */
export const keyListSchema = z.array(z.string());

/** A record set aside as unreadable, under `quarantine:<key>:<time>`: where it was, why, when, and its stored text. */
export const quarantinedRecordSchema = z.object({ key: z.string(), problem: z.string(), at: z.string(), raw: z.string() });
