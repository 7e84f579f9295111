import type { AppServices } from '../app.js';
import type { Config } from '../config.js';
import { createDiscordPlatform } from './discord/index.js';
import type { ChatPlatform } from './platform.js';
import { createTelegramPlatform } from './telegram/index.js';

/** The chat platforms whose tokens are set; none is fine (monitor-only with the status page). */
export function createPlatforms(config: Config): Array<(services: AppServices) => ChatPlatform> {
  const platforms: Array<(services: AppServices) => ChatPlatform> = [];
  if (config.env.telegramToken) platforms.push(createTelegramPlatform);
  if (config.env.discordToken) platforms.push(createDiscordPlatform);
  return platforms;
}
