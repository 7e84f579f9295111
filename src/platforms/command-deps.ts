import type { AppServices } from '../app.js';
import type { CommandDeps, CommandDefinition, CommandInput, Reply } from '../../commands/types.js';
import { t } from '../../commands/types.js';

/** The dependencies every command gets, built once per platform from the app's services. */
export function createCommandDeps(services: AppServices): CommandDeps {
  return {
    catalog: services.catalog,
    subscriptions: services.subscriptions,
    status: services.status,
    history: services.history,
    maintenance: services.maintenance,
    clock: services.clock,
    timezone: services.config.timezone,
    defaultLanguage: services.config.language,
    publicUrl: services.config.publicUrl ?? null,
    async stats() {
      const statuses = [...services.monitor.statuses().values()];
      const count = (state: string) => statuses.filter((s) => s.state === state).length;
      const chats = services.subscriptions.all();
      const health = services.monitor.health();
      return {
        portals: statuses.length,
        up: count('up'),
        degraded: count('degraded'),
        down: count('down'),
        blocked: count('blocked'),
        chats: chats.length,
        subscriptions: chats.reduce((sum, c) => sum + c.portals.length, 0),
        lastCycle: health.lastCycleFinishedAt ? new Date(health.lastCycleFinishedAt).toISOString() : '-',
        offline: health.offline ? 'yes' : 'no',
        store: services.store.kind,
      };
    },
  };
}

/**
 * Runs a command so that nothing it does can take the bot down: an exception becomes a polite
 * error reply and a log line with the cause.
 */
export async function runCommandSafely(
  definition: CommandDefinition,
  input: CommandInput,
  deps: CommandDeps,
  services: Pick<AppServices, 'logger'>,
): Promise<Reply> {
  try {
    return await definition.run(input, deps);
  } catch (error) {
    services.logger.error({ err: error, command: definition.name, chat: input.context.chat }, 'command failed');
    return {
      tone: 'error',
      ephemeral: true,
      lines: [[t(input.language, { id: 'Maaf, terjadi kesalahan saat menjalankan perintah ini. Coba lagi sebentar lagi.', en: 'Sorry, something went wrong running this command. Please try again shortly.' })]],
    };
  }
}
