import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MonitorMetrics } from './core/monitor.js';
import type { PortalState, PortalStatus } from './core/types.js';

const STATES: PortalState[] = ['up', 'degraded', 'down', 'blocked', 'unknown', 'maintenance'];

/** Prometheus metrics, named by Prometheus conventions (`pantau_` prefix, base units, `_total`). */
export function createMetrics() {
  const registry = new Registry();
  // Process and Node.js metrics under their standard names (`process_resident_memory_bytes`,
  // `process_start_time_seconds`): dashboards and alert rules everywhere expect them so.
  collectDefaultMetrics({ register: registry });
  const portalUp = new Gauge({ name: 'pantau_portal_up', help: '1 when the portal is up or degraded, 0 otherwise', labelNames: ['portal'], registers: [registry] });
  const portalState = new Gauge({ name: 'pantau_portal_state', help: '1 for the current confirmed state of the portal', labelNames: ['portal', 'state'], registers: [registry] });
  const checkDuration = new Histogram({
    name: 'pantau_check_duration_seconds',
    help: 'Time to check a portal (whole GET including body)',
    labelNames: ['portal'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
    registers: [registry],
  });
  const checksTotal = new Counter({ name: 'pantau_checks_total', help: 'Checks by observed state and cause', labelNames: ['state', 'cause'], registers: [registry] });
  const cycleDuration = new Histogram({ name: 'pantau_cycle_duration_seconds', help: 'Duration of a check cycle', buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300], registers: [registry] });
  const monitorOffline = new Gauge({ name: 'pantau_monitor_offline', help: '1 while the monitor judges its own network down', registers: [registry] });
  const alertsSent = new Counter({ name: 'pantau_alerts_sent_total', help: 'Alert deliveries by platform and result', labelNames: ['platform', 'result'], registers: [registry] });
  // Read when scraped: the outbox is built after the metrics.
  let pendingAlerts: () => number = () => 0;
  new Gauge({
    name: 'pantau_outbox_pending',
    help: 'Alert messages queued or in flight',
    registers: [registry],
    collect() {
      this.set(pendingAlerts());
    },
  });
  const isLeader = new Gauge({ name: 'pantau_leader', help: '1 when this instance holds the lease and runs checks and bots', registers: [registry] });
  const probeUp = new Gauge({ name: 'pantau_probe_up', help: '1 while a probe reports (and its own network is up), 0 otherwise', labelNames: ['probe'], registers: [registry] });
  const probeReports = new Counter({ name: 'pantau_probe_reports_total', help: 'Probe reports by result (accepted, unauthorized, malformed, too_large, replayed, unknown_portal, …)', labelNames: ['probe', 'result'], registers: [registry] });
  const tenderErrors = new Counter({ name: 'pantau_tender_errors_total', help: 'Problems while collecting tender data, by portal and cause', labelNames: ['portal', 'cause'], registers: [registry] });
  const tenderRequests = new Counter({ name: 'pantau_tender_requests_total', help: 'Tender page requests by endpoint and HTTP status', labelNames: ['endpoint', 'status'], registers: [registry] });
  const intervalStretch = new Gauge({
    name: 'pantau_check_interval_stretch',
    help: 'Factor by which an origin\'s check intervals are stretched to fit its request budget (1 = as configured)',
    labelNames: ['origin'],
    registers: [registry],
  });

  const exportedState = new Map<string, PortalState>();
  const monitor: MonitorMetrics = {
    observeCheck(portalId, classification, latencyMs) {
      checksTotal.inc({ state: classification.state, cause: classification.cause });
      if (latencyMs !== null) checkDuration.observe({ portal: portalId }, latencyMs / 1000);
    },
    observeCycle(durationMs, _checks, offline) {
      cycleDuration.observe(durationMs / 1000);
      monitorOffline.set(offline ? 1 : 0);
    },
    setStretch(origin, factor) {
      intervalStretch.set({ origin }, factor);
    },
    setState(portalId: string, status: PortalStatus) {
      // Seven label lookups per portal per cycle add up; only a change needs them.
      if (exportedState.get(portalId) === status.state) return;
      exportedState.set(portalId, status.state);
      portalUp.set({ portal: portalId }, status.state === 'up' || status.state === 'degraded' ? 1 : 0);
      for (const state of STATES) portalState.set({ portal: portalId, state }, status.state === state ? 1 : 0);
    },
  };
  return {
    registry,
    monitor,
    alertsSent,
    isLeader,
    probeUp,
    probeReports,
    tenderErrors,
    tenderRequests,
    countPendingAlertsWith(count: () => number) {
      pendingAlerts = count;
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
