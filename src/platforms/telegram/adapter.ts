import { Bot, GrammyError, InputFile, type Context } from 'grammy';
import type { BotCommand, Chat, Message, User } from 'grammy/types';
import type { ChatContext } from '../../../commands/types.js';
import { t } from '../../core/i18n.js';
import type { Reply } from '../../core/reply.js';
import type { ChatRef, Language } from '../../core/types.js';
import { createDispatcher } from '../dispatch.js';
import type { PlatformDeps } from '../types.js';
import { renderReply, TELEGRAM_MAX_TEXT } from './format.js';

/** The user id Telegram shows for messages an anonymous group admin sends. */
const GROUP_ANONYMOUS_BOT_ID = 1087968824;
const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface TelegramAdapterOptions {
  bot: Bot;
  deps: PlatformDeps;
  pollTimeoutSeconds: number;
}

function chatRefOf(chat: Chat, message: Message | undefined): ChatRef {
  // Only forum topics are alert destinations of their own; a reply thread in a normal group is not.
  const threadId = message?.is_topic_message && message.message_thread_id ? String(message.message_thread_id) : null;
  return { platform: 'telegram', chatId: String(chat.id), threadId, guildId: null };
}

/**
 * The Telegram side of the bot: commands in (messages and button presses), replies out, membership
 * changes, and long polling that survives a conflicting instance and network failures.
 */
