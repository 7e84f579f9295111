/**
 * The one command pipeline both platforms share: parse → find → check where it was asked →
 * authorise → run → reply. Adapters only turn their events into a {@link ChatContext} and arguments,
 * and render the {@link Reply} that comes back.
 */
import type { CommandDefinition, ChatContext, CommandDeps } from '../../commands/types.js';
import { t } from '../core/i18n.js';
import type { Reply } from '../core/reply.js';
import type { Language } from '../core/types.js';
import type { PlatformDeps } from './types.js';

export interface ParsedCommandLine {
  name: string;
  rest: string;
}

/**
 * Splits `/status@pantau_bot gresik` into the command name and the rest. Null when it is no
 * command, or one addressed to another bot (`@other_bot`).
 */
export function parseCommandLine(text: string, botUsername?: string): ParsedCommandLine | null {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  if (match[2] && (!botUsername || match[2].toLowerCase() !== botUsername.toLowerCase())) return null;
  return { name: match[1]!.toLowerCase(), rest: (match[3] ?? '').trim() };
}

/** Typed text fills a command's first option (`/subscribe gresik, surabaya`). */
export function argsFromText(definition: CommandDefinition, rest: string): Record<string, string | undefined> {
  const [first] = definition.options;
  return first ? { [first.name]: rest || undefined } : {};
}

/** What one argument may hold: more is no portal name, and each word of it costs a catalog lookup. */
export const MAX_ARGUMENT_CHARS = 500;

const NOT_ADMIN = {
  id: 'Hanya admin grup yang dapat mengubah langganan. Siapa pun boleh memakai /status.',
  en: 'Only group admins can change subscriptions. Anyone may use /status.',
};

export type Dispatcher = ReturnType<typeof createDispatcher>;

export function createDispatcher(deps: PlatformDeps) {
  const log = deps.logger.child({ component: 'commands' });
  const { registry } = deps;
  const commandDeps: CommandDeps = deps.commands;

  /** Why a command cannot run in this kind of chat, or null when it can. */
  function wrongPlace(definition: CommandDefinition, context: ChatContext, language: Language): Reply | null {
    if (definition.contexts.includes(context.kind)) return null;
    if (context.kind === 'dm' && definition.contexts.includes('guild') && definition.access === 'admin') {
      return {
        tone: 'info',
        ephemeral: true,
        lines: [[t(language, {
          id: `Peringatan dikirim ke kanal server, bukan ke pesan langsung. Jalankan /${definition.name} di kanal yang ingin menerima peringatan.`,
          en: `Alerts go to server channels, not to direct messages. Run /${definition.name} in the channel that should receive them.`,
        })]],
      };
    }
    const here = registry.listed().filter((d) => d.contexts.includes(context.kind)).map((d) => `/${d.name}`);
    const elsewhere = context.kind === 'dm' ? { id: 'kanal server', en: 'server channels' } : { id: 'chat lain', en: 'other chats' };
    return {
      tone: 'info',
      ephemeral: true,
      lines: [[t(language, {
        id: `Perintah ini hanya bisa dipakai di ${elsewhere.id}. Di sini tersedia ${here.join(', ')}.`,
        en: `This command works in ${elsewhere.en} only. Here you can use ${here.join(', ')}.`,
      })]],
    };
  }

  /** Whether the asker may run it; the refusal otherwise. */
  async function refusal(definition: CommandDefinition, context: ChatContext, language: Language): Promise<Reply | null> {
    if (definition.access === 'owner') {
      return context.isOwner ? null : { tone: 'error', ephemeral: true, lines: [[t(language, { id: 'Perintah ini hanya untuk pemilik bot.', en: 'This command is for bot owners only.' })]] };
    }
    if (definition.access !== 'admin' || context.kind === 'private' || context.kind === 'dm') return null;
    let admin: boolean;
    try {
      admin = await context.isAdmin();
    } catch (error) {
      log.warn({ err: error, command: definition.name, chat: context.chat }, 'could not verify the admins of a chat');
      return {
        tone: 'error',
        ephemeral: true,
        lines: [[t(language, {
          id: `Bot tidak dapat memeriksa daftar admin chat ini (${reasonOf(error)}), jadi perubahan langganan ditolak. Coba lagi sebentar lagi.`,
          en: `The bot could not check this chat's admins (${reasonOf(error)}), so the change was refused. Please try again shortly.`,
        })]],
      };
    }
    return admin ? null : { tone: 'error', ephemeral: true, lines: [[t(language, NOT_ADMIN)]] };
  }

  return {
    find: (name: string) => registry.find(name),

    /** A typed line or a button's command: what to run, an unknown name, or null when it is not for us. */
    fromLine(text: string, botUsername?: string): { definition: CommandDefinition; args: Record<string, string | undefined> } | { unknown: string } | null {
      const parsed = parseCommandLine(text, botUsername);
      if (!parsed) return null;
      const definition = registry.find(parsed.name);
      return definition ? { definition, args: argsFromText(definition, parsed.rest) } : { unknown: parsed.name };
    },

    unknownCommand(language: Language): Reply {
      return { tone: 'error', ephemeral: true, lines: [[t(language, { id: 'Perintah tidak dikenal. Ketik ', en: 'Unknown command. Type ' }), { code: '/help' }]] };
    },

    /**
     * Checks where and by whom a command is asked, then runs it so that nothing it does can take the
     * bot down: an exception becomes a polite error reply and a log line with the cause.
     */
    async run(definition: CommandDefinition, args: Record<string, string | undefined>, context: ChatContext, language: Language): Promise<Reply> {
      const refused = wrongPlace(definition, context, language) ?? (await refusal(definition, context, language));
      if (refused) return refused;
      if (Object.values(args).some((value) => value !== undefined && value.length > MAX_ARGUMENT_CHARS)) {
        return {
          tone: 'error',
          ephemeral: true,
          lines: [[t(language, { id: `Teks perintah terlalu panjang (paling banyak ${MAX_ARGUMENT_CHARS} karakter).`, en: `The command text is too long (at most ${MAX_ARGUMENT_CHARS} characters).` })]],
        };
      }
      try {
        return await definition.run({ args, context, language }, commandDeps);
      } catch (error) {
        log.error({ err: error, command: definition.name, chat: context.chat }, 'command failed');
        return {
          tone: 'error',
          ephemeral: true,
          lines: [[t(language, { id: 'Maaf, terjadi kesalahan saat menjalankan perintah ini. Coba lagi sebentar lagi.', en: 'Sorry, something went wrong running this command. Please try again shortly.' })]],
        };
      }
    },
  };
}

/** A short, safe reason for a failed platform call (no tokens, no stack). */
function reasonOf(error: unknown): string {
  const description = (error as { description?: unknown })?.description;
  const text = typeof description === 'string' ? description : error instanceof Error ? error.message : String(error);
  return text.replace(/bot\d+:[\w-]+/g, 'bot…').slice(0, 120);
}
