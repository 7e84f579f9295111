import { REST } from 'discord.js';
import type { AppServices } from '../../app.js';
import { commands } from '../../../commands/registry.js';
import { createCommandDeps } from '../command-deps.js';
import type { ChatPlatform } from '../platform.js';
import { createDiscordAdapter } from './adapter.js';
import { createDiscordNotifier } from './notifier.js';

export const DEFAULT_DISCORD_API_ROOT = 'https://discord.com/api';

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
export function createDiscordPlatform(services: AppServices): DiscordPlatform {
  const { env } = services.config;
  if (!env.discordToken) throw new Error('DISCORD_TOKEN is not set');
  const apiRoot = (env.discordApiRoot ?? DEFAULT_DISCORD_API_ROOT).replace(/\/+$/, '');
  // Alerts use a REST client of their own: no hidden retries of 5xx (the outbox retries with
  // back-off) and a token that does not depend on the gateway session being up.
  const rest = new REST({
    api: apiRoot,
    retries: 0,
    rejectOnRateLimit: (limit) => limit.retryAfter > OUTBOX_WAITS_LONGER_THAN_MS,
  }).setToken(env.discordToken);
  const notifier = createDiscordNotifier({ rest, status: services.status, logger: services.logger.child({ component: 'discord-notifier' }) });
  const adapter = createDiscordAdapter({
    token: env.discordToken,
    apiRoot,
    applicationId: env.discordApplicationId,
    guildId: env.discordGuildId,
    registry: commands,
    deps: createCommandDeps(services),
    services,
    logger: services.logger,
  });
  return {
    name: 'discord',
    notifier,
    start: adapter.start,
    stop: adapter.stop,
    whenReady: adapter.whenReady,
  } satisfies DiscordPlatform;
}
