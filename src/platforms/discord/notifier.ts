import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from 'discord.js';
import { rememberRenderings } from '../../core/alert-text.js';
import { DeliveryError, type Notifier } from '../../core/notifier.js';
import type { Reply } from '../../core/reply.js';
import { alertMessage, replyEmbed } from './format.js';

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

/** Sends alerts to Discord channels (threads included: a thread is a channel) as embeds. */
export function createDiscordNotifier(rest: REST) {
  const render = rememberRenderings(alertMessage);
  return {
    platform: 'discord' as const,
    async deliver(alert, mayAct) {
      if (!mayAct()) throw new DeliveryError('fenced', 'the lease is no longer proven; not sent');
      try {
        await rest.post(Routes.channelMessages(alert.chat.chatId), { body: render(alert) });
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
    async notice(userId: string, reply: Reply) {
      try {
        const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
        await rest.post(Routes.channelMessages(channel.id), { body: { embeds: [replyEmbed(reply, 'en')], allowed_mentions: { parse: [] } } });
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
  } satisfies Notifier;
}
