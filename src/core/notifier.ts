import type { Reply } from './reply.js';
import type { Alert, ChatPlatformName } from './types.js';

/**
 * Why a delivery failed, in terms the outbox can act on. Each platform maps its own errors
 * (grammY's GrammyError/HttpError, discord.js's DiscordAPIError) onto these kinds.
 *
 * - `rate_limited`: wait `retryAfterMs`, then send again (never drop);
 * - `transient`: network failure or 5xx, retry with back-off;
 * - `gone`: the bot can no longer post there (kicked, blocked, channel deleted): drop the chat's subscriptions;
 * - `moved`: the chat has a new id (Telegram group → supergroup): move subscriptions, send there;
 * - `thread_gone`: the forum topic no longer exists: send to the chat itself;
 * - `rejected`: the platform refused this message for good (bad request): log and drop the message;
 * - `fenced`: not sent, because this replica could no longer prove its lease when its turn came.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly kind: 'rate_limited' | 'transient' | 'gone' | 'moved' | 'thread_gone' | 'rejected' | 'fenced',
    message: string,
    readonly details: { retryAfterMs?: number; newChatId?: string; status?: number; code?: number | string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Sends alerts to one platform. Throws DeliveryError on failure. */
export interface Notifier {
  readonly platform: ChatPlatformName;
  /**
   * Sends one alert. `mayAct` is asked at the last moment before the platform call (after any
   * wait for the platform's rate): when it says no, nothing is sent and `fenced` is thrown.
   */
  deliver(alert: Alert, mayAct: () => boolean): Promise<void>;
  /** A direct message to one person (a bot owner), not to subscribed chats. */
  notice(userId: string, reply: Reply): Promise<void>;
}

/**
 * Which platform an owner id (`BOT_OWNER_IDS`) belongs to: Discord ids are snowflakes of 17 to 20
 * digits, Telegram user ids are shorter.
 */
export function platformOfUserId(userId: string): ChatPlatformName | null {
  if (/^\d{17,20}$/.test(userId)) return 'discord';
  if (/^\d{1,16}$/.test(userId)) return 'telegram';
  return null;
}
