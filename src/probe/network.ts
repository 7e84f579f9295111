/**
 * Is the probe's own network down? The hub's monitor-offline rule, for a probe that checks portals
 * one by one rather than in cycles:
 *
 * - A check that got an answer (any HTTP status) proves the network works for it: never offline.
 * - A check that failed at the network level asks `check.referenceUrls` (addresses outside SPSE);
 *   their answer stands for {@link REFERENCE_VERDICT_MS}, and concurrent failures share one asking.
 *   When every reference fails, the failure was the probe's network, not the portal's.
 * - Without references (or with references that answer), it is offline when every check of the
 *   last {@link WINDOW_MS} failed at the network level across at least {@link OFFLINE_MIN_HOSTS}
 *   hosts: a single portal going down is never "offline".
 *
 * - A check through `check.proxyUrl` that failed because the proxy failed is offline at once: the
 *   proxy is the probe's network.
 *
 * Each observation is judged when it is made; the verdict travels with it (see backlog.ts).
 */
import type { Logger } from 'pino';
import { isAborted, isNetworkFailure, type Checker } from '../core/checker.js';
import type { Clock } from '../core/types.js';

/** How long the reference addresses' answer stands for (the hub's monitor uses the same). */
export const REFERENCE_VERDICT_MS = 30_000;
/** The span of recent checks the reference-free rule looks at. */
export const WINDOW_MS = 30_000;
export const OFFLINE_MIN_HOSTS = 3;
const MAX_WINDOW = 4096;

export interface NetworkJudge {
  /** A check got an answer: returns false (the observation is not offline). */
  answered(origin: string): boolean;
  /** A check failed at the network level: returns whether the probe's own network is down. */
  failed(origin: string): Promise<boolean>;
  /** The proxy the checks go through failed (connect, auth, its own error): that is this probe's network. Returns true. */
  proxyFailed(): boolean;
  /** The current belief, for reports that carry no observation. */
  readonly offline: boolean;
}

export interface NetworkJudgeOptions {
  referenceUrls: readonly string[];
  checker: Checker;
  clock: Clock;
  logger: Logger;
  verdictMs?: number;
  /** True once the probe is stopping: the references are not asked any more (the belief stands). */
  stopping?: () => boolean;
}

export function createNetworkJudge(options: NetworkJudgeOptions): NetworkJudge {
  const { checker, clock, logger: log } = options;
  const verdictMs = options.verdictMs ?? REFERENCE_VERDICT_MS;
  let verdict: { at: number; offline: boolean } | null = null;
  let asking: Promise<boolean> | null = null;
  const recent: Array<{ at: number; origin: string; failed: boolean }> = [];
  let offline = false;

  const record = (origin: string, failed: boolean) => {
    const now = clock.now();
    recent.push({ at: now, origin, failed });
    while (recent.length > MAX_WINDOW || (recent.length > 0 && now - recent[0]!.at > WINDOW_MS)) recent.shift();
  };

  const everyRecentFailed = () => {
    if (recent.length === 0 || recent.some((r) => !r.failed)) return false;
    return new Set(recent.map((r) => r.origin)).size >= OFFLINE_MIN_HOSTS;
  };

  const setOffline = (next: boolean, why: string) => {
    if (next === offline) return;
    offline = next;
    if (next) log.warn({ reason: why }, `this probe's own network looks down (${why}): its network-level failures are reported as offline until it recovers`);
    else log.info('this probe\'s own network answers again');
  };

  /** Every reference address failed; asked at most once per verdictMs. */
  async function referencesDown(): Promise<boolean> {
    const now = clock.now();
    if (verdict && now - verdict.at <= verdictMs) return verdict.offline;
    if (options.stopping?.()) return verdict?.offline ?? offline;
    asking ??= (async () => {
      const checks = await Promise.all(options.referenceUrls.map((url, i) => checker.check({ id: `reference-${i}`, url })));
      // Stopping: the references said nothing; keep what was known.
      if (checks.some(isAborted)) return verdict?.offline ?? offline;
      verdict = { at: clock.now(), offline: checks.every((c) => isNetworkFailure(c.failure)) };
      log.debug({ offline: verdict.offline, references: checks.length }, 'asked the reference addresses');
      return verdict.offline;
    })().finally(() => {
      asking = null;
    });
    return asking;
  }

  return {
    answered(origin) {
      record(origin, false);
      // A verdict past its time is not renewed by answers: the network works.
      if (verdict && clock.now() - verdict.at > verdictMs) verdict = null;
      if (!verdict?.offline) setOffline(false, '');
      return false;
    },
    async failed(origin) {
      record(origin, true);
      const references = options.referenceUrls.length > 0 && (await referencesDown());
      const down = references || everyRecentFailed();
      setOffline(down, references ? 'every reference address failed' : `every check of the last ${WINDOW_MS / 1000} s failed at the network level`);
      return down;
    },
    proxyFailed() {
      setOffline(true, 'the proxy failed');
      return true;
    },
    get offline() {
      return offline;
    },
  };
}
