import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from 'discord.js';
import type { Logger } from 'pino';
import { DeliveryError, type Alert, type Notifier } from '../../core/delivery.js';
import type { StatusService } from '../../core/status-service.js';
import { alertMessage, type AlertExtras } from './format.js';

/**
 * Discord error codes after which the bot cannot post to the channel any more, so its
 * subscriptions go: Unknown Channel, Unknown Guild, Missing Access, Cannot send messages to this
 * user, Missing Permissions, and a thread that is archived and locked.
 */
export const GONE_CODES: ReadonlySet<number> = new Set([10003, 10004, 50001, 50007, 50013, 50083]);

/** Maps what @discordjs/rest reports onto what the outbox can do about it. */
export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof RateLimitError) {
    // Only long waits get here (see `rejectOnRateLimit` in index.ts): the outbox waits them out.
    return new DeliveryError('rate_limited', `rate limited on ${error.route}`, { retryAfterMs: error.retryAfter, status: 429 }, { cause: error });
  }
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === 'number' ? error.code : Number(error.code);
    const details = { status: error.status, code: error.code };
    if (GONE_CODES.has(code)) return new DeliveryError('gone', `${code} ${error.message}`, details, { cause: error });
    if (error.status === 429) {
      const raw = error.rawError as { retry_after?: unknown };
      const retryAfterMs = typeof raw.retry_after === 'number' ? Math.ceil(raw.retry_after * 1000) : 1000;
      return new DeliveryError('rate_limited', error.message, { ...details, retryAfterMs }, { cause: error });
    }
    // 401: the token was revoked or mistyped; keep the alert until someone fixes the configuration.
    if (error.status >= 500 || error.status === 401 || error.status === 408) return new DeliveryError('transient', error.message, details, { cause: error });
    return new DeliveryError('rejected', `${code} ${error.message}`, details, { cause: error });
  }
  if (error instanceof HTTPError) return new DeliveryError('transient', `Discord answered ${error.status}`, { status: error.status }, { cause: error });
  // Network failures, time-outs (AbortError) and a REST client without a token.
  return new DeliveryError('transient', error instanceof Error ? error.message : String(error), {}, { cause: error });
}

export interface DiscordNotifierOptions {
  /** A REST client of its own, with the bot token set and 5xx retries left to the outbox. */
  rest: REST;
  /** Uptime for single-portal alerts; an alert goes out without it when the lookup fails. */
  status?: Pick<StatusService, 'views'>;
  logger?: Logger;
}

/** Sends alerts to Discord channels (threads included: a thread is a channel) as embeds. */
export function createDiscordNotifier(options: DiscordNotifierOptions) {
  const { rest, status, logger } = options;

  async function extrasFor(alert: Alert): Promise<AlertExtras> {
    const [only] = alert.items;
    if (!status || alert.items.length !== 1 || !only) return {};
    try {
      const [view] = await status.views([only.portal]);
      return { uptime: view?.uptime ?? null };
    } catch (error) {
      logger?.warn({ err: error, portalId: only.portal.id }, 'uptime lookup failed; alert sent without it');
      return {};
    }
  }

  return {
    platform: 'discord' as const,
    async deliver(alert: Alert) {
      const body = alertMessage(alert, await extrasFor(alert));
      try {
        await rest.post(Routes.channelMessages(alert.chat.chatId), { body });
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
  } satisfies Notifier;
}
