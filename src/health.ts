import type { MonitorHealth } from './core/monitor.js';
import type { StoreContact } from './leadership.js';

/** What `/healthz` answers: 200 only when `status` is `ok`. */
export interface HealthReport extends MonitorHealth {
  /**
   * `ok`; `store_unreachable` (the store did not answer the last lease request); `cannot_lead`
   * (this replica took the lease but could not start its duties); `stopped` (it leads but its loop
   * is not running); `overdue` (the loop runs but made no progress).
   */
  status: 'ok' | 'store_unreachable' | 'cannot_lead' | 'stopped' | 'overdue';
  role: 'leader' | 'standby';
  /** What went wrong, while it does. */
  error: string | null;
  /** When the store last answered (ISO), or null. */
  storeOkAt: string | null;
}

export interface LeadershipHealth {
  leader: boolean;
  startError: string | null;
  /** Every replica asks the store for the lease every third of its TTL: the store's heartbeat. */
  store?: StoreContact;
}

/**
 * Health never says ok while the watch has stopped or cannot work: a leader must be running a loop
 * that makes progress, a replica that took the lease but cannot start says so, and a store that
 * does not answer makes every replica unhealthy (a standby that cannot reach it could not take
 * over). A standby with a reachable store is healthy.
 */
export function healthReport(monitor: MonitorHealth, leadership: LeadershipHealth): HealthReport {
  const role = leadership.leader ? 'leader' : 'standby';
  const storeError = leadership.store?.error ?? null;
  const status = storeError
    ? 'store_unreachable'
    : leadership.startError
      ? 'cannot_lead'
      : leadership.leader && !monitor.running
        ? 'stopped'
        : monitor.overdue
          ? 'overdue'
          : 'ok';
  const okAt = leadership.store?.okAt;
  return { ...monitor, status, role, error: storeError ?? leadership.startError, storeOkAt: okAt ? new Date(okAt).toISOString() : null };
}
