/**
 * The chat platforms the bot can speak on. Each entry owns its config file section (validated with
 * the rest of the config at start-up) and its environment variables, and is loaded only when its
 * token is set: discord.js alone costs about 50 MB of memory. None enabled is fine (monitor-only).
 *
 * A new platform: its folder with a `settings.ts` (section schema, environment) and an `index.ts`
 * (adapter and notifier behind {@link ChatPlatform}), and one entry here.
 */
import { z } from 'zod';
import { discordFromEnv, discordSection, type DiscordSettings } from './discord/settings.js';
import { telegramFromEnv, telegramSection, type TelegramSettings } from './telegram/settings.js';
import type { LoadedPlatform } from './types.js';

/** The config file sections the platforms own, keyed by their section name. */
export const platformSections = {
  telegram: telegramSection.default(telegramSection.parse({})),
  discord: discordSection.default({}),
};

export type PlatformSections = { [K in keyof typeof platformSections]: z.infer<(typeof platformSections)[K]> };

/** Each platform's settings, or null when its token is not set. */
export interface PlatformSettings {
  telegram: TelegramSettings | null;
  discord: DiscordSettings | null;
}

export function platformSettings(sections: PlatformSections, env: Record<string, string | undefined>): PlatformSettings {
  const telegram = telegramFromEnv(env);
  return {
    telegram: telegram ? { ...sections.telegram, ...telegram } : null,
    discord: discordFromEnv(env),
  };
}

/** Loads the enabled platforms' code, with their notifiers ready and their adapters not yet connected. */
export async function loadPlatforms(settings: PlatformSettings): Promise<LoadedPlatform[]> {
  const loaded: LoadedPlatform[] = [];
  if (settings.telegram) loaded.push((await import('./telegram/index.js')).loadTelegram(settings.telegram));
  if (settings.discord) loaded.push((await import('./discord/index.js')).loadDiscord(settings.discord));
  return loaded;
}
