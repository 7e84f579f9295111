import { z } from 'zod';

export const DEFAULT_DISCORD_API_ROOT = 'https://discord.com/api';

/** The `discord:` section of the config file (nothing to set yet; kept so that a typo is an error). */
export const discordSection = z.object({}).strict();

/** What Discord runs with: its environment. */
export interface DiscordSettings {
  /** `DISCORD_TOKEN` (secret). */
  token: string;
  /** `DISCORD_API_ROOT`: REST root without the version (proxies, tests). */
  apiRoot: string;
  /** `DISCORD_APPLICATION_ID`: used when READY carries no application id. */
  applicationId: string | null;
  /** `DISCORD_GUILD_ID`: register commands in this guild only (development: they update at once). */
  guildId: string | null;
}

export function discordFromEnv(env: Record<string, string | undefined>): DiscordSettings | null {
  const text = (name: string) => env[name]?.trim() || null;
  const token = text('DISCORD_TOKEN');
  if (!token) return null;
  return {
    token,
    apiRoot: (text('DISCORD_API_ROOT') ?? DEFAULT_DISCORD_API_ROOT).replace(/\/+$/, ''),
    applicationId: text('DISCORD_APPLICATION_ID'),
    guildId: text('DISCORD_GUILD_ID'),
  };
}
