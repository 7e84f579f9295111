import type { Catalog } from '../src/core/catalog/index.js';
import type { Bilingual } from '../src/core/i18n.js';
import type { HistoryStore, MaintenanceStore, SubscriptionStore } from '../src/core/ports.js';
import type { Reply } from '../src/core/reply.js';
import type { StatusService } from '../src/core/status-service.js';
import type { TenderEvidence } from '../src/core/tenders/evidence.js';
import type { TenderView } from '../src/core/tenders/view.js';
import type { ChatRef, Clock, Language } from '../src/core/types.js';

export { t, type Bilingual } from '../src/core/i18n.js';
export type { Inline, Line, Reply } from '../src/core/reply.js';

export interface CommandOption {
  name: string;
  description: Bilingual;
  kind: 'text' | 'portal' | 'portals' | 'choice';
  required: boolean;
  choices?: string[];
}

/** Where a command is asked: a Telegram group or private chat, a Discord server channel or DM. */
export type ChatKind = 'group' | 'private' | 'guild' | 'dm';

/**
 * Who may run a command. The dispatcher checks it before the command runs: `admin` means group
 * admins on Telegram (anyone in a private chat) and Manage Channels on Discord; `owner` means the
 * ids in `BOT_OWNER_IDS`, and such commands are left out of menus and /help.
 */
export type CommandAccess = 'anyone' | 'admin' | 'owner';

/** Who is asking, and where. */
export interface ChatContext {
  chat: ChatRef;
  kind: ChatKind;
  title: string | null;
  userId: string;
  /** Resolved lazily (one API call on Telegram); throws when the platform cannot tell. */
  isAdmin(): Promise<boolean>;
  isOwner: boolean;
}

export interface CommandInput {
  /** Option values by name; on Telegram the words after the command fill the first option. */
  args: Record<string, string | undefined>;
  context: ChatContext;
  language: Language;
}

export interface CommandDeps {
  catalog: Catalog;
  subscriptions: SubscriptionStore;
  status: StatusService;
  history: HistoryStore;
  maintenance: MaintenanceStore;
  clock: Clock;
  timezone: string;
  defaultLanguage: Language;
  publicUrl: string | null;
  /** Every command, for /help. */
  commands: readonly CommandDefinition[];
  /** `subscriptions.*` of the config. */
  limits: { maxPortalsPerChat: number; maxTotal: number };
  /** Tender data: packages, schedules, and what outages hit. */
  tenders: { view: TenderView; evidence: TenderEvidence; lookaheadHours: number };
  /** Bot statistics for owners. */
  stats(): Promise<Record<string, string | number>>;
}

/** One line of /help: an example and what it does. */
export interface CommandExample {
  /** The command line, with `{portal}` standing for a portal of the catalog and `{province}` for a province. */
  example: string;
  text: Bilingual;
}

export interface CommandDefinition {
  name: string;
  /** Indonesian names that work on Telegram too (`/langganan`). */
  aliases: string[];
  description: Bilingual;
  usage: Bilingual;
  options: CommandOption[];
  access: CommandAccess;
  /** Where the command can be used; elsewhere the dispatcher answers where it works. */
  contexts: readonly ChatKind[];
  /** The answer is for the asker only (Discord), even when it had to be deferred. */
  ephemeral?: boolean;
  /** Lines of /help. */
  examples?: CommandExample[];
  run(input: CommandInput, deps: CommandDeps): Promise<Reply>;
}

/** Every chat kind: commands that work everywhere. */
export const EVERYWHERE: readonly ChatKind[] = ['group', 'private', 'guild', 'dm'];
/** Commands about a chat's alerts: not in a Discord DM, where no alert goes. */
export const ALERT_CHATS: readonly ChatKind[] = ['group', 'private', 'guild'];
