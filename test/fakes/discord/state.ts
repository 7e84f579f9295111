/**
 * The fake Discord's in-memory world: guilds with their roles, channels and members, known users, registered
 * commands, the messages and interactions the bot produced, and the permission arithmetic over all of it. Both the
 * REST routes and the gateway read and change this state; tests observe it through `notify`/`waitUntil`.
 * Also the Discord objects (guild, channel, member, role, application payloads) the two sides hand out.
 */

// ---------------------------------------------------------------------------------------------------------------
// Public types

export type Payload = Record<string, unknown>;

/** Well-known ids of the default fixture; tests can refer to them without reading the fake's state. */
export const FAKE_DISCORD_IDS = {
  application: '1100000000000000001',
  /** Modern applications share their id with their bot user. */
  bot: '1100000000000000001',
  guild: '1200000000000000001',
  botRole: '1200000000000000002',
  adminRole: '1200000000000000003',
  /** Text channel `#lpse-alerts` (type 0). */
  channel: '1300000000000000001',
  /** Text channel `#umum` (type 0). */
  secondChannel: '1300000000000000002',
  /** Public thread (type 11) under `#lpse-alerts`. */
  thread: '1300000000000000003',
  /** Default user who runs commands: `budi`, no roles. */
  user: '1400000000000000001',
  /** Guild owner `siti`, also holds the admin role. */
  owner: '1400000000000000002',
} as const;

/** Discord permission bits the fake uses (same values as discord.js `PermissionFlagsBits`). */
export const FakePermissions = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  ManageWebhooks: 1n << 29n,
  UseApplicationCommands: 1n << 31n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
} as const;

const P = FakePermissions;
const ALL_PERMISSIONS = (1n << 51n) - 1n;
const DEFAULT_EVERYONE_PERMISSIONS =
  P.CreateInstantInvite | P.AddReactions | P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles |
  P.ReadMessageHistory | P.UseExternalEmojis | P.Connect | P.Speak | P.ChangeNickname | P.UseApplicationCommands |
  P.CreatePublicThreads | P.SendMessagesInThreads;
const DEFAULT_BOT_PERMISSIONS =
  P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles | P.ReadMessageHistory | P.AddReactions |
  P.UseExternalEmojis | P.SendMessagesInThreads | P.UseApplicationCommands;

export type PermissionsInput = bigint | string | number;

export interface FakeUserInit {
  id: string;
  username?: string | undefined;
  global_name?: string | null | undefined;
  avatar?: string | null | undefined;
  bot?: boolean | undefined;
}

export interface FakeRoleInit {
  id?: string | undefined;
  name: string;
  permissions?: PermissionsInput | undefined;
  color?: number | undefined;
  position?: number | undefined;
}

export interface FakeOverwrite {
  /** Role id (type 0; the guild id is @everyone) or member id (type 1). */
  id: string;
  type: 0 | 1;
  allow?: PermissionsInput | undefined;
  deny?: PermissionsInput | undefined;
}

export interface FakeChannelInit {
  id?: string | undefined;
  name?: string | undefined;
  /** 0 text, 2 voice, 4 category, 5 announcement, 10/11/12 threads, 15 forum. Default 0. */
  type?: number | undefined;
  parentId?: string | null | undefined;
  topic?: string | null | undefined;
  nsfw?: boolean | undefined;
  position?: number | undefined;
  permissionOverwrites?: FakeOverwrite[] | undefined;
}

export interface FakeMemberInit {
  user: FakeUserInit;
  roles?: string[] | undefined;
  nick?: string | null | undefined;
}

export interface FakeGuildInit {
  id?: string | undefined;
  name?: string | undefined;
  ownerId?: string | undefined;
  preferredLocale?: string | undefined;
  /** Permissions of the @everyone role (role id = guild id). */
  everyonePermissions?: PermissionsInput | undefined;
  /** Permissions of the bot's managed role. */
  botPermissions?: PermissionsInput | undefined;
  roles?: FakeRoleInit[] | undefined;
  channels?: FakeChannelInit[] | undefined;
  /** Extra members; the bot member and the owner are always added. */
  members?: FakeMemberInit[] | undefined;
}

/** The part of `FakeDiscordOptions` that shapes the world. */
export interface FakeWorldOptions {
  applicationId?: string | undefined;
  botUser?: Partial<FakeUserInit> | undefined;
  /** When set, REST `Authorization: Bot <token>` and gateway IDENTIFY/RESUME must carry it (else 401 / close 4004). */
  token?: string | undefined;
  /** Guilds the bot is in. Default: one guild with #lpse-alerts, #umum and a thread (see FAKE_DISCORD_IDS). */
  guilds?: FakeGuildInit[] | undefined;
}

