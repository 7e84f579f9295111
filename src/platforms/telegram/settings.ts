import { z } from 'zod';

/**
 * The `telegram:` section of the config file. Telegram's limits: the notifier keeps under them so a
 * burst to thousands of chats is never banned.
 */
export const telegramSection = z
  .object({
    messagesPerSecond: z.number().positive().default(25),
    messagesPerMinutePerGroup: z.number().positive().default(20),
    messagesPerSecondPerChat: z.number().positive().default(1),
    pollTimeoutSeconds: z.number().int().min(0).max(50).default(30),
  })
  .strict();

/** What Telegram runs with: its config section and its environment. */
export interface TelegramSettings extends z.infer<typeof telegramSection> {
  /** `TELEGRAM_BOT_TOKEN` (secret). */
  token: string;
  /** `TELEGRAM_API_ROOT`: a self-hosted Bot API server. */
  apiRoot: string | null;
}

export function telegramFromEnv(env: Record<string, string | undefined>): Pick<TelegramSettings, 'token' | 'apiRoot'> | null {
  const token = env.TELEGRAM_BOT_TOKEN?.trim();
  if (!token) return null;
  return { token, apiRoot: env.TELEGRAM_API_ROOT?.trim().replace(/\/+$/, '') || null };
}
