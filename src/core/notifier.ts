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
 * - `rejected`: the platform refused this message for good (bad request): log and drop the message.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly kind: 'rate_limited' | 'transient' | 'gone' | 'moved' | 'thread_gone' | 'rejected',
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
  deliver(alert: Alert): Promise<void>;
}
