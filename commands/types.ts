import type { Catalog } from '../src/core/catalog.js';
import type { Language } from '../src/core/delivery.js';
import type { StatusService } from '../src/core/status-service.js';
import type { Clock } from '../src/core/types.js';
import type { HistoryStore } from '../src/store/history-store.js';
import type { MaintenanceStore } from '../src/store/maintenance-store.js';
import type { ChatRef, SubscriptionStore } from '../src/store/subscription-store.js';

/** Text in both languages the bot speaks. */
export type Bilingual = Record<Language, string>;

export type { Inline, Line, Reply } from '../src/core/reply.js';
import type { Reply } from '../src/core/reply.js';

export interface CommandOption {
  name: string;
  description: Bilingual;
  kind: 'text' | 'portal' | 'portals' | 'choice';
  required: boolean;
  choices?: string[];
}

/** Who is asking, and where. */
export interface ChatContext {
  chat: ChatRef;
  title: string | null;
  isPrivate: boolean;
  userId: string;
  /** In groups only admins may change subscriptions; resolved lazily (one API call on Telegram). */
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
  /** Bot statistics for owners. */
  stats(): Promise<Record<string, string | number>>;
}

export interface CommandDefinition {
  name: string;
  /** Indonesian names that work on Telegram too (`/langganan`). */
  aliases: string[];
  description: Bilingual;
  usage: Bilingual;
  options: CommandOption[];
  /** Owner-only commands are hidden from command menus. */
  hidden?: boolean;
  run(input: CommandInput, deps: CommandDeps): Promise<Reply>;
}

export const t = (language: Language, text: Bilingual) => text[language];
