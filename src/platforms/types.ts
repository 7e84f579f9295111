import type { Logger } from 'pino';
import type { CommandRegistry } from '../../commands/registry.js';
import type { CommandDeps } from '../../commands/types.js';
import type { Notifier } from '../core/notifier.js';
import type { ChatPlatformName } from '../core/types.js';

/** A running chat platform: commands in, alerts out. */
export interface ChatPlatform {
  readonly name: ChatPlatformName;
  readonly notifier: Notifier;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A platform before it is connected: alerts out need only its settings, commands in need the rest
 * of the bot. The outbox is built with the notifier; the adapter is connected once commands can run.
 */
export interface LoadedPlatform<P extends ChatPlatform = ChatPlatform> {
  readonly name: ChatPlatformName;
  readonly notifier: Notifier;
  connect(deps: PlatformDeps): P;
}

/**
 * All a platform gets from the rest of the bot. Adapters read the catalog, the subscriptions and the
 * default language through `commands`, so a command and the adapter around it see the same world.
 */
export interface PlatformDeps {
  commands: CommandDeps;
  registry: CommandRegistry;
  /** `BOT_OWNER_IDS`: who may run owner commands. */
  ownerIds: readonly string[];
  logger: Logger;
}
