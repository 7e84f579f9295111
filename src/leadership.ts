import type { Logger } from 'pino';
import type { FenceControl } from './core/fence.js';
import type { ChatPlatform } from './platforms/types.js';
import type { Lease } from './store/leases.js';

/** What only the lease holder does: checks, the outbox. Started in order, stopped in reverse. */
export interface LeaderDuties {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LeadershipOptions {
  lease: Lease;
  /** This replica's name in the lease (`INSTANCE_ID`). */
  holder: string;
  ttlMs: number;
  /** Granted while the lease is proven; the check loop and the outbox act only while it holds. */
  fence: FenceControl;
  duties: LeaderDuties;
  /** Chat platforms run by the leader only: one poller per Telegram token, one gateway session. */
  platforms: readonly ChatPlatform[];
  logger: Logger;
  onChange?: (leader: boolean) => void;
  now?: () => number;
}

/** Whether the store answered the last lease round trips (every replica renews or asks). */
export interface StoreContact {
  /** When the store last answered a lease request. */
  okAt: number | null;
  /** The last lease request's error, until one succeeds again. */
  error: string | null;
}

export interface Leadership {
  /** Takes the lease if it is free (first tick), then keeps renewing it every third of its TTL. */
  start(): Promise<void>;
  /** Steps down (if leading) and releases the lease. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** Why the last attempt to take up the duties failed, while it keeps failing; null otherwise. */
  startError(): string | null;
  storeContact(): StoreContact;
}

class LeaseTimeoutError extends Error {
  override name = 'LeaseTimeoutError';
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LeaseTimeoutError(`${what}: the store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Who runs the checks, the outbox and the chat bots. With several replicas on one shared store,
 * exactly one holds the lease; the others serve HTTP and take over when it lapses.
 *
 * The lease is proven by its own clock: each renewal (started at t) grants acting until
 * t + TTL − margin, the earliest the store can let another replica take over. When that moment
 * passes without a renewal (the store is silent, the process was paused) this replica stops
 * acting at once — checks, sends and polling — without waiting to hear from the store.
 */
export function createLeadership(options: LeadershipOptions): Leadership {
  const { lease, holder, ttlMs, duties, platforms, fence } = options;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'leadership' });
  // Clocks of replicas differ a little (PostgreSQL's lease row carries the writer's clock).
  const marginMs = Math.min(2000, Math.round(ttlMs / 10));
  const requestTimeoutMs = Math.max(250, Math.round(ttlMs / 3));
  let leader = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let deadline: NodeJS.Timeout | null = null;
  let startError: string | null = null;
  const contact: StoreContact = { okAt: null, error: null };
  const platformRetries = new Set<NodeJS.Timeout>();

  function setLeader(value: boolean) {
    leader = value;
    options.onChange?.(value);
  }

  // A chat platform that cannot start (network down at boot, service outage) is tried again with
  // back-off for as long as this instance leads; monitoring does not wait for it.
  function startPlatform(platform: ChatPlatform, attempt: number) {
    platform.start().catch((error: unknown) => {
      if (!leader || stopping) return;
      const retryInMs = Math.min(300_000, 5_000 * 2 ** attempt);
      log.error({ err: error, platform: platform.name, retryInMs }, 'chat platform failed to start; retrying, monitoring goes on');
      const retry = setTimeout(() => {
        platformRetries.delete(retry);
        if (leader && !stopping) startPlatform(platform, attempt + 1);
      }, retryInMs);
      platformRetries.add(retry);
    });
  }

  /** Grants acting until the lease can lapse, and steps down by itself if no renewal extends it. */
  function prove(requestedAt: number, epoch: number) {
    fence.grant(requestedAt + ttlMs - marginMs, epoch);
    if (deadline) clearTimeout(deadline);
    deadline = setTimeout(() => {
      deadline = null;
      if (!leader || fence.valid()) return;
      log.warn({ ttlMs }, 'the lease could not be renewed in time; stopping checks, alerts and chat bots');
      void stepDown();
    }, Math.max(0, fence.until()! - now()) + 5);
    deadline.unref?.();
  }

  /**
   * All or nothing: leading means every duty runs. When one cannot start (the store fails mid-way),
   * what did start is stopped, the lease is released for another replica to try, and this one tries
   * again at the next tick; meanwhile health says so.
   */
  async function becomeLeader() {
    log.info('holding the lease: starting checks, alerts and chat bots');
    try {
      await duties.start();
    } catch (error) {
      startError = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, 'could not take up the duties of the lease holder; releasing the lease and trying again');
      fence.revoke();
      await duties.stop().catch((stopError: unknown) => log.warn({ err: stopError }, 'stopping half-started duties failed'));
      await lease.release(holder).catch(() => undefined);
      return;
    }
    startError = null;
    setLeader(true);
    for (const platform of platforms) startPlatform(platform, 0);
  }

  async function stepDown() {
    // Acting stops first; the rest is cleaning up.
    fence.revoke();
    if (deadline) clearTimeout(deadline);
    deadline = null;
    const wasLeader = leader;
    setLeader(false);
    for (const retry of platformRetries) clearTimeout(retry);
    platformRetries.clear();
    if (!wasLeader) return;
    await Promise.all(platforms.map((p) => p.stop().catch((error: unknown) => log.warn({ err: error, platform: p.name }, 'platform stop failed'))));
    await duties.stop().catch((error: unknown) => log.warn({ err: error }, 'stopping the duties failed'));
  }

  async function tick() {
    if (stopping) return;
    const requestedAt = now();
    try {
      const epoch = await withTimeout(lease.tryAcquire(holder, ttlMs), requestTimeoutMs, 'lease');
      contact.okAt = now();
      contact.error = null;
      if (epoch !== null && !stopping) {
        const term = fence.epoch();
        if (leader && term !== null && term !== epoch) {
          // The lease lapsed and was taken again (by us, or by another replica and back): a new
          // term starts from the store, not from what this one remembers.
          log.warn({ from: term, to: epoch }, 'the lease changed hands meanwhile; starting a new term');
          await stepDown();
        }
        prove(requestedAt, epoch);
        if (!leader) await becomeLeader();
      } else if (epoch === null && leader) {
        log.warn('another replica holds the lease; standing by');
        await stepDown();
      }
    } catch (error) {
      contact.error = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, 'lease request failed; the next tick tries again');
    }
    if (!stopping) timer = setTimeout(() => void tick(), Math.round(ttlMs / 3));
  }

  return {
    start: tick,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (timer) clearTimeout(timer);
      const wasLeader = leader;
      await stepDown();
      if (wasLeader) await lease.release(holder).catch(() => undefined);
    },
    isLeader: () => leader,
    startError: () => startError,
    storeContact: () => ({ ...contact }),
  };
}