export interface RecordedMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  content: string;
  embeds: Payload[];
  components: Payload[];
  flags: number;
  /** Request body as sent by the bot (payload_json for multipart). */
  body: Payload;
  /** Full Message object returned to the bot (kept up to date by edits). */
  message: Payload;
  at: number;
  edits: Payload[];
  deleted: boolean;
}

export interface AutocompleteChoice {
  name: string;
  value: string | number;
  name_localizations?: Record<string, string> | null;
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 APPLICATION_COMMAND, 4 APPLICATION_COMMAND_AUTOCOMPLETE. */
  type: number;
  commandName: string;
  guildId: string | null;
  channelId: string;
  userId: string;
  /** The INTERACTION_CREATE `d` that was dispatched. */
  payload: Payload;
  createdAt: number;
  /** Accepted callback bodies ({ type, data }) in order. */
  callbacks: Payload[];
  /** Callbacks/webhook calls the fake refused (late, duplicate, invalid). */
  rejected: Array<{ route: string; status: number; code: number; message: string }>;
  acknowledged: boolean;
  deferred: boolean;
  ephemeral: boolean;
  /** Current original response message (type 4 reply or the deferred message, after edits). */
  original: Payload | null;
  originalDeleted: boolean;
  /** PATCH bodies sent to messages/@original. */
  originalEdits: Payload[];
  /** Follow-up messages (POST /webhooks/{app}/{token}) as returned. */
  followups: Payload[];
  /** Autocomplete choices (callback type 8). */
  choices: AutocompleteChoice[] | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Internal state

export interface RoleState {
  id: string;
  name: string;
  permissions: bigint;
  color: number;
  position: number;
  managed: boolean;
  botId: string | null;
}

export interface OverwriteState {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface ChannelState {
  id: string;
  guildId: string | null;
  name: string;
  type: number;
  parentId: string | null;
  topic: string | null;
  nsfw: boolean;
  position: number;
  overwrites: OverwriteState[];
  lastMessageId: string | null;
  deleted: boolean;
}

export interface MemberState {
  user: Payload;
  roles: string[];
  nick: string | null;
  joinedAt: string;
}

export interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  locale: string;
  roles: Map<string, RoleState>;
  channels: Map<string, ChannelState>;
  members: Map<string, MemberState>;
  joinedAt: string;
  removed: boolean;
}

interface Waiter {
  /** Returns true once the waiter is settled. */
  check: () => boolean;
  fail: (error: Error) => void;
}

export type CommandScope = 'global' | string;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const DISCORD_EPOCH = 1420070400000n;
let snowflakeIncrement = 0n;

/** A fresh snowflake for "now" (discord.js derives createdAt from it). */
export function snowflake(at: number = Date.now()): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | snowflakeIncrement).toString();
}

export function toBigInt(value: PermissionsInput | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  return typeof value === 'bigint' ? value : BigInt(value);
}

