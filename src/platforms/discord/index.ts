import { REST } from 'discord.js';
import type { ChatPlatform, LoadedPlatform } from '../types.js';
import { createDiscordAdapter } from './adapter.js';
import { createDiscordNotifier } from './notifier.js';
import type { DiscordSettings } from './settings.js';

/**
 * Rate limits shorter than this are waited out by @discordjs/rest inside the send; longer ones
 * come back to the outbox as `rate_limited`, which waits without holding a delivery slot.
 */
const OUTBOX_WAITS_LONGER_THAN_MS = 10_000;

export interface DiscordPlatform extends ChatPlatform {
  readonly name: 'discord';
  /** Resolves once logged in with slash commands in sync (for callers that need the bot up). */
  whenReady(): Promise<void>;
}

/**
 * Discord with DISCORD_TOKEN. DISCORD_API_ROOT points REST (and so the gateway address from
 * `GET /gateway/bot`) at a proxy or a fake; DISCORD_GUILD_ID registers the commands in one guild.
 */
export function loadDiscord(settings: DiscordSettings): LoadedPlatform<DiscordPlatform> {
  // Alerts use a REST client of their own: no hidden retries of 5xx (the outbox retries with
  // back-off) and a token that does not depend on the gateway session being up.
  const rest = new REST({
    api: settings.apiRoot,
    retries: 0,
    rejectOnRateLimit: (limit) => limit.retryAfter > OUTBOX_WAITS_LONGER_THAN_MS,
  }).setToken(settings.token);
  const notifier = createDiscordNotifier(rest);
  return {
    name: 'discord',
    notifier,
    connect(deps) {
      const adapter = createDiscordAdapter({ settings, deps });
      return { name: 'discord', notifier, start: adapter.start, stop: adapter.stop, whenReady: adapter.whenReady } satisfies DiscordPlatform;
    },
  };
}
