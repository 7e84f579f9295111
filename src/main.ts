import pino from 'pino';
import { createApp, type App } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { createPlatforms } from './platforms/index.js';
import { createPageRenderers } from './http/pages.js';

/**
 * Composition root: read the config, build every part, start, and stop once on SIGTERM/SIGINT.
 * A second signal while stopping is logged, not fatal; a third forces the exit.
 */
async function main() {
  const pretty = process.stdout.isTTY && !process.env.NO_PRETTY_LOGS;
  let transport: pino.TransportSingleOptions | undefined;
  if (pretty) {
    try {
      await import('pino-pretty');
      transport = { target: 'pino-pretty', options: { translateTime: 'SYS:standard', ignore: 'pid,hostname' } };
    } catch {
      transport = undefined;
    }
  }
  const logger = pino({
    level: process.env.LOG_LEVEL ?? 'info',
    // Tokens must never reach a log line, whatever object is logged.
    redact: { paths: ['*.token', '*.*.token', 'token', 'config.env.telegramToken', 'config.env.discordToken', '*.authorization', '*.headers.authorization'], censor: '[redacted]' },
    ...(transport ? { transport } : {}),
  });

  let config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal({ source: error.source, problems: error.problems }, error.message);
      process.exitCode = 78;
      return;
    }
    throw error;
  }

  let app: App;
  try {
    app = await createApp(config, { logger, platforms: createPlatforms(config), renderers: createPageRenderers });
    await app.start();
  } catch (error) {
    logger.fatal({ err: error }, 'pantau-lpse could not start');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 1000).unref();
    return;
  }

  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, 'stopping');
      // Docker waits 10 s after SIGTERM: leave before it has to kill.
      const forced = setTimeout(() => {
        logger.error('stop took too long; exiting');
        process.exit(1);
      }, 8000);
      forced.unref();
      app.stop().then(
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

void main();
