import type { Logger } from 'pino';
import type { Store } from './open-store.js';

const HOUR_MS = 3_600_000;
/** Calls per sweep at most; each deletes a bounded batch, so a year's backlog goes over several hours. */
const ROUNDS_PER_SWEEP = 20;

/**
 * Deletes expired records (hourly buckets past their retention, old delivery markers) every hour
 * on the lease holder: SQLite and PostgreSQL keep Keyv's expired keys until someone deletes them.
 * Each round is bounded and spaced a second apart, so the store never stalls for it.
 */
export function createSweeper(options: { store: Pick<Store, 'sweep'>; logger: Logger; everyMs?: number }) {
  const log = options.logger.child({ component: 'store' });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  async function sweep() {
    for (let round = 0; round < ROUNDS_PER_SWEEP && !stopped; round++) {
      // Keyv stamps `expires` from Date.now(), so the sweep compares with it too.
      const { deleted, more } = await options.store.sweep(Date.now());
      if (deleted) log.info({ deleted }, 'expired store records deleted');
      if (!more) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  const run = () => {
    running ??= sweep()
      .catch((error: unknown) => log.warn({ err: error }, 'store sweep failed; the next one tries again'))
      .finally(() => {
        running = null;
      });
  };

  return {
    start() {
      stopped = false;
      run();
      timer = setInterval(run, options.everyMs ?? HOUR_MS);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
