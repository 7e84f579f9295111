import { degraded } from './degraded.js';
import { help } from './help.js';
import { history } from './history.js';
import { lang } from './lang.js';
import { list } from './list.js';
import { maintenance } from './maintenance.js';
import { portals } from './portals.js';
import { stats } from './stats.js';
import { status } from './status.js';
import { subscribe } from './subscribe.js';
import { tender } from './tender.js';
import type { CommandDefinition } from './types.js';
import { unsubscribe } from './unsubscribe.js';

export interface CommandRegistry {
  all: readonly CommandDefinition[];
  /** By name or alias, case-insensitive. */
  find(name: string): CommandDefinition | undefined;
  /** What menus and /help show: everything but owner commands. */
  listed(): readonly CommandDefinition[];
}

/** Builds the registry, refusing a missing or duplicate name or alias at start-up. */
export function createRegistry(definitions: readonly CommandDefinition[]): CommandRegistry {
  const byName = new Map<string, CommandDefinition>();
  for (const definition of definitions) {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(definition.name)) throw new Error(`command name "${definition.name}" is missing or invalid`);
    if (definition.contexts.length === 0) throw new Error(`command "${definition.name}" works nowhere (no contexts)`);
    for (const name of [definition.name, ...definition.aliases]) {
      if (byName.has(name)) throw new Error(`command name "${name}" is defined twice`);
      byName.set(name, definition);
    }
  }
  const listed = definitions.filter((d) => d.access !== 'owner');
  return { all: definitions, find: (name) => byName.get(name.toLowerCase()), listed: () => listed };
}

export const commands = createRegistry([help, subscribe, unsubscribe, list, status, history, tender, portals, lang, degraded, maintenance, stats]);
