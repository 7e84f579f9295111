import type { Logger } from 'pino';

/**
 * Stops once on SIGTERM/SIGINT and exits 0 (1 when stopping fails or outlasts `forceAfterMs`). A
 * second signal while stopping is logged, not fatal; a third forces the exit. An unhandled rejection
 * is logged and the process goes on. Shared by the bot's and the probe's entry points.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, forceAfterMs: number): void {
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, 'stopping');
      const forced = setTimeout(() => {
        logger.error('stop took too long; exiting');
        process.exit(1);
      }, forceAfterMs);
      forced.unref();
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while stopping');
          process.exit(1);
        },
      );
    } else if (signals === 2) {
      logger.warn({ signal }, 'already stopping; send the signal again to exit at once');
    } else {
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection; going on'));
}
