import { Api, Bot } from 'grammy';
import type { ChatPlatform, LoadedPlatform } from '../types.js';
import { createTelegramAdapter } from './adapter.js';
import { createTelegramNotifier } from './notifier.js';
import type { TelegramSettings } from './settings.js';

/** Telegram with TELEGRAM_BOT_TOKEN; TELEGRAM_API_ROOT points it at a self-hosted Bot API server. */
export function loadTelegram(settings: TelegramSettings): LoadedPlatform {
  const client = settings.apiRoot ? { apiRoot: settings.apiRoot } : {};
  // Alerts use their own client without retries: the outbox decides when to try again.
  const notifier = createTelegramNotifier(new Api(settings.token, client), settings);
  return {
    name: 'telegram',
    notifier,
    connect(deps) {
      const adapter = createTelegramAdapter({ bot: new Bot(settings.token, { client }), deps, pollTimeoutSeconds: settings.pollTimeoutSeconds });
      return { name: 'telegram', notifier, start: adapter.start, stop: adapter.stop } satisfies ChatPlatform;
    },
  };
}
