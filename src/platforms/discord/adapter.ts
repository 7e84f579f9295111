import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  type APIApplicationCommand,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import type { ChatContext, CommandDefinition } from '../../../commands/types.js';
import type { Reply } from '../../core/reply.js';
import type { ChatRef, Language } from '../../core/types.js';
import { createDispatcher } from '../dispatch.js';
import type { PlatformDeps } from '../types.js';
import { portalChoices, sameCommands, slashCommands } from './commands.js';
import { renderReply } from './format.js';
import type { DiscordSettings } from './settings.js';

/**
 * How long a command may run before the interaction is deferred. Discord drops an interaction
 * that is not answered within 3 s of being created, and the gateway and the callback both take
 * their share of that; fast answers are sent directly so that they can still be ephemeral.
 */
export const DEFER_AFTER_MS = 1000;

const READY_TIMEOUT_MS = 60_000;

type RepliableInteraction = ChatInputCommandInteraction | ButtonInteraction;

export interface DiscordAdapterOptions {
  settings: DiscordSettings;
  deps: PlatformDeps;
}

export interface DiscordAdapter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the bot is logged in and its slash commands are in sync; rejects if the start failed. */
  whenReady(): Promise<void>;
}

const isEphemeral = (reply: Reply) => reply.ephemeral === true || reply.tone === 'error';

/** Readiness of one start: settles once, and a new one is made for the next start. */
function deferred() {
  const state = {} as { settled: boolean; promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };
  state.settled = false;
  state.promise = new Promise<void>((resolve, reject) => {
    state.resolve = () => {
      state.settled = true;
      resolve();
    };
    state.reject = (error) => {
      state.settled = true;
      reject(error);
    };
  });
  // Nobody has to wait for readiness: an unobserved failure is already logged by the app.
  state.promise.catch(() => undefined);
  return state;
}

