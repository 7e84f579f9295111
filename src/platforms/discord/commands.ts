import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type APIApplicationCommand,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandStringOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandRegistry } from '../../../commands/registry.js';
import type { CommandDefinition, CommandOption } from '../../../commands/types.js';
import type { Catalog } from '../../core/catalog/index.js';
import type { Language, Portal } from '../../core/types.js';

export type SlashCommand = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Discord's limit on choices, autocomplete answers included. */
export const MAX_CHOICES = 25;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function slashOption(option: CommandOption): APIApplicationCommandStringOption {
  const base = {
    type: ApplicationCommandOptionType.String as const,
    name: option.name,
    description: clip(option.description.en, 100),
    description_localizations: { id: clip(option.description.id, 100) },
    required: option.required,
  };
  if (option.kind === 'portal' || option.kind === 'portals') return { ...base, autocomplete: true };
  if (option.kind === 'choice' && option.choices?.length) {
    return { ...base, choices: option.choices.slice(0, MAX_CHOICES).map((value) => ({ name: value, value })) };
  }
  return base;
}

function slashCommand(definition: CommandDefinition): SlashCommand {
  // Discord wants required options first; the registry's commands already list them that way.
  const options = [...definition.options].sort((a, b) => Number(b.required) - Number(a.required)).map(slashOption);
  // Owner commands stay registered, but '0' hides them from everyone but server administrators
  // (the dispatcher still checks that the caller is a bot owner); commands that change a channel's
  // alerts are shown only to members who may manage the channel.
  const permissions = definition.access === 'owner' ? '0' : definition.access === 'admin' ? PermissionFlagsBits.ManageChannels.toString() : null;
  const inDms = definition.access !== 'owner' && definition.contexts.includes('dm');
  return {
    type: ApplicationCommandType.ChatInput,
    name: definition.name,
    description: clip(definition.description.en, 100),
    description_localizations: { id: clip(definition.description.id, 100) },
    default_member_permissions: permissions,
    contexts: inDms ? [InteractionContextType.Guild, InteractionContextType.BotDM] : [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    ...(options.length ? { options } : {}),
  };
}

/** The registry as slash-command JSON: the same definitions the Telegram menu is built from. */
export function slashCommands(registry: CommandRegistry): SlashCommand[] {
  return registry.all.map(slashCommand);
}

type Comparable = Record<string, unknown>;

// Only what we set is compared, with Discord's defaults filled in, so that a command Discord
// echoes back with extra or omitted default fields does not count as changed.
function comparableOption(option: Comparable): Comparable {
  const choices = Array.isArray(option['choices']) ? (option['choices'] as Comparable[]).map((c) => ({ name: c['name'], value: c['value'] })) : [];
  return {
    type: option['type'],
    name: option['name'],
    description: option['description'],
    description_localizations: option['description_localizations'] ?? {},
    required: option['required'] ?? false,
    autocomplete: option['autocomplete'] ?? false,
    choices,
  };
}

function comparable(command: Comparable): Comparable {
  const options = Array.isArray(command['options']) ? (command['options'] as Comparable[]).map(comparableOption) : [];
  const sorted = (value: unknown) => (Array.isArray(value) ? [...(value as number[])].sort() : null);
  return {
    type: command['type'] ?? ApplicationCommandType.ChatInput,
    name: command['name'],
    description: command['description'],
    description_localizations: command['description_localizations'] ?? {},
    default_member_permissions: command['default_member_permissions'] ?? null,
    contexts: sorted(command['contexts']),
    integration_types: sorted(command['integration_types'] ?? [ApplicationIntegrationType.GuildInstall]),
    options,
  };
}

const canonical = (commands: readonly object[]) =>
  JSON.stringify(commands.map((c) => comparable(c as Comparable)).sort((a, b) => String(a['name']).localeCompare(String(b['name']))));

/** Whether what Discord has registered already says what we would register (then nothing is written). */
export function sameCommands(existing: readonly APIApplicationCommand[], desired: readonly SlashCommand[]): boolean {
  return canonical(existing) === canonical(desired);
}

/** Autocomplete choices for a `portal` option (or the last part of a comma-separated `portals` one). */
export function portalChoices(
  catalog: Catalog,
  typed: string,
  options: { multiple: boolean; language: Language; preferred?: readonly Portal[] },
): Array<APIApplicationCommandOptionChoice<string>> {
  const parts = options.multiple ? typed.split(',') : [typed];
  const query = (parts.pop() ?? '').trim();
  const prefix = parts.map((p) => p.trim()).filter(Boolean).join(', ');
  const valueOf = (text: string) => (prefix ? `${prefix}, ${text}` : text);
  const choices: Array<APIApplicationCommandOptionChoice<string>> = [];
  const seen = new Set<string>();
  const add = (name: string, value: string) => {
    if (value.length > 100 || seen.has(value) || choices.length >= MAX_CHOICES) return;
    seen.add(value);
    choices.push({ name: clip(name, 100), value });
  };

  if (options.multiple && query) {
    const province = catalog.resolveProvince(query);
    if (province && province.portals.length > 1 && !prefix) {
      const count = province.portals.length;
      add(options.language === 'id' ? `Semua ${count} portal di ${province.province}` : `All ${count} portals in ${province.province}`, province.province);
    }
  }
  const lower = query.toLowerCase();
  const preferred = (options.preferred ?? []).filter(
    (p) => !query || p.id.includes(lower) || p.name.toLowerCase().includes(lower) || (p.province ?? '').toLowerCase().includes(lower),
  );
  for (const portal of [...preferred, ...catalog.search(query, MAX_CHOICES)]) {
    add(`${portal.name} (${portal.id})${portal.province ? ` — ${portal.province}` : ''}`, valueOf(portal.id));
  }
  return choices;
}