export function isObj(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objArray(value: unknown): Payload[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

export function strOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

export function numOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

export function isThread(type: number): boolean {
  return type === 10 || type === 11 || type === 12;
}

export function isTextCapable(type: number): boolean {
  return [0, 1, 2, 3, 5, 10, 11, 12, 13].includes(type);
}

function userPayload(init: FakeUserInit): Payload {
  return {
    id: init.id,
    username: init.username ?? `user${init.id.slice(-4)}`,
    global_name: init.global_name === undefined ? (init.username ?? null) : init.global_name,
    discriminator: '0',
    avatar: init.avatar ?? null,
    ...(init.bot ? { bot: true } : {}),
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
}

function defaultGuild(): FakeGuildInit {
  return {
    id: FAKE_DISCORD_IDS.guild,
    name: 'Pemantau LPSE Jawa Barat',
    ownerId: FAKE_DISCORD_IDS.owner,
    preferredLocale: 'id',
    roles: [{ id: FAKE_DISCORD_IDS.adminRole, name: 'Admin', permissions: P.Administrator }],
    channels: [
      { id: FAKE_DISCORD_IDS.channel, name: 'lpse-alerts', type: 0, topic: 'Status portal LPSE' },
      { id: FAKE_DISCORD_IDS.secondChannel, name: 'umum', type: 0 },
      { id: FAKE_DISCORD_IDS.thread, name: 'diskusi-tender', type: 11, parentId: FAKE_DISCORD_IDS.channel },
    ],
    members: [
      { user: { id: FAKE_DISCORD_IDS.user, username: 'budi', global_name: 'Budi' } },
      { user: { id: FAKE_DISCORD_IDS.owner, username: 'siti', global_name: 'Siti' }, roles: [FAKE_DISCORD_IDS.adminRole] },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The world

export class FakeDiscordState {
  readonly applicationId: string;
  readonly botId: string;
  readonly botUser: Payload;
  readonly token: string | null;
  readonly guilds = new Map<string, GuildState>();
  readonly users = new Map<string, Payload>();
  readonly commands = new Map<CommandScope, Payload[]>();
  readonly messages: RecordedMessage[] = [];
  readonly interactions: InteractionRecord[] = [];
  /** Every pending timer of the fake (waits, the READY to GUILD_CREATE pause), so closing can cancel them all. */
  readonly timers = new Set<NodeJS.Timeout>();
  private readonly generatedCommandIds = new Map<string, string>();
  private readonly waiters = new Set<Waiter>();
  private stopped = false;

  constructor(options: FakeWorldOptions = {}) {
    this.applicationId = options.applicationId ?? FAKE_DISCORD_IDS.application;
    this.botId = options.botUser?.id ?? this.applicationId;
    this.botUser = userPayload({
      id: this.botId,
      username: options.botUser?.username ?? 'pantau-lpse',
      global_name: options.botUser?.global_name ?? null,
      avatar: options.botUser?.avatar ?? null,
      bot: true,
    });
    this.users.set(this.botId, this.botUser);
    this.token = options.token ?? null;

    const guilds = options.guilds ?? [defaultGuild()];
    for (const init of guilds) this.createGuildState(init);
  }

  get closed(): boolean {
    return this.stopped;
  }

  get defaultGuildId(): string {
    const first = [...this.guilds.values()][0];
    if (!first) throw new Error('fake discord has no guilds');
    return first.id;
  }

  /** REST `Authorization` and gateway IDENTIFY/RESUME both check the token the same way. */
  tokenMatches(token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0) return false;
    return this.token === null || token.replace(/^Bot\s+/i, '') === this.token;
  }

  // ----- waiting --------------------------------------------------------------------------------------------

  /** Re-evaluates `check` on every change the fake records (and every 10 ms) until it returns something other than undefined/null/false. */
  waitUntil<T>(check: () => T | undefined | null | false, timeoutMs = 2_000, what = 'a condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.stopped) {
        reject(new Error('fake discord is closed'));
        return;
      }
      const evaluate = (): { done: false } | { done: true; value: T } => {
        const value = check();
        return value === undefined || value === null || value === false ? { done: false } : { done: true, value };
      };
      try {
        const first = evaluate();
        if (first.done) {
          resolve(first.value);
          return;
        }
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const finish = (): void => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        clearInterval(poll);
        this.timers.delete(timer);
        this.timers.delete(poll);
      };
      const waiter: Waiter = {
        fail: (error) => {
          finish();
          reject(error);
        },
        check: () => {
          try {
            const result = evaluate();
            if (!result.done) return false;
            finish();
            resolve(result.value);
          } catch (error) {
            finish();
            reject(error instanceof Error ? error : new Error(String(error)));
          }
          return true;
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`fake discord: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      // Conditions may depend on state outside the fake (the client's cache, a test's array): poll as well.
      const poll = setInterval(() => waiter.check(), 10);
      this.timers.add(timer);
      this.timers.add(poll);
      this.waiters.add(waiter);
    });
  }

  /** Lets every pending wait re-check its condition; call after each change worth waiting for. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  /** Marks the fake closed: cancels every timer and fails every pending wait. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer); // also clears intervals
    this.timers.clear();
    for (const waiter of [...this.waiters]) waiter.fail(new Error('fake discord is closed'));
    this.waiters.clear();
  }

  // ----- fixture ----------------------------------------------------------------------------------------------

  createGuildState(init: FakeGuildInit): GuildState {
    const id = init.id ?? snowflake();
    const ownerId = init.ownerId ?? FAKE_DISCORD_IDS.owner;
    const now = new Date().toISOString();
    const guild: GuildState = {
      id,
      name: init.name ?? 'LPSE Watchers',
      ownerId,
      locale: init.preferredLocale ?? 'id',
      roles: new Map(),
      channels: new Map(),
      members: new Map(),
      joinedAt: now,
      removed: false,
    };
    guild.roles.set(id, {
      id,
      name: '@everyone',
      permissions: toBigInt(init.everyonePermissions, DEFAULT_EVERYONE_PERMISSIONS),
      color: 0,
      position: 0,
      managed: false,
      botId: null,
    });
    const botRoleId = id === FAKE_DISCORD_IDS.guild ? FAKE_DISCORD_IDS.botRole : snowflake();
    guild.roles.set(botRoleId, {
      id: botRoleId,
      name: strOr(this.botUser['username'], 'bot'),
      permissions: toBigInt(init.botPermissions, DEFAULT_BOT_PERMISSIONS),
      color: 0,
      position: 1,
      managed: true,
      botId: this.botId,
    });
    (init.roles ?? []).forEach((role, i) => {
      const roleId = role.id ?? snowflake();
      guild.roles.set(roleId, {
        id: roleId,
        name: role.name,
        permissions: toBigInt(role.permissions, 0n),
        color: role.color ?? 0,
        position: role.position ?? i + 2,
        managed: false,
        botId: null,
      });
    });
    this.guilds.set(id, guild);
    (init.channels ?? [{ name: 'general' }]).forEach((c, i) => this.createChannelState(guild, c, i));

    this.addMember(guild, { user: { id: this.botId }, roles: [botRoleId] });
    if (!(init.members ?? []).some((m) => m.user.id === ownerId)) {
      this.addMember(guild, { user: { id: ownerId, username: ownerId === FAKE_DISCORD_IDS.owner ? 'siti' : undefined } });
    }
    for (const member of init.members ?? []) this.addMember(guild, member);
    return guild;
  }

  private addMember(guild: GuildState, init: FakeMemberInit): void {
    const user = init.user.id === this.botId ? this.botUser : this.rememberUser(init.user);
    guild.members.set(init.user.id, {
      user,
      roles: init.roles ?? [],
      nick: init.nick ?? null,
      joinedAt: guild.joinedAt,
    });
  }

  rememberUser(init: FakeUserInit): Payload {
    const existing = this.users.get(init.id);
    if (existing && init.username === undefined) return existing;
    const user = userPayload(init);
    this.users.set(init.id, user);
    return user;
  }

  createChannelState(guild: GuildState, init: FakeChannelInit, index: number): ChannelState {
    const channel: ChannelState = {
      id: init.id ?? snowflake(),
      guildId: guild.id,
      name: init.name ?? `channel-${index}`,
      type: init.type ?? 0,
      parentId: init.parentId ?? null,
      topic: init.topic ?? null,
      nsfw: init.nsfw ?? false,
      position: init.position ?? index,
      overwrites: (init.permissionOverwrites ?? []).map((o) => ({
        id: o.id,
        type: o.type,
        allow: toBigInt(o.allow, 0n),
        deny: toBigInt(o.deny, 0n),
      })),
      lastMessageId: null,
      deleted: false,
    };
    guild.channels.set(channel.id, channel);
    return channel;
  }

  requireGuild(guildId: string): GuildState {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`unknown guild ${guildId}`);
    return guild;
  }

  findChannel(channelId: string): ChannelState | undefined {
    for (const guild of this.guilds.values()) {
      const channel = guild.channels.get(channelId);
      if (channel) return channel;
    }
    return undefined;
  }

  firstTextChannel(guildId: string): ChannelState | undefined {
    const guild = this.guilds.get(guildId);
    return guild ? [...guild.channels.values()].find((c) => c.type === 0 && !c.deleted) : undefined;
  }

  basePermissions(guild: GuildState, userId: string, roleIds: string[]): bigint {
    if (userId === guild.ownerId) return ALL_PERMISSIONS;
    let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of roleIds) perms |= guild.roles.get(roleId)?.permissions ?? 0n;
    return perms & P.Administrator ? ALL_PERMISSIONS : perms;
  }

  /** Discord's permission algorithm: @everyone + roles, then @everyone/role/member overwrites of the channel. */
  channelPermissions(guild: GuildState, channel: ChannelState | undefined, userId: string, roleIds: string[]): bigint {
    let perms = this.basePermissions(guild, userId, roleIds);
    if (perms === ALL_PERMISSIONS || !channel) return perms;
    const source = isThread(channel.type) && channel.parentId ? (guild.channels.get(channel.parentId) ?? channel) : channel;
    const everyone = source.overwrites.find((o) => o.type === 0 && o.id === guild.id);
    if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
    let allow = 0n;
    let deny = 0n;
    for (const o of source.overwrites) {
      if (o.type === 0 && roleIds.includes(o.id)) {
        allow |= o.allow;
        deny |= o.deny;
      }
    }
    perms = (perms & ~deny) | allow;
    const member = source.overwrites.find((o) => o.type === 1 && o.id === userId);
    if (member) perms = (perms & ~member.deny) | member.allow;
    return perms;
  }

  botChannelPermissions(channel: ChannelState): bigint {
    const guild = channel.guildId ? this.guilds.get(channel.guildId) : undefined;
    if (!guild) return 0n;
    const roles = guild.members.get(this.botId)?.roles ?? [];
    return this.channelPermissions(guild, channel, this.botId, roles);
  }

  // ----- registered commands ---------------------------------------------------------------------------------

  findRegisteredCommand(name: string, guildId: string | null): Payload | undefined {
    const scopes: CommandScope[] = guildId ? [guildId, 'global'] : ['global'];
    for (const scope of scopes) {
      const found = (this.commands.get(scope) ?? []).find((c) => c['name'] === name && numOr(c['type'], 1) === 1);
      if (found) return found;
    }
    return undefined;
  }

  generatedCommandId(name: string): string {
    let id = this.generatedCommandIds.get(name);
    if (!id) {
      id = snowflake();
      this.generatedCommandIds.set(name, id);
    }
    return id;
  }

  // ----- payload builders --------------------------------------------------------------------------------------

  rolePayload(role: RoleState): Payload {
    return {
      id: role.id,
      name: role.name,
      color: role.color,
      colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: false,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  channelPayload(channel: ChannelState, opts: { withGuildId?: boolean } = {}): Payload {
    const base: Payload = {
      id: channel.id,
      type: channel.type,
      ...(opts.withGuildId === false ? {} : { guild_id: channel.guildId }),
      name: channel.name,
      parent_id: channel.parentId,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: 0,
      flags: 0,
    };
    if (isThread(channel.type)) {
      const created = new Date().toISOString();
      return {
        ...base,
        owner_id: this.botId,
        message_count: 0,
        member_count: 1,
        total_message_sent: 0,
        thread_metadata: {
          archived: false,
          auto_archive_duration: 1440,
          archive_timestamp: created,
          locked: false,
          create_timestamp: created,
        },
      };
    }
    return {
      ...base,
      position: channel.position,
      topic: channel.topic,
      nsfw: channel.nsfw,
      permission_overwrites: channel.overwrites.map((o) => ({
        id: o.id,
        type: o.type,
        allow: o.allow.toString(),
        deny: o.deny.toString(),
      })),
    };
  }

  memberPayload(member: MemberState): Payload {
    return {
      user: member.user,
      nick: member.nick,
      avatar: null,
      banner: null,
      roles: member.roles,
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
      unusual_dm_activity_until: null,
    };
  }

  guildRestPayload(guild: GuildState): Payload {
    const systemChannel = [...guild.channels.values()].find((c) => c.type === 0 && !c.deleted);
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 1,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      roles: [...guild.roles.values()].map((r) => this.rolePayload(r)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: systemChannel?.id ?? null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: guild.locale,
      max_members: 500_000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw_level: 0,
      nsfw: false,
      premium_progress_bar_enabled: false,
      incidents_data: null,
      hub_type: null,
    };
  }

  guildCreatePayload(guild: GuildState): Payload {
    const channels = [...guild.channels.values()].filter((c) => !c.deleted);
    return {
      ...this.guildRestPayload(guild),
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      lazy: true,
      member_count: guild.members.size,
      voice_states: [],
      members: [...guild.members.values()].map((m) => this.memberPayload(m)),
      channels: channels.filter((c) => !isThread(c.type)).map((c) => this.channelPayload(c, { withGuildId: false })),
      threads: channels.filter((c) => isThread(c.type)).map((c) => this.channelPayload(c)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      application_command_counts: {},
    };
  }

  applicationPayload(): Payload {
    return {
      id: this.applicationId,
      name: strOr(this.botUser['username'], 'bot'),
      icon: null,
      description: '',
      summary: '',
      type: null,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: 'a'.repeat(64),
      flags: 8_945_664,
      hook: true,
      is_monetized: false,
      is_verified: false,
      is_discoverable: false,
      integration_types_config: { '0': {} },
      owner: userPayload({ id: FAKE_DISCORD_IDS.owner, username: 'siti' }),
      team: null,
      bot: this.botUser,
      approximate_guild_count: [...this.guilds.values()].filter((g) => !g.removed).length,
      redirect_uris: [],
      interactions_endpoint_url: null,
      tags: [],
    };
  }
}
