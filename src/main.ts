import { createApp, type App } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { proxySecrets } from './core/checker.js';
import { createLogger } from './logger.js';
import { stopOnSignals } from './shutdown.js';

/**
 * Composition root: read the config, build every part, start, and stop once on SIGTERM/SIGINT.
 * A second signal while stopping is logged, not fatal; a third forces the exit.
 */
async function main() {
  let pretty = Boolean(process.stdout.isTTY) && !process.env.NO_PRETTY_LOGS;
  if (pretty) {
    // pino-pretty is a development dependency; a pruned install logs JSON.
    pretty = await import('pino-pretty').then(() => true, () => false);
  }
  const env = process.env;
  // Every secret the environment holds is scrubbed from every log line, whatever library logs it.
  const probeTokens = (env.PROBE_TOKENS ?? '').split(',').map((entry) => entry.slice(entry.indexOf(':') + 1).trim());
  const secrets = [env.TELEGRAM_BOT_TOKEN ?? null, env.DISCORD_TOKEN ?? null, ...probeTokens];

  let config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // The config's proxy credentials are unknown here; a ConfigError never echoes a value.
      createLogger({ level: env.LOG_LEVEL ?? 'info', secrets, pretty }).fatal({ source: error.source, problems: error.problems }, error.message);
      process.exitCode = 78;
      return;
    }
    throw error;
  }
  // The proxies' credentials (check.proxyUrl, each portal's proxyUrl) are secrets too, in every form.
  for (const proxyUrl of [config.check.proxyUrl, ...(config.portals ?? []).map((portal) => portal.proxyUrl)]) secrets.push(...proxySecrets(proxyUrl));
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'info', secrets, pretty });

  let app: App;
  try {
    app = await createApp(config, { logger });
    await app.start();
  } catch (error) {
    logger.fatal({ err: error }, 'pantau-lpse could not start');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 1000).unref();
    return;
  }

  // Docker waits 10 s after SIGTERM: leave before it has to kill.
  stopOnSignals(logger, () => app.stop(), 8000);
}

void main();
