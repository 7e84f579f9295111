import type { AppServices } from '../app.js';
import type { Config } from '../config.js';
import type { ChatPlatform } from './platform.js';

/**
 * The chat platforms whose tokens are set; none is fine (monitor-only with the status page).
 * Each is loaded only when enabled: discord.js alone costs about 50 MB of memory.
 */
export async function createPlatforms(config: Config): Promise<Array<(services: AppServices) => ChatPlatform>> {
  const platforms: Array<(services: AppServices) => ChatPlatform> = [];
  if (config.env.telegramToken) platforms.push((await import('./telegram/index.js')).createTelegramPlatform);
  if (config.env.discordToken) platforms.push((await import('./discord/index.js')).createDiscordPlatform);
  return platforms;
}