export function createTelegramAdapter(options: TelegramAdapterOptions) {
  const { bot, deps } = options;
  const { subscriptions, defaultLanguage } = deps.commands;
  const log = deps.logger.child({ component: 'telegram' });
  const dispatcher = createDispatcher(deps);
  let stopped = false;
  let polling: Promise<void> | null = null;

  const languageOf = (chat: ChatRef): Language => subscriptions.get(chat)?.language ?? defaultLanguage;

  /**
   * `message` is where the command came from: the message typed, or the message whose button was
   * pressed. Only a typed message can be an anonymous admin's (sent on behalf of the group itself);
   * a button press always comes from a person, and the message it sits on is the bot's own.
   */
  function contextFor(ctx: Context, chat: Chat, from: User | undefined, message: Message | undefined, typed: boolean): ChatContext {
    const isPrivate = chat.type === 'private';
    const userId = String(from?.id ?? '');
    return {
      chat: chatRefOf(chat, message),
      kind: isPrivate ? 'private' : 'group',
      title: 'title' in chat && chat.title ? chat.title : null,
      userId,
      isOwner: deps.ownerIds.includes(userId),
      async isAdmin() {
        // Anonymous admins post on behalf of the group itself.
        if (typed && (message?.sender_chat?.id === chat.id || from?.id === GROUP_ANONYMOUS_BOT_ID)) return true;
        if (!from) return false;
        const member = await ctx.api.getChatMember(chat.id, from.id);
        return member.status === 'creator' || member.status === 'administrator';
      },
    };
  }

  async function send(chat: ChatRef, reply: Reply, language: Language) {
    const { text, buttons } = renderReply(reply, language, TELEGRAM_MAX_TEXT);
    const thread = chat.threadId ? { message_thread_id: Number(chat.threadId) } : {};
    await bot.api.sendMessage(chat.chatId, text, {
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...thread,
      ...(buttons.length ? { reply_markup: { inline_keyboard: buttons } } : {}),
    });
    if (reply.document) {
      const { document } = reply;
      try {
        await bot.api.sendDocument(chat.chatId, new InputFile(Buffer.from(document.content, 'utf8'), document.filename), { caption: document.caption, ...thread });
      } catch (error) {
        // A group that forbids files (or a Bot API hiccup) must not lose the evidence silently.
        const reason = error instanceof GrammyError ? error.description : error instanceof Error ? error.message : String(error);
        log.warn({ err: error, chat: chat.chatId }, 'could not send a document');
        const where: Reply['lines'][number] = document.url
          ? [t(language, { id: ' Unduh di sini: ', en: ' Download it here: ' }), { link: document.filename, url: document.url }]
          : [t(language, { id: ' Izinkan bot mengirim berkas di chat ini, lalu coba lagi.', en: ' Allow the bot to send files in this chat, then try again.' })];
        const notice = renderReply({ tone: 'error', lines: [[t(language, { id: `Berkas ${document.filename} tidak dapat dikirim (${reason.slice(0, 120)}).`, en: `The file ${document.filename} could not be sent (${reason.slice(0, 120)}).` }), ...where]] }, language);
        await bot.api.sendMessage(chat.chatId, notice.text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...thread });
      }
    }
  }

  async function runLine(ctx: Context, text: string, chat: Chat, from: User | undefined, message: Message | undefined, typed: boolean) {
    const call = dispatcher.fromLine(text, bot.botInfo?.username);
    if (!call) return;
    const context = contextFor(ctx, chat, from, message, typed);
    const language = languageOf(context.chat);
    if ('unknown' in call) {
      // In groups, other bots' commands are none of our business.
      if (context.kind === 'private') await send(context.chat, dispatcher.unknownCommand(language), language);
      return;
    }
    const reply = await dispatcher.run(call.definition, call.args, context, language);
    // A command may have changed the chat's language (/lang).
    await send(context.chat, reply, languageOf(context.chat));
  }

  bot.on('message:text', async (ctx) => {
    const message = ctx.message;
    if (!message.entities?.some((e) => e.type === 'bot_command' && e.offset === 0)) return;
    await runLine(ctx, message.text, ctx.chat, message.from, message, true);
  });

  bot.on('message:migrate_to_chat_id', async (ctx) => {
    const moved = await subscriptions.moveChat('telegram', String(ctx.chat.id), String(ctx.message.migrate_to_chat_id));
    if (moved.length) log.info({ from: ctx.chat.id, to: ctx.message.migrate_to_chat_id }, 'group upgraded to a supergroup; subscriptions moved');
  });

  bot.on('callback_query:data', async (ctx) => {
    const query = ctx.callbackQuery;
    await ctx.answerCallbackQuery().catch(() => undefined);
    const message = query.message && 'chat' in query.message ? (query.message as Message) : undefined;
    if (!message) return;
    await runLine(ctx, query.data, message.chat, query.from, message, false);
  });

  bot.on('my_chat_member', async (ctx) => {
    const update = ctx.myChatMember;
    const status = update.new_chat_member.status;
    const chatId = String(update.chat.id);
    if (status === 'kicked' || status === 'left') {
      const removed = await subscriptions.removeWhere((r) => r.chat.platform === 'telegram' && r.chat.chatId === chatId);
      if (removed.length) log.warn({ chatId, portals: removed.flatMap((r) => r.portals) }, 'bot removed from chat; its subscriptions were removed');
      return;
    }
    const wasOut = update.old_chat_member.status === 'left' || update.old_chat_member.status === 'kicked';
    if (wasOut && update.chat.type !== 'private') {
      const help = dispatcher.find('help');
      if (!help) return;
      const chat: ChatRef = { platform: 'telegram', chatId, threadId: null, guildId: null };
      const language = languageOf(chat);
      const context: ChatContext = { chat, kind: 'group', title: null, userId: String(update.from.id), isOwner: false, isAdmin: async () => false };
      await send(chat, await dispatcher.run(help, {}, context, language), language);
    }
  });

  bot.catch((error) => {
    log.error({ err: error.error, updateId: error.ctx.update.update_id }, 'handling a Telegram update failed; going on');
  });

  async function publishCommands() {
    const list = (language: Language): BotCommand[] => deps.registry.listed().map((c) => ({ command: c.name, description: c.description[language].slice(0, 256) }));
    await bot.api.setMyCommands(list('id'));
    await bot.api.setMyCommands(list('id'), { language_code: 'id' });
    await bot.api.setMyCommands(list('en'), { language_code: 'en' });
  }

  async function pollForever() {
    let backoffMs = 2000;
    let published = false;
    while (!stopped) {
      try {
        await bot.init();
        if (!published) {
          await publishCommands().catch((error: unknown) => log.warn({ err: error }, 'could not publish the command list'));
          published = true;
        }
        await bot.start({
          allowed_updates: [...ALLOWED_UPDATES],
          timeout: options.pollTimeoutSeconds,
          drop_pending_updates: false,
          onStart: (me) => log.info({ username: me.username }, 'Telegram bot polling'),
        });
        return;
      } catch (error) {
        if (stopped) return;
        if (error instanceof GrammyError && error.error_code === 409) {
          log.error({ retryInMs: backoffMs }, 'another instance is polling this bot token (409 Conflict); retrying');
        } else if (error instanceof GrammyError && error.error_code === 401) {
          log.error('TELEGRAM_BOT_TOKEN was rejected (401 Unauthorized); check the token. Monitoring goes on.');
          backoffMs = Math.max(backoffMs, 60_000);
        } else {
          log.error({ err: error, retryInMs: backoffMs }, 'Telegram polling failed; retrying');
        }
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 120_000);
      }
    }
  }

  return {
    async start() {
      stopped = false;
      polling = pollForever();
    },
    async stop() {
      stopped = true;
      if (bot.isRunning()) await bot.stop().catch((error: unknown) => log.warn({ err: error }, 'stopping the Telegram bot failed'));
      await polling;
    },
  };
}
