import cron, { type ScheduledTask } from 'node-cron';

/** What drives the check loop: calls `tick` until stopped. Tests pass one they tick by hand. */
export interface Ticker {
  start(tick: () => void): void;
  stop(): Promise<void>;
}

/** How often missed ticks are reported at most: a paused process misses one a second. */
const MISSED_REPORT_MS = 60_000;

/**
 * node-cron ticking every second. Which portals are due is decided per portal at each tick, so
 * intervals are not bound to what a cron expression can say. Ticks missed while the process was
 * paused or busy are counted and reported once (`onMissed`), not one warning each.
 */
export function everySecond(options: { name?: string; onMissed?: (count: number) => void } = {}): Ticker {
  let task: ScheduledTask | null = null;
  let missed = 0;
  let report: NodeJS.Timeout | null = null;
  const flush = () => {
    report = null;
    if (missed > 0) options.onMissed?.(missed);
    missed = 0;
  };
  return {
    start(tick) {
      task = cron.schedule('* * * * * *', tick, { noOverlap: true, name: options.name ?? 'pantau-check-cycle' });
      task.on('execution:missed', () => {
        missed += 1;
        report ??= setTimeout(flush, MISSED_REPORT_MS).unref();
      });
    },
    async stop() {
      await task?.stop();
      task = null;
      if (report) clearTimeout(report);
      flush();
    },
  };
}
