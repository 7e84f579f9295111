import { GrammyError, HttpError, type Api } from 'grammy';
import { alertReply, rememberRenderings } from '../../core/alert-text.js';
import { DeliveryError, type Notifier } from '../../core/notifier.js';
import type { Alert } from '../../core/types.js';
import type { Reply } from '../../core/reply.js';
import { renderReply } from './format.js';

export interface TelegramRates {
  messagesPerSecond: number;
  messagesPerMinutePerGroup: number;
  messagesPerSecondPerChat: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How far behind its schedule the global pace may fall and still make the time up. A busy event
 * loop or a garbage collection wakes a waiting send late; without this, every such stall would
 * lower the rate for good. Bounded, so that at most a tenth of a second's worth of messages goes out
 * closer together than the pace (three at Telegram's 30 a second), and idle time is never banked.
 */
const CATCH_UP_MS = 100;

/**
 * Keeps under Telegram's limits: a global pace, one message per chat per second, and a per-group
 * minute budget. Waiting happens here, before the request, so a burst never earns a ban.
 */
export function createTelegramPacer(rates: TelegramRates) {
  const globalSpacing = 1000 / rates.messagesPerSecond;
  const chatSpacing = 1000 / rates.messagesPerSecondPerChat;
  const groupSpacing = 60_000 / rates.messagesPerMinutePerGroup;
  let nextGlobal = 0;
  const nextByChat = new Map<string, number>();
  return {
    /** Resolves when a message to `chatId` may be sent. */
    async acquire(chatId: string): Promise<void> {
      const isGroup = chatId.startsWith('-');
      const now = Date.now();
      const chatReady = nextByChat.get(chatId) ?? 0;
      // The global slot is taken in arrival order; a chat that must wait for its own limit keeps
      // its slot to itself instead of holding every other chat back.
      const globalAt = nextGlobal >= now - CATCH_UP_MS ? nextGlobal : now;
      nextGlobal = globalAt + globalSpacing;
      const at = Math.max(globalAt, chatReady);
      nextByChat.set(chatId, at + (isGroup ? Math.max(chatSpacing, groupSpacing) : chatSpacing));
      if (nextByChat.size > 50_000) for (const [id, ready] of nextByChat) if (ready < now) nextByChat.delete(id);
      if (at > now) await sleep(at - now);
    },
    /** After a 429, nothing goes to that chat before `retryAfterMs`. */
    holdChat(chatId: string, retryAfterMs: number) {
      nextByChat.set(chatId, Math.max(nextByChat.get(chatId) ?? 0, Date.now() + retryAfterMs));
    },
  };
}

/** Maps what grammY reports onto what the outbox can do about it. */
export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof GrammyError) {
    const description = error.description;
    const status = error.error_code;
    if (status === 429) {
      return new DeliveryError('rate_limited', description, { retryAfterMs: (error.parameters.retry_after ?? 1) * 1000, status }, { cause: error });
    }
    if (status === 400 && error.parameters.migrate_to_chat_id) {
      return new DeliveryError('moved', description, { newChatId: String(error.parameters.migrate_to_chat_id), status }, { cause: error });
    }
    if (status === 400 && /thread not found|topic.*(closed|deleted)|TOPIC_/i.test(description)) {
      return new DeliveryError('thread_gone', description, { status }, { cause: error });
    }
    if (status === 403 || (status === 400 && /chat not found|group chat was deactivated|not enough rights|have no rights/i.test(description))) {
      return new DeliveryError('gone', description, { status }, { cause: error });
    }
    if (status >= 500) return new DeliveryError('transient', description, { status }, { cause: error });
    return new DeliveryError('rejected', description, { status }, { cause: error });
  }
  if (error instanceof HttpError) return new DeliveryError('transient', `network error: ${(error.error as Error)?.message ?? error.message}`, {}, { cause: error });
  return new DeliveryError('transient', (error as Error)?.message ?? String(error), {}, { cause: error });
}

/** Sends alerts through the Bot API as HTML messages, paced under Telegram's limits. */
export function createTelegramNotifier(api: Api, rates: TelegramRates) {
  const pacer = createTelegramPacer(rates);
  const render = rememberRenderings((alert) => renderReply(alertReply(alert), alert.language).text);
  return {
    platform: 'telegram' as const,
    async deliver(alert: Alert, mayAct: () => boolean) {
      const text = render(alert);
      await pacer.acquire(alert.chat.chatId);
      // The wait for Telegram's pace may have outlasted this replica's lease (a paused process).
      if (!mayAct()) throw new DeliveryError('fenced', 'the lease is no longer proven; not sent');
      try {
        await api.sendMessage(alert.chat.chatId, text, {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(alert.chat.threadId ? { message_thread_id: Number(alert.chat.threadId) } : {}),
        });
      } catch (error) {
        const failure = toDeliveryError(error);
        if (failure.kind === 'rate_limited') pacer.holdChat(alert.chat.chatId, failure.details.retryAfterMs ?? 1000);
        throw failure;
      }
    },
    async notice(userId: string, reply: Reply) {
      await pacer.acquire(userId);
      try {
        await api.sendMessage(userId, renderReply(reply, 'en').text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
  } satisfies Notifier;
}
