/**
 * What a probe and its hub say to each other over HTTP(S). A probe runs the same checker and
 * classifier as the hub in another network and reports what it saw; the hub decides. Both sides
 * validate what they receive with these schemas: each is the other's hostile input.
 *
 * - `GET  /api/probe/assignment` → {@link Assignment}: which portals to check, how often.
 * - `POST /api/probe/reports` with a {@link ProbeReport} → {@link ReportReceipt}.
 *
 * A probe authenticates with `Authorization: Bearer <token>` and `X-Probe-Id: <id>` (PROBE_ID and
 * PROBE_TOKEN on the probe, PROBE_TOKENS on the hub).
 */
import { z } from 'zod';
import { CAUSES } from '../types.js';

/** What a probe may send in one report, at most: a 600-portal round and its backlog fit easily. */
export const MAX_REPORT_BYTES = 4 * 1024 * 1024;
export const MAX_OBSERVATIONS_PER_REPORT = 20_000;
/** How far a report's clock may be from the hub's before it is refused as replayed or forged. */
export const MAX_REPORT_SKEW_MS = 5 * 60_000;

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, . _ - only');

export const assignmentSchema = z.object({
  /** Changes whenever the portals or their intervals change: the probe fetches again. */
  version: z.string().max(64),
  retryIntervalSeconds: z.number().min(1).max(3600),
  /** How often the probe should send what it has, at the latest. */
  reportEverySeconds: z.number().min(1).max(3600),
  portals: z
    .array(
      z.object({
        id: z.string().min(1).max(64),
        url: z.url({ protocol: /^https?$/ }).max(2048),
        intervalSeconds: z.number().min(1).max(86_400),
        expectText: z.string().max(1000).optional(),
      }),
    )
    .max(10_000),
});
export type Assignment = z.infer<typeof assignmentSchema>;

export const observationSchema = z.object({
  portalId: z.string().min(1).max(64),
  /** When the check started (epoch ms). */
  at: z.number().int().nonnegative(),
  state: z.enum(['up', 'degraded', 'down', 'blocked']),
  cause: z.enum(CAUSES),
  httpStatus: z.number().int().min(100).max(599).nullable(),
  errorCode: z.string().max(20).regex(/^[0-9A-Za-z]+$/).nullable(),
  detail: z.string().max(300),
  latencyMs: z.number().nonnegative().max(3_600_000).nullable(),
  /** Nothing answered at all (DNS, connect, TLS, timeout): feeds the probe's own offline rule. */
  networkLevel: z.boolean(),
});
export type Observation = z.infer<typeof observationSchema>;

export const reportSchema = z.object({
  probeId: id,
  /** A random id per probe process: with `seq` it tells a replayed report from a restarted probe. */
  bootId: z.string().min(8).max(64),
  seq: z.number().int().nonnegative(),
  /** The probe's clock when it sent the report (ISO). */
  sentAt: z.iso.datetime(),
  /**
   * The probe's own network: every reference address failed (its monitor-offline rule). It applies
   * to every observation of the report: the hub takes none of them.
   */
  offline: z.boolean(),
  /** Observations dropped from a full backlog while the hub was unreachable. */
  dropped: z.number().int().nonnegative().max(1e12),
  observations: z.array(observationSchema).max(MAX_OBSERVATIONS_PER_REPORT),
});
export type ProbeReport = z.infer<typeof reportSchema>;

export const receiptSchema = z.object({
  accepted: z.number().int().nonnegative(),
  /** The assignment's current version: fetch it again when it differs from the one held. */
  version: z.string().max(64),
  /** Portals some vantage point sees failing: check them again after the retry interval. */
  recheck: z.array(z.string().max(64)).max(10_000),
});
export type ReportReceipt = z.infer<typeof receiptSchema>;

export const PROBE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
