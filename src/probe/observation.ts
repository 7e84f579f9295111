/**
 * A check and its classification as the protocol's {@link Observation}: every field within the
 * schema's bounds (detail ≤ 300 characters, a `Kode Error` of ≤ 20 letters and digits or none, an
 * HTTP status the schema accepts), so one odd portal can never make a report the hub refuses.
 */
import { observationSchema, type Observation } from '../core/vantage/protocol.js';
import type { CheckResult, Classification } from '../core/types.js';

export const MAX_DETAIL_CHARS = 300;
const ERROR_CODE = /^[0-9A-Za-z]{1,20}$/;
const MAX_LATENCY_MS = 3_600_000;

export function toObservation(result: CheckResult, classification: Classification): Observation {
  const status = classification.httpStatus;
  const latency = result.status !== null ? Math.round(result.totalMs) : null;
  return {
    portalId: result.portalId,
    at: Math.max(0, Math.floor(result.startedAt)),
    state: classification.state,
    cause: classification.cause,
    httpStatus: status !== null && Number.isInteger(status) && status >= 100 && status <= 599 ? status : null,
    errorCode: classification.errorCode !== null && ERROR_CODE.test(classification.errorCode) ? classification.errorCode : null,
    detail: classification.detail.length > MAX_DETAIL_CHARS ? `${classification.detail.slice(0, MAX_DETAIL_CHARS - 1)}…` : classification.detail,
    latencyMs: latency !== null && Number.isFinite(latency) ? Math.min(Math.max(0, latency), MAX_LATENCY_MS) : null,
    networkLevel: classification.networkLevel,
  };
}

/** The observation when it matches the protocol, else the reason (the caller logs it and skips it). */
export function checkedObservation(observation: Observation): { ok: true; value: Observation } | { ok: false; reason: string } {
  const parsed = observationSchema.safeParse(observation);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 300) };
}
