import { Api, Bot } from 'grammy';
import type { AppServices } from '../../app.js';
import { commands } from '../../../commands/registry.js';
import { createCommandDeps } from '../command-deps.js';
import type { ChatPlatform } from '../platform.js';
import { createTelegramAdapter } from './adapter.js';
import { createTelegramNotifier } from './notifier.js';

/** Telegram with TELEGRAM_BOT_TOKEN; TELEGRAM_API_ROOT points it at a self-hosted Bot API server. */
export function createTelegramPlatform(services: AppServices): ChatPlatform {
  const { env, telegram } = services.config;
  if (!env.telegramToken) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const client = env.telegramApiRoot ? { apiRoot: env.telegramApiRoot.replace(/\/+$/, '') } : {};
  const bot = new Bot(env.telegramToken, { client });
  // Alerts use their own client without retries: the outbox decides when to try again.
  const notifier = createTelegramNotifier(new Api(env.telegramToken, client), telegram);
  const adapter = createTelegramAdapter({
    bot,
    registry: commands,
    deps: createCommandDeps(services),
    services,
    pollTimeoutSeconds: telegram.pollTimeoutSeconds,
    logger: services.logger,
  });
  return { name: 'telegram', notifier, start: adapter.start, stop: adapter.stop } satisfies ChatPlatform;
}
