import type { Logger } from 'pino';
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
  duties: LeaderDuties;
  /** Chat platforms run by the leader only: one poller per Telegram token, one gateway session. */
  platforms: readonly ChatPlatform[];
  logger: Logger;
  onChange?: (leader: boolean) => void;
}

export interface Leadership {
  /** Takes the lease if it is free (first tick), then keeps renewing it every third of its TTL. */
  start(): Promise<void>;
  /** Steps down (if leading) and releases the lease. */
  stop(): Promise<void>;
  isLeader(): boolean;
}

/**
 * Who runs the checks, the outbox and the chat bots. With several replicas on one shared store,
 * exactly one holds the lease; the others serve HTTP and take over when it lapses.
 */
export function createLeadership(options: LeadershipOptions): Leadership {
  const { lease, holder, ttlMs, duties, platforms } = options;
  const log = options.logger.child({ component: 'leadership' });
  let leader = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
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

  async function becomeLeader() {
    setLeader(true);
    log.info('holding the lease: running checks, alerts and chat bots');
    await duties.start();
    for (const platform of platforms) startPlatform(platform, 0);
  }

  async function stepDown() {
    setLeader(false);
    for (const retry of platformRetries) clearTimeout(retry);
    platformRetries.clear();
    await Promise.all(platforms.map((p) => p.stop().catch((error: unknown) => log.warn({ err: error, platform: p.name }, 'platform stop failed'))));
    await duties.stop();
  }

  async function tick() {
    if (stopping) return;
    try {
      const held = await lease.tryAcquire(holder, ttlMs);
      if (held && !leader) await becomeLeader();
      else if (!held && leader) {
        log.warn('lost the lease to another instance; standing by');
        await stepDown();
      }
    } catch (error) {
      log.error({ err: error }, 'lease check failed; the next tick tries again');
    }
    if (!stopping) timer = setTimeout(() => void tick(), ttlMs / 3);
  }

  return {
    start: tick,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (timer) clearTimeout(timer);
      if (leader) {
        await stepDown();
        await lease.release(holder).catch(() => undefined);
      }
    },
    isLeader: () => leader,
  };
}