/** Resolves with the client once READY arrived; gives up after `ms`. */
function readyOf(bot: Client, ms: number): { promise: Promise<Client<true>>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<Client<true>>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Discord gateway not ready after ${ms / 1000} s`)), ms);
    bot.once(Events.ClientReady, (readyClient) => {
      clearTimeout(timer);
      resolve(readyClient);
    });
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * The Discord side of the bot: slash commands (and their buttons and autocomplete) in, replies
 * out, command registration when the definitions changed, and cleaning up after removed guilds
 * and deleted channels. Alerts go out through the notifier, not through this client.
 */
export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const { settings, deps } = options;
  const { registry } = deps;
  const { catalog, subscriptions, defaultLanguage } = deps.commands;
  const log = deps.logger.child({ component: 'discord' });
  const dispatcher = createDispatcher(deps);
  let client: Client | null = null;
  let ready = deferred();

  const languageOf = (chat: ChatRef, locale: string): Language => subscriptions.get(chat)?.language ?? (locale === 'id' ? 'id' : defaultLanguage);

  function contextOf(interaction: RepliableInteraction | AutocompleteInteraction): ChatContext {
    const chat: ChatRef = { platform: 'discord', chatId: interaction.channelId ?? interaction.user.id, threadId: null, guildId: interaction.guildId };
    const channel = interaction.channel;
    const channelName = channel && 'name' in channel && channel.name ? `#${channel.name}` : null;
    const guildName = interaction.guild?.name ?? null;
    return {
      chat,
      kind: interaction.inGuild() ? 'guild' : 'dm',
      title: [guildName, channelName].filter(Boolean).join(' ') || null,
      userId: interaction.user.id,
      isOwner: deps.ownerIds.includes(interaction.user.id),
      // Discord computes the member's permissions in this channel (a thread: its parent's) for us.
      isAdmin: async () => interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels) ?? false,
    };
  }

  /** Runs a command and answers: directly when it is quick, else after deferring. */
  async function respond(interaction: RepliableInteraction, definition: CommandDefinition, args: Record<string, string | undefined>) {
    const context = contextOf(interaction);
    const language = languageOf(context.chat, interaction.locale);
    const running = dispatcher.run(definition, args, context, language);
    let timer: NodeJS.Timeout | undefined;
    const quick = await Promise.race([running, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DEFER_AFTER_MS)))]);
    clearTimeout(timer);
    // A command may have changed the channel's language (/lang).
    const render = (reply: Reply) => renderReply(reply, languageOf(context.chat, interaction.locale));
    if (quick) {
      await interaction.reply({ ...render(quick), ...(isEphemeral(quick) ? { flags: MessageFlags.Ephemeral } : {}) });
      return;
    }
    const hidden = definition.ephemeral === true;
    await interaction.deferReply(hidden ? { flags: MessageFlags.Ephemeral } : {});
    const reply = await running;
    if (isEphemeral(reply) && !hidden) {
      // A public deferral cannot become ephemeral: replace it with an ephemeral follow-up.
      await interaction.deleteReply();
      await interaction.followUp({ ...render(reply), flags: MessageFlags.Ephemeral });
    } else {
      await interaction.editReply(render(reply));
    }
  }

  async function onCommand(interaction: ChatInputCommandInteraction) {
    const definition = dispatcher.find(interaction.commandName);
    if (!definition) {
      // A command registered by an older version that this one no longer knows.
      const language = languageOf(contextOf(interaction).chat, interaction.locale);
      await interaction.reply({ ...renderReply(dispatcher.unknownCommand(language), language), flags: MessageFlags.Ephemeral });
      return;
    }
    const args: Record<string, string | undefined> = {};
    for (const option of definition.options) {
      const value = interaction.options.get(option.name)?.value;
      args[option.name] = value === undefined || value === null ? undefined : String(value);
    }
    await respond(interaction, definition, args);
  }

  /** A reply button: its custom_id is a command line, run as if the user had typed it. */
  async function onButton(interaction: ButtonInteraction) {
    const call = dispatcher.fromLine(interaction.customId);
    if (!call || 'unknown' in call) {
      log.warn({ customId: interaction.customId }, 'button with an unknown command line');
      await interaction.deferUpdate();
      return;
    }
    await respond(interaction, call.definition, call.args);
  }

  async function onAutocomplete(interaction: AutocompleteInteraction) {
    const focused = interaction.options.getFocused(true);
    const option = dispatcher.find(interaction.commandName)?.options.find((o) => o.name === focused.name);
    if (!option || (option.kind !== 'portal' && option.kind !== 'portals')) {
      await interaction.respond([]);
      return;
    }
    const context = contextOf(interaction);
    // For /unsubscribe the channel's own portals come first.
    const subscribed = interaction.commandName === 'unsubscribe' ? (subscriptions.get(context.chat)?.portals ?? []) : [];
    const choices = portalChoices(catalog, String(focused.value), {
      multiple: option.kind === 'portals',
      language: languageOf(context.chat, interaction.locale),
      preferred: subscribed.map((id) => catalog.get(id)).filter((p) => p !== undefined),
    });
    await interaction.respond(choices);
  }

  async function onInteraction(interaction: Interaction) {
    try {
      if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isButton()) await onButton(interaction);
    } catch (error) {
      // Usually a reply that came too late (10062): the user sees "the application did not respond".
      log.error({ err: error, interaction: interaction.id, channel: interaction.channelId }, 'handling a Discord interaction failed; going on');
    }
  }

  async function removeWhere(reason: string, predicate: (chat: ChatRef) => boolean, fields: Record<string, string>) {
    const removed = await subscriptions.removeWhere((r) => r.chat.platform === 'discord' && predicate(r.chat));
    if (removed.length) {
      log.warn({ ...fields, chats: removed.map((r) => r.chat.chatId), portals: removed.flatMap((r) => r.portals) }, `${reason}; its subscriptions were removed`);
    }
  }

  async function syncCommands(bot: Client<true>) {
    const applicationId = bot.application.id || settings.applicationId;
    if (!applicationId) throw new Error('no application id in READY and DISCORD_APPLICATION_ID is not set');
    const route = settings.guildId ? Routes.applicationGuildCommands(applicationId, settings.guildId) : Routes.applicationCommands(applicationId);
    const desired = slashCommands(registry);
    const existing = (await bot.rest.get(route, { query: new URLSearchParams({ with_localizations: 'true' }) })) as APIApplicationCommand[];
    const scope = settings.guildId ? { guildId: settings.guildId } : { scope: 'global' };
    if (sameCommands(existing, desired)) {
      log.info({ ...scope, commands: desired.length }, 'slash commands up to date');
      return;
    }
    await bot.rest.put(route, { body: desired });
    log.info({ ...scope, commands: desired.length }, 'slash commands registered');
  }

  function createClient(): Client {
    const bot = new Client({
      // Slash commands need no privileged intent and no message content.
      intents: [GatewayIntentBits.Guilds],
      rest: { api: settings.apiRoot },
      allowedMentions: { parse: [] },
    });
    bot.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction));
    // discord.js emits GuildDelete only when the bot left or was removed, not for an outage.
    bot.on(Events.GuildDelete, (guild) => {
      void removeWhere('bot removed from a Discord server', (chat) => chat.guildId === guild.id, { guildId: guild.id }).catch((error: unknown) =>
        log.error({ err: error, guildId: guild.id }, 'could not remove the subscriptions of a removed server'),
      );
    });
    for (const event of [Events.ChannelDelete, Events.ThreadDelete] as const) {
      bot.on(event, (channel) => {
        void removeWhere('Discord channel deleted', (chat) => chat.chatId === channel.id, { channelId: channel.id }).catch((error: unknown) =>
          log.error({ err: error, channelId: channel.id }, 'could not remove the subscriptions of a deleted channel'),
        );
      });
    }
    bot.on(Events.Error, (error) => log.error({ err: error }, 'Discord client error'));
    bot.on(Events.Warn, (message) => log.warn({ detail: message }, 'Discord client warning'));
    bot.on(Events.ShardDisconnect, (event, shardId) => log.warn({ code: event.code, shardId }, 'Discord gateway disconnected'));
    return bot;
  }

  return {
    async start() {
      if (client) return;
      if (ready.settled) ready = deferred();
      const bot = createClient();
      client = bot;
      const connected = readyOf(bot, READY_TIMEOUT_MS);
      try {
        await bot.login(settings.token);
        const readyClient = await connected.promise;
        log.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size }, 'Discord bot connected');
        await syncCommands(readyClient).catch((error: unknown) => log.error({ err: error }, 'could not register slash commands; the existing ones stay'));
        ready.resolve();
      } catch (error) {
        connected.cancel();
        ready.reject(error);
        if (client === bot) client = null;
        await bot.destroy().catch(() => undefined);
        throw error;
      }
    },
    async stop() {
      const bot = client;
      client = null;
      if (ready.settled) ready = deferred();
      if (bot) await bot.destroy();
    },
    whenReady: () => ready.promise,
  };
}
