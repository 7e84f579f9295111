import { ConfigError, readConfig } from '../config.js';
import { proxySecrets } from '../core/checker.js';
import { createLogger } from '../logger.js';
import { stopOnSignals } from '../shutdown.js';
import { createProbe } from './probe.js';
import { ProbeSettingsError, readProbeSettings } from './settings.js';

/**
 * A probe's composition root: PROBE_HUB_URL, PROBE_ID, PROBE_TOKEN, LOG_LEVEL from the environment,
 * the `check.*` settings from CONFIG_PATH; checks the hub's assignment and reports to it until
 * SIGTERM/SIGINT. No store, no chat platforms, no HTTP server: a small process for a small machine.
 *
 * Exit codes: 0 stopped cleanly, 78 bad environment or config file, 1 could not stop in time.
 */
async function main() {
  const env = process.env;
  let pretty = Boolean(process.stdout.isTTY) && !env.NO_PRETTY_LOGS;
  if (pretty) {
    // pino-pretty is a development dependency; a pruned install logs JSON.
    pretty = await import('pino-pretty').then(() => true, () => false);
  }
  // The config is read before the logger exists so that the proxy's credentials are scrubbed too;
  // its problems are logged right after.
  let configError: ConfigError | null = null;
  let config: ReturnType<typeof readConfig> | null = null;
  try {
    config = readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configError = error;
  }
  const level = env.LOG_LEVEL?.trim() || 'info';
  const logger = createLogger({
    level: /^(fatal|error|warn|info|debug|trace|silent)$/.test(level) ? level : 'info',
    secrets: [env.PROBE_TOKEN?.trim() ?? null, ...proxySecrets(config?.check.proxyUrl)],
    pretty,
  });

  let settings: ReturnType<typeof readProbeSettings> | null = null;
  try {
    settings = readProbeSettings(env);
  } catch (error) {
    if (!(error instanceof ProbeSettingsError)) throw error;
    logger.fatal({ problems: error.problems }, error.message);
  }
  if (configError) logger.fatal({ source: configError.source, problems: configError.problems }, configError.message);
  if (!settings || !config) {
    process.exitCode = 78;
    return;
  }
  for (const warning of settings.warnings) logger.warn(warning);

  const probe = createProbe({ hubUrl: settings.hubUrl, probeId: settings.probeId, token: settings.token, check: config.check, logger });
  probe.start();

  // The last report has 2 s; closing connections up to 1 s more. Leave well before Docker's 10 s.
  stopOnSignals(logger, () => probe.stop(), 5000);
}

void main();
