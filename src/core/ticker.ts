import cron, { type ScheduledTask } from 'node-cron';

/** What drives the check loop: calls `tick` until stopped. Tests pass one they tick by hand. */
export interface Ticker {
  start(tick: () => void): void;
  stop(): Promise<void>;
}

/**
 * node-cron ticking every second. Which portals are due is decided per portal at each tick, so
 * intervals are not bound to what a cron expression can say.
 */
export function everySecond(name = 'pantau-check-cycle'): Ticker {
  let task: ScheduledTask | null = null;
  return {
    start(tick) {
      task = cron.schedule('* * * * * *', tick, { noOverlap: true, name });
    },
    async stop() {
      await task?.stop();
      task = null;
    },
  };
}
