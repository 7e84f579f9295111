/**
 * A fake Discord (REST API v10 + WebSocket gateway) on 127.0.0.1 that the real discord.js v14 `Client` can log into:
 *
 *   const fake = await createFakeDiscord();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiRoot } });
 *   await client.login('fake-token'); // then wait for Events.ClientReady
 *
 * REST and the gateway share one port. `apiRoot` is `http://127.0.0.1:PORT/api`; @discordjs/rest appends `/v10`.
 * GET /gateway/bot hands out `ws://127.0.0.1:PORT`, and @discordjs/ws appends `?v=10&encoding=json`.
 *
 * Only what a bot like pantau-lpse touches is emulated: identify/resume/heartbeat, guilds with channels/roles/members,
 * slash commands and autocomplete as a user would trigger them, the interaction callback + webhook routes, command
 * registration, channel messages, and failure injection (404/403/429/5xx) for channel sends.
 */
import { randomBytes, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

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

export interface FakeDiscordOptions {
  applicationId?: string | undefined;
  botUser?: Partial<FakeUserInit> | undefined;
  /** When set, REST `Authorization: Bot <token>` and gateway IDENTIFY/RESUME must carry it (else 401 / close 4004). */
  token?: string | undefined;
  /** Guilds the bot is in. Default: one guild with #lpse-alerts, #umum and a thread (see FAKE_DISCORD_IDS). */
  guilds?: FakeGuildInit[] | undefined;
  /** HELLO heartbeat_interval. Default 41250 like Discord. */
  heartbeatIntervalMs?: number | undefined;
  /** Time the bot has to answer an interaction before callbacks get 10062 Unknown interaction. Default 3000; null = no limit. */
  interactionDeadlineMs?: number | null | undefined;
  /** Pause between READY and the GUILD_CREATEs (see caveats at `sendReady`). Default 15 ms. */
  readyGuildDelayMs?: number | undefined;
  /** Enforce ViewChannel/SendMessages on channel routes (50001/50013). Default true. */
  enforcePermissions?: boolean | undefined;
  /** Allow privileged intents (GuildMembers, GuildPresences, MessageContent). When false IDENTIFY with them closes 4014. Default true. */
  privilegedIntentsAllowed?: boolean | undefined;
}

export interface ChannelFailure {
  status: number;
  code?: number | undefined;
  message?: string | undefined;
  /** Seconds (float), for 429: body `retry_after`, headers `retry-after` / `x-ratelimit-reset-after`. Default 0.2. */
  retryAfter?: number | undefined;
  /** 429 only: a global rate limit (`x-ratelimit-global`, scope global). */
  global?: boolean | undefined;
  /** How many requests fail before sends succeed again. Default 1 for 429, unlimited otherwise. */
  times?: number | undefined;
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

export interface RecordedRequest {
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  authorization: string | null;
  at: number;
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

export interface VisibleMessage {
  content: string;
  embeds: Payload[];
  components: Payload[];
  flags: number;
  ephemeral: boolean;
  message: Payload;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  readonly payload: Payload;
  readonly record: InteractionRecord;
  /** First interaction callback body `{ type, data }` (4 reply, 5 defer, 8 autocomplete, 9 modal...). */
  response(timeoutMs?: number): Promise<Payload>;
  /** What the user sees as the original response; for a deferral, waits for the first edit (or follow-up). */
  reply(timeoutMs?: number): Promise<VisibleMessage>;
  /** The n-th follow-up message (0-based). */
  followup(index?: number, timeoutMs?: number): Promise<VisibleMessage>;
}

export interface FakeCommandOption {
  name: string;
  /** 1 SUB_COMMAND, 2 GROUP, 3 STRING, 4 INTEGER, 5 BOOLEAN, 6 USER, 7 CHANNEL, 8 ROLE, 9 MENTIONABLE, 10 NUMBER. */
  type?: number | undefined;
  value?: string | number | boolean | undefined;
  focused?: boolean | undefined;
  options?: FakeCommandOption[] | undefined;
}

export interface RunCommandInit {
  name: string;
  /** Default: the first guild. `null` runs the command in a DM with the bot. */
  guildId?: string | null | undefined;
  /** Default: the first text channel of the guild. */
  channelId?: string | undefined;
  /** Default: `budi` (FAKE_DISCORD_IDS.user). */
  user?: FakeUserInit | undefined;
  /** Member role ids. Default: the member's roles in the fixture, or none. */
  roles?: string[] | undefined;
  /** member.permissions as Discord computes it for the channel. Default: computed from roles and overwrites. */
  memberPermissions?: PermissionsInput | undefined;
  appPermissions?: PermissionsInput | undefined;
  /** `{ portal: 'lpse.jabarprov.go.id' }` (types from the registered command, else inferred) or explicit options. */
  options?: Record<string, string | number | boolean> | FakeCommandOption[] | undefined;
  subcommand?: string | undefined;
  subcommandGroup?: string | undefined;
  /** User locale. Default 'id'. */
  locale?: string | undefined;
  guildLocale?: string | undefined;
}

export interface AutocompleteInit extends RunCommandInit {
  /** Name of the focused option; default: an option flagged focused, else the last one. */
  focused?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface GatewayStats {
  readonly connections: number;
  readonly identifies: number;
  readonly resumes: number;
  readonly heartbeats: number;
  readonly lastIdentify: Payload | null;
  readonly presenceUpdates: Payload[];
  readonly connectUrls: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Internal state

interface RoleState {
  id: string;
  name: string;
  permissions: bigint;
  color: number;
  position: number;
  managed: boolean;
  botId: string | null;
}

interface OverwriteState {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

interface ChannelState {
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

interface MemberState {
  user: Payload;
  roles: string[];
  nick: string | null;
  joinedAt: string;
}

interface GuildState {
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

interface Session {
  id: string;
  seq: number;
  conn: Conn | null;
  backlog: Payload[];
  resumable: boolean;
  intents: number;
}

interface Conn {
  ws: WebSocket;
  session: Session | null;
  identifyCompress: boolean;
  deflate: zlib.Deflate | null;
  deflateChunks: Buffer[];
  sendChain: Promise<void>;
  serverClosing: boolean;
}

interface FailureState extends ChannelFailure {
  remaining: number;
}

interface Waiter {
  /** Returns true once the waiter is settled. */
  check: () => boolean;
  fail: (error: Error) => void;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RequestContext {
  method: string;
  path: string;
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  authorization: string | null;
}

type CommandScope = 'global' | string;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const DISCORD_EPOCH = 1420070400000n;
let snowflakeIncrement = 0n;

/** A fresh snowflake for "now" (discord.js derives createdAt from it). */
export function snowflake(at: number = Date.now()): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | snowflakeIncrement).toString();
}

function toBigInt(value: PermissionsInput | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  return typeof value === 'bigint' ? value : BigInt(value);
}

function isObj(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objArray(value: unknown): Payload[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

function strOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function numOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function apiError(status: number, code: number, message: string, extra?: Payload): Reply {
  return { status, body: { message, code, ...extra } };
}

const notFound = (): Reply => apiError(404, 0, '404: Not Found');
const unknownChannel = (): Reply => apiError(404, 10003, 'Unknown Channel');
const missingAccess = (): Reply => apiError(403, 50001, 'Missing Access');
const missingPermissions = (): Reply => apiError(403, 50013, 'Missing Permissions');
const unknownMessage = (): Reply => apiError(404, 10008, 'Unknown Message');
const unknownWebhook = (): Reply => apiError(404, 10015, 'Unknown Webhook');
const unknownInteraction = (): Reply => apiError(404, 10062, 'Unknown interaction');

function formError(errors: Payload): Reply {
  return apiError(400, 50035, 'Invalid Form Body', { errors });
}

function fieldError(code: string, message: string): Payload {
  return { _errors: [{ code, message }] };
}

function isThread(type: number): boolean {
  return type === 10 || type === 11 || type === 12;
}

function isTextCapable(type: number): boolean {
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

function bucketHash(route: string): string {
  return createHash('sha1').update(route).digest('hex').slice(0, 32);
}

// ---------------------------------------------------------------------------------------------------------------
// The fake

export class FakeDiscordServer {
  readonly applicationId: string;
  readonly botUser: Payload;
  readonly token: string | null;
  readonly messages: RecordedMessage[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly interactions: InteractionRecord[] = [];
  /** Raw log of command-registration writes (PUT/POST/PATCH/DELETE). */
  readonly commandWriteLog: Array<{ method: string; path: string; body: unknown }> = [];

  private readonly botId: string;
  private readonly heartbeatIntervalMs: number;
  private readonly interactionDeadlineMs: number | null;
  private readonly readyGuildDelayMs: number;
  private readonly enforcePermissions: boolean;
  private readonly privilegedIntentsAllowed: boolean;
  private readonly guildStates = new Map<string, GuildState>();
  private readonly users = new Map<string, Payload>();
  private readonly commands = new Map<CommandScope, Payload[]>();
  private readonly generatedCommandIds = new Map<string, string>();
  private readonly failures = new Map<string, FailureState>();
  private readonly sessions = new Map<string, Session>();
  private readonly conns = new Set<Conn>();
  private readonly waiters = new Set<Waiter>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly stats = {
    identifies: 0,
    resumes: 0,
    heartbeats: 0,
    lastIdentify: null as Payload | null,
    presenceUpdates: [] as Payload[],
    connectUrls: [] as string[],
  };
  private writes = 0;
  private portNumber = 0;
  private closed = false;

  constructor(options: FakeDiscordOptions = {}) {
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
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.interactionDeadlineMs = options.interactionDeadlineMs === undefined ? 3_000 : options.interactionDeadlineMs;
    this.readyGuildDelayMs = options.readyGuildDelayMs ?? 15;
    this.enforcePermissions = options.enforcePermissions ?? true;
    this.privilegedIntentsAllowed = options.privilegedIntentsAllowed ?? true;

    const guilds = options.guilds ?? [defaultGuild()];
    for (const init of guilds) this.createGuildState(init);

    this.server = createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.server, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  /** @internal */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.portNumber = (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.portNumber;
  }

  /** Pass as `new Client({ rest: { api: fake.apiRoot } })`; @discordjs/rest appends `/v10`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.portNumber}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.portNumber}`;
  }

  /** Number of command-registration writes (PUT/POST/PATCH/DELETE on the commands routes). */
  get commandWrites(): number {
    return this.writes;
  }

  get defaultGuildId(): string {
    const first = [...this.guildStates.values()][0];
    if (!first) throw new Error('fake discord has no guilds');
    return first.id;
  }

  get defaultChannelId(): string {
    const channel = this.firstTextChannel(this.defaultGuildId);
    if (!channel) throw new Error('default guild has no text channel');
    return channel.id;
  }

  get gateway(): GatewayStats {
    const stats = this.stats;
    const conns = this.conns;
    return {
      get connections() {
        return [...conns].filter((c) => c.ws.readyState === WebSocket.OPEN).length;
      },
      get identifies() {
        return stats.identifies;
      },
      get resumes() {
        return stats.resumes;
      },
      get heartbeats() {
        return stats.heartbeats;
      },
      get lastIdentify() {
        return stats.lastIdentify;
      },
      get presenceUpdates() {
        return stats.presenceUpdates;
      },
      get connectUrls() {
        return stats.connectUrls;
      },
    };
  }

  /** Registered commands: global (no argument) or for one guild. */
  getCommands(guildId?: string): Payload[] {
    return structuredClone(this.commands.get(guildId ?? 'global') ?? []);
  }

  messagesIn(channelId: string): RecordedMessage[] {
    return this.messages.filter((m) => m.channelId === channelId);
  }

  /** Guild payload as GUILD_CREATE carries it (useful for assertions). */
  guildPayload(guildId: string): Payload | null {
    const guild = this.guildStates.get(guildId);
    return guild ? this.guildCreatePayload(guild) : null;
  }

  // ----- gateway control -------------------------------------------------------------------------------------

  /** Sends a dispatch (op 0) to every identified session; returns how many sessions got (or buffered) it. */
  dispatch(event: string, data: unknown): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      if (!session.resumable) continue;
      this.dispatchTo(session, event, data);
      count++;
    }
    return count;
  }

  /** Adds a guild and dispatches GUILD_CREATE (the bot joined a guild). Returns the guild id. */
  addGuild(init: FakeGuildInit = {}): string {
    const guild = this.createGuildState(init);
    this.dispatch('GUILD_CREATE', this.guildCreatePayload(guild));
    return guild.id;
  }

  /**
   * Dispatches GUILD_DELETE. By default the bot was removed (`{ id }`; discord.js emits guildDelete and its
   * channels answer 403 Missing Access); with `unavailable: true` it is an outage (`{ id, unavailable: true }`).
   */
  removeGuild(guildId: string, opts: { unavailable?: boolean } = {}): void {
    const guild = this.guildStates.get(guildId);
    if (guild && !opts.unavailable) guild.removed = true;
    this.dispatch('GUILD_DELETE', opts.unavailable ? { id: guildId, unavailable: true } : { id: guildId });
  }

  /** Adds a channel to a guild and dispatches CHANNEL_CREATE (THREAD_CREATE for threads). */
  addChannel(guildId: string, init: FakeChannelInit = {}): string {
    const guild = this.requireGuild(guildId);
    const channel = this.createChannelState(guild, init, guild.channels.size);
    this.dispatch(isThread(channel.type) ? 'THREAD_CREATE' : 'CHANNEL_CREATE', {
      ...this.channelPayload(channel),
      ...(isThread(channel.type) ? { newly_created: true } : {}),
    });
    return channel.id;
  }

  /** Deletes a channel: dispatches CHANNEL_DELETE (THREAD_DELETE for threads); REST then answers 10003. */
  deleteChannel(channelId: string): void {
    const channel = this.findChannel(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    channel.deleted = true;
    if (isThread(channel.type)) {
      this.dispatch('THREAD_DELETE', { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type });
    } else {
      this.dispatch('CHANNEL_DELETE', this.channelPayload(channel));
    }
  }

  /** Closes every gateway connection with `code` (default 4000, resumable); discord.js reconnects and RESUMEs. */
  disconnectAll(code = 4000, reason = 'fake disconnect'): void {
    for (const conn of this.conns) {
      conn.serverClosing = true;
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, reason);
    }
  }

  // ----- users' actions -------------------------------------------------------------------------------------

  /** A user runs a slash command: dispatches INTERACTION_CREATE type 2 and returns a handle on the outcome. */
  runCommand(init: RunCommandInit): InteractionHandle {
    return this.startInteraction(2, init);
  }

  /** A user types into an autocomplete option: dispatches type 4 and resolves with the choices of callback type 8. */
  async autocomplete(init: AutocompleteInit): Promise<AutocompleteChoice[]> {
    const handle = this.startInteraction(4, init);
    const body = await handle.response(init.timeoutMs ?? 2_000);
    if (body['type'] !== 8) throw new Error(`autocomplete answered with callback type ${String(body['type'])}, not 8`);
    return handle.record.choices ?? [];
  }

  // ----- failure injection ------------------------------------------------------------------------------------

  /**
   * Make POST /channels/{id}/messages fail, e.g. `{ status: 404, code: 10003, message: 'Unknown Channel' }`,
   * `{ status: 403, code: 50001, message: 'Missing Access' }`, `{ status: 403, code: 50013, message: 'Missing Permissions' }`,
   * `{ status: 429, retryAfter: 0.2 }`. `times` defaults to 1 for 429 (discord.js retries 429s forever) and to
   * unlimited otherwise. 5xx make @discordjs/rest retry (3 retries by default) before it throws HTTPError.
   */
  failChannel(channelId: string, failure: ChannelFailure): void {
    const times = failure.times ?? (failure.status === 429 ? 1 : Number.POSITIVE_INFINITY);
    this.failures.set(channelId, { ...failure, remaining: times });
  }

  clearChannelFailures(channelId?: string): void {
    if (channelId === undefined) this.failures.clear();
    else this.failures.delete(channelId);
  }

  // ----- waiting --------------------------------------------------------------------------------------------

  /** Resolves with the first channel message (already recorded or future) matching `predicate`. */
  waitFor(predicate: (message: RecordedMessage) => boolean, timeoutMs = 2_000): Promise<RecordedMessage> {
    return this.waitUntil(() => this.messages.find(predicate), timeoutMs, 'a matching channel message');
  }

  /** Re-evaluates `check` on every change the fake records (and every 10 ms) until it returns something other than undefined/null/false. */
  waitUntil<T>(check: () => T | undefined | null | false, timeoutMs = 2_000, what = 'a condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
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

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  // ----- shutdown -------------------------------------------------------------------------------------------

  /**
   * Stops REST and the gateway. Open gateway connections are closed with `gatewayCloseCode` (default 4004,
   * "Authentication failed", which discord.js treats as unrecoverable, so a client that was not destroyed first
   * stops instead of reconnecting to a dead port every 500 ms). Destroy clients before closing the fake.
   */
  async close(opts: { gatewayCloseCode?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer); // also clears intervals
    this.timers.clear();
    for (const waiter of [...this.waiters]) waiter.fail(new Error('fake discord is closed'));
    this.waiters.clear();
    const code = opts.gatewayCloseCode ?? 4004;
    const closing = [...this.conns].map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.ws.readyState === WebSocket.CLOSED) {
            resolve();
            return;
          }
          const kill = setTimeout(() => conn.ws.terminate(), 300);
          conn.ws.once('close', () => {
            clearTimeout(kill);
            resolve();
          });
          conn.serverClosing = true;
          if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, 'fake discord closed');
          else conn.ws.terminate();
        }),
    );
    await Promise.all(closing);
    for (const conn of this.conns) conn.deflate?.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // =============================================================================================================
  // Fixture state

  private createGuildState(init: FakeGuildInit): GuildState {
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
    this.guildStates.set(id, guild);
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

  private rememberUser(init: FakeUserInit): Payload {
    const existing = this.users.get(init.id);
    if (existing && init.username === undefined) return existing;
    const user = userPayload(init);
    this.users.set(init.id, user);
    return user;
  }

  private createChannelState(guild: GuildState, init: FakeChannelInit, index: number): ChannelState {
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

  private requireGuild(guildId: string): GuildState {
    const guild = this.guildStates.get(guildId);
    if (!guild) throw new Error(`unknown guild ${guildId}`);
    return guild;
  }

  private findChannel(channelId: string): ChannelState | undefined {
    for (const guild of this.guildStates.values()) {
      const channel = guild.channels.get(channelId);
      if (channel) return channel;
    }
    return undefined;
  }

  private firstTextChannel(guildId: string): ChannelState | undefined {
    const guild = this.guildStates.get(guildId);
    return guild ? [...guild.channels.values()].find((c) => c.type === 0 && !c.deleted) : undefined;
  }

  private basePermissions(guild: GuildState, userId: string, roleIds: string[]): bigint {
    if (userId === guild.ownerId) return ALL_PERMISSIONS;
    let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of roleIds) perms |= guild.roles.get(roleId)?.permissions ?? 0n;
    return perms & P.Administrator ? ALL_PERMISSIONS : perms;
  }

  /** Discord's permission algorithm: @everyone + roles, then @everyone/role/member overwrites of the channel. */
  private channelPermissions(guild: GuildState, channel: ChannelState | undefined, userId: string, roleIds: string[]): bigint {
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

  private botChannelPermissions(channel: ChannelState): bigint {
    const guild = channel.guildId ? this.guildStates.get(channel.guildId) : undefined;
    if (!guild) return 0n;
    const roles = guild.members.get(this.botId)?.roles ?? [];
    return this.channelPermissions(guild, channel, this.botId, roles);
  }

  // ----- payload builders --------------------------------------------------------------------------------------

  private rolePayload(role: RoleState): Payload {
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

  private channelPayload(channel: ChannelState, opts: { withGuildId?: boolean } = {}): Payload {
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

  private memberPayload(member: MemberState): Payload {
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

  private guildRestPayload(guild: GuildState): Payload {
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

  private guildCreatePayload(guild: GuildState): Payload {
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

  private applicationPayload(): Payload {
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
      approximate_guild_count: [...this.guildStates.values()].filter((g) => !g.removed).length,
      redirect_uris: [],
      interactions_endpoint_url: null,
      tags: [],
    };
  }

  // =============================================================================================================
  // Gateway

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.stats.connectUrls.push(url.pathname + url.search);
    const conn: Conn = {
      ws,
      session: null,
      identifyCompress: false,
      deflate: null,
      deflateChunks: [],
      sendChain: Promise.resolve(),
      serverClosing: false,
    };
    this.conns.add(conn);
    ws.on('close', (code) => {
      this.conns.delete(conn);
      conn.deflate?.close();
      const session = conn.session;
      if (session && session.conn === conn) {
        session.conn = null;
        // A client closing with 1000/1001 ends its session; other closes (and ours) leave it resumable.
        if (!conn.serverClosing && (code === 1000 || code === 1001)) session.resumable = false;
      }
      this.notify();
    });
    ws.on('error', () => undefined);

    const version = url.searchParams.get('v');
    if (version !== null && version !== '10') {
      this.closeConn(conn, 4012, 'Invalid API version');
      return;
    }
    const encoding = url.searchParams.get('encoding');
    if (encoding !== null && encoding !== 'json') {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }
    const compress = url.searchParams.get('compress');
    if (compress === 'zlib-stream') {
      const deflate = zlib.createDeflate({ chunkSize: 65_535 });
      deflate.on('data', (chunk: Buffer) => conn.deflateChunks.push(chunk));
      deflate.on('error', () => undefined);
      conn.deflate = deflate;
    } else if (compress !== null) {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }

    ws.on('message', (data, isBinary) => this.onGatewayMessage(conn, data, isBinary));
    this.send(conn, { op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":0}]'] }, s: null, t: null });
    this.notify();
  }

  private closeConn(conn: Conn, code: number, reason: string): void {
    conn.serverClosing = true;
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, reason);
  }

  private send(conn: Conn, payload: Payload): void {
    const text = JSON.stringify(payload);
    const ws = conn.ws;
    const deflate = conn.deflate;
    if (deflate) {
      conn.sendChain = conn.sendChain.then(
        () =>
          new Promise<void>((resolve) => {
            deflate.write(text);
            deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              const out = Buffer.concat(conn.deflateChunks);
              conn.deflateChunks = [];
              if (ws.readyState === WebSocket.OPEN) ws.send(out);
              resolve();
            });
          }),
      );
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    if (conn.identifyCompress && payload['op'] === 0) ws.send(zlib.deflateSync(text));
    else ws.send(text);
  }

  private dispatchTo(session: Session, event: string, data: unknown): void {
    session.seq += 1;
    const packet: Payload = { op: 0, t: event, s: session.seq, d: data };
    if (session.conn) this.send(session.conn, packet);
    else if (session.backlog.length < 1_000) session.backlog.push(packet);
  }

  private onGatewayMessage(conn: Conn, raw: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.concat(raw as Buffer[]).toString('utf8'));
    } catch {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }
    if (!isObj(payload)) return;
    const d = payload['d'];
    switch (payload['op']) {
      case 1: // HEARTBEAT
        this.stats.heartbeats++;
        this.send(conn, { op: 11 });
        break;
      case 2: // IDENTIFY
        this.onIdentify(conn, isObj(d) ? d : {});
        break;
      case 3: // PRESENCE_UPDATE
        if (isObj(d)) this.stats.presenceUpdates.push(d);
        break;
      case 6: // RESUME
        this.onResume(conn, isObj(d) ? d : {});
        break;
      case 8: // REQUEST_GUILD_MEMBERS
        if (isObj(d)) this.onRequestMembers(conn, d);
        break;
      default: // 4 voice state, 31 soundboard etc.: ignored
        break;
    }
    this.notify();
  }

  private tokenMatches(token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0) return false;
    return this.token === null || token.replace(/^Bot\s+/i, '') === this.token;
  }

  private onIdentify(conn: Conn, d: Payload): void {
    if (conn.session) {
      this.closeConn(conn, 4005, 'Already authenticated.');
      return;
    }
    if (!this.tokenMatches(d['token'])) {
      this.closeConn(conn, 4004, 'Authentication failed.');
      return;
    }
    const intents = numOr(d['intents'], 0);
    const privileged = (1 << 1) | (1 << 8) | (1 << 15);
    if (!this.privilegedIntentsAllowed && intents & privileged) {
      this.closeConn(conn, 4014, 'Disallowed intent(s).');
      return;
    }
    this.stats.identifies++;
    this.stats.lastIdentify = d;
    conn.identifyCompress = d['compress'] === true && conn.deflate === null;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      conn,
      backlog: [],
      resumable: true,
      intents,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    this.sendReady(session, d);
  }

  /**
   * READY, then GUILD_CREATE per guild after a short pause. The pause is a safeguard: @discordjs/ws handles each frame
   * in an async function that awaits more often for READY than for other dispatches, and `ws` emits frames that
   * arrive in one TCP read synchronously, so a GUILD_CREATE coalesced with READY could in principle overtake it.
   * discord.js would then mark the guild unavailable and wait `waitGuildTimeout` (15 s) for it. (Not reproduced on
   * loopback even with back-to-back sends; real Discord never sends them that close together anyway.)
   */
  private sendReady(session: Session, identify: Payload): void {
    const guilds = [...this.guildStates.values()].filter((g) => !g.removed);
    const shard = Array.isArray(identify['shard']) ? identify['shard'] : [0, 1];
    this.dispatchTo(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...this.botUser, verified: true, mfa_enabled: false, email: null },
      session_type: 'normal',
      session_id: session.id,
      resume_gateway_url: this.gatewayUrl,
      relationships: [],
      private_channels: [],
      presences: [],
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['singapore', 'hongkong', 'japan'],
      auth: {},
      application: { id: this.applicationId, flags: 8_945_664 },
      shard,
      _trace: ['["fake-gateway",{"micros":0}]'],
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const guild of guilds) {
        if (!guild.removed) this.dispatchTo(session, 'GUILD_CREATE', this.guildCreatePayload(guild));
      }
      this.notify();
    }, this.readyGuildDelayMs);
    this.timers.add(timer);
  }

  private onResume(conn: Conn, d: Payload): void {
    const session = this.sessions.get(strOr(d['session_id'], ''));
    if (!session || !session.resumable || !this.tokenMatches(d['token'])) {
      this.send(conn, { op: 9, d: false, s: null, t: null });
      return;
    }
    this.stats.resumes++;
    if (session.conn && session.conn !== conn) this.closeConn(session.conn, 4000, 'Session resumed elsewhere');
    session.conn = conn;
    conn.session = session;
    const backlog = session.backlog.splice(0);
    for (const packet of backlog) this.send(conn, packet);
    this.dispatchTo(session, 'RESUMED', { _trace: ['["fake-gateway",{"micros":0}]'] });
  }

  private onRequestMembers(conn: Conn, d: Payload): void {
    const session = conn.session;
    if (!session) return;
    const guildIds = Array.isArray(d['guild_id']) ? d['guild_id'].map(String) : [strOr(d['guild_id'], '')];
    const userIds = Array.isArray(d['user_ids']) ? d['user_ids'].map(String) : typeof d['user_ids'] === 'string' ? [d['user_ids']] : null;
    const query = typeof d['query'] === 'string' ? d['query'].toLowerCase() : '';
    const limit = numOr(d['limit'], 0);
    for (const guildId of guildIds) {
      const guild = this.guildStates.get(guildId);
      if (!guild) continue;
      let members = [...guild.members.values()];
      if (userIds) members = members.filter((m) => userIds.includes(strOr(m.user['id'], '')));
      else if (query) members = members.filter((m) => strOr(m.user['username'], '').toLowerCase().startsWith(query));
      if (limit > 0) members = members.slice(0, limit);
      const notFoundIds = userIds ? userIds.filter((id) => !guild.members.has(id)) : [];
      this.dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
        guild_id: guildId,
        members: members.map((m) => this.memberPayload(m)),
        chunk_index: 0,
        chunk_count: 1,
        ...(notFoundIds.length ? { not_found: notFoundIds } : {}),
        ...(d['nonce'] !== undefined ? { nonce: d['nonce'] } : {}),
      });
    }
  }

  // =============================================================================================================
  // Interactions

  private startInteraction(type: 2 | 4, init: RunCommandInit | AutocompleteInit): InteractionHandle {
    if (this.closed) throw new Error('fake discord is closed');
    if (![...this.sessions.values()].some((s) => s.resumable)) {
      throw new Error('fake discord: no identified gateway session; log a client in before running commands');
    }
    const guildId = init.guildId === undefined ? this.defaultGuildId : init.guildId;
    const guild = guildId ? this.requireGuild(guildId) : null;
    const userInit = init.user ?? { id: FAKE_DISCORD_IDS.user, username: 'budi', global_name: 'Budi' };
    const user = this.rememberUser(userInit);
    const userId = userInit.id;

    let channelPayload: Payload;
    let channelId: string;
    let channel: ChannelState | undefined;
    if (guild) {
      channelId = init.channelId ?? this.firstTextChannel(guild.id)?.id ?? snowflake();
      channel = guild.channels.get(channelId);
    } else {
      channelId = init.channelId ?? `9${userId.slice(1)}`;
    }
    const memberState = guild?.members.get(userId);
    const roles = init.roles ?? memberState?.roles ?? [];
    if (guild && !memberState) {
      guild.members.set(userId, { user, roles, nick: null, joinedAt: new Date().toISOString() });
    } else if (memberState && init.roles) {
      memberState.roles = init.roles;
    }
    const memberPerms = guild
      ? toBigInt(init.memberPermissions, this.channelPermissions(guild, channel, userId, roles))
      : null;
    const appPerms = toBigInt(
      init.appPermissions,
      guild ? (channel ? this.botChannelPermissions(channel) : this.basePermissions(guild, this.botId, guild.members.get(this.botId)?.roles ?? [])) : P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles | P.ReadMessageHistory,
    );
    if (guild) {
      channelPayload = channel
        ? { ...this.channelPayload(channel), permissions: (memberPerms ?? 0n).toString() }
        : { id: channelId, type: 0, guild_id: guild.id, name: 'unknown', parent_id: null, flags: 0, permissions: (memberPerms ?? 0n).toString() };
    } else {
      channelPayload = { id: channelId, type: 1, last_message_id: null, flags: 0, recipients: [user] };
    }

    const command = this.findRegisteredCommand(init.name, guildId);
    const commandId = command ? strOr(command['id'], '') : this.generatedCommandId(init.name);
    const focusedName = type === 4 ? (init as AutocompleteInit).focused : undefined;
    const { options, resolved } = this.buildOptions(init, command, guild, type === 4, focusedName);

    const id = snowflake();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
    const data: Payload = {
      id: commandId,
      name: init.name,
      type: 1,
      ...(options.length ? { options } : {}),
      ...(resolved ? { resolved } : {}),
      ...(command && command['guild_id'] ? { guild_id: command['guild_id'] } : {}),
    };
    const payload: Payload = {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      data,
      ...(guild
        ? {
            guild: { id: guild.id, locale: guild.locale, features: [] },
            guild_id: guild.id,
            member: {
              ...this.memberPayload(guild.members.get(userId) ?? { user, roles, nick: null, joinedAt: new Date().toISOString() }),
              permissions: (memberPerms ?? 0n).toString(),
            },
            guild_locale: init.guildLocale ?? guild.locale,
            authorizing_integration_owners: { '0': guild.id },
            context: 0,
          }
        : {
            user,
            authorizing_integration_owners: { '0': '0' },
            context: 1,
          }),
      channel: channelPayload,
      channel_id: channelId,
      app_permissions: appPerms.toString(),
      locale: init.locale ?? 'id',
      entitlements: [],
      entitlement_sku_ids: [],
      attachment_size_limit: 10_485_760,
    };

    const record: InteractionRecord = {
      id,
      token,
      type,
      commandName: init.name,
      guildId: guild?.id ?? null,
      channelId,
      userId,
      payload,
      createdAt: Date.now(),
      callbacks: [],
      rejected: [],
      acknowledged: false,
      deferred: false,
      ephemeral: false,
      original: null,
      originalDeleted: false,
      originalEdits: [],
      followups: [],
      choices: null,
    };
    this.interactions.push(record);
    this.dispatch('INTERACTION_CREATE', payload);
    this.notify();
    return this.handleFor(record);
  }

  private handleFor(record: InteractionRecord): InteractionHandle {
    const visible = (message: Payload): VisibleMessage => {
      const flags = numOr(message['flags'], 0);
      return {
        content: strOr(message['content'], ''),
        embeds: objArray(message['embeds']),
        components: objArray(message['components']),
        flags,
        ephemeral: (flags & 64) !== 0,
        message,
      };
    };
    return {
      id: record.id,
      token: record.token,
      payload: record.payload,
      record,
      response: (timeoutMs = 2_000) =>
        this.waitUntil(() => record.callbacks[0], timeoutMs, `a callback for interaction /${record.commandName}`),
      reply: (timeoutMs = 2_000) =>
        this.waitUntil(
          () => {
            const first = record.callbacks[0];
            if (!first || !record.original) return undefined;
            const type = first['type'];
            if (type === 4) return visible(record.original);
            if (type === 5) return numOr(record.original['flags'], 0) & 128 ? undefined : visible(record.original);
            throw new Error(`interaction /${record.commandName} was answered with callback type ${String(type)}, not a message`);
          },
          timeoutMs,
          `the visible reply to /${record.commandName}`,
        ),
      followup: (index = 0, timeoutMs = 2_000) =>
        this.waitUntil(
          () => {
            const message = record.followups[index];
            return message ? visible(message) : undefined;
          },
          timeoutMs,
          `follow-up #${index} of /${record.commandName}`,
        ),
    };
  }

  private findRegisteredCommand(name: string, guildId: string | null): Payload | undefined {
    const scopes: CommandScope[] = guildId ? [guildId, 'global'] : ['global'];
    for (const scope of scopes) {
      const found = (this.commands.get(scope) ?? []).find((c) => c['name'] === name && numOr(c['type'], 1) === 1);
      if (found) return found;
    }
    return undefined;
  }

  private generatedCommandId(name: string): string {
    let id = this.generatedCommandIds.get(name);
    if (!id) {
      id = snowflake();
      this.generatedCommandIds.set(name, id);
    }
    return id;
  }

  private buildOptions(
    init: RunCommandInit,
    command: Payload | undefined,
    guild: GuildState | null,
    autocomplete: boolean,
    focusedName: string | undefined,
  ): { options: Payload[]; resolved: Payload | null } {
    // Walk the registered schema down to the subcommand, for option types.
    let schema = objArray(command?.['options']);
    if (init.subcommandGroup) schema = objArray(schema.find((o) => o['name'] === init.subcommandGroup)?.['options']);
    if (init.subcommand) schema = objArray(schema.find((o) => o['name'] === init.subcommand)?.['options']);

    const inputs: FakeCommandOption[] = Array.isArray(init.options)
      ? init.options
      : Object.entries(init.options ?? {}).map(([name, value]) => ({ name, value }));

    const resolved: { users: Payload; members: Payload; channels: Payload; roles: Payload } = {
      users: {},
      members: {},
      channels: {},
      roles: {},
    };
    let anyResolved = false;
    const anyFocused = inputs.some((o) => o.focused) || focusedName !== undefined;
    const leaf = inputs.map((input, i): Payload => {
      const declared = schema.find((o) => o['name'] === input.name);
      const type = input.type ?? (typeof declared?.['type'] === 'number' ? declared['type'] : inferType(input.value));
      const focused = autocomplete && (input.focused || input.name === focusedName || (!anyFocused && i === inputs.length - 1));
      // While typing, Discord sends the raw text of the focused option as a string.
      const value = focused && input.value !== undefined ? String(input.value) : input.value;
      const value2 = type === 4 && typeof value === 'string' && !focused ? Number(value) : value;
      if (!focused && typeof value2 === 'string' && guild && [6, 7, 8, 9].includes(type)) {
        anyResolved = this.resolveMention(guild, type, value2, resolved) || anyResolved;
      }
      return {
        name: input.name,
        type,
        ...(value2 !== undefined ? { value: value2 } : {}),
        ...(input.options ? { options: input.options } : {}),
        ...(focused ? { focused: true } : {}),
      };
    });

    let options = leaf;
    if (init.subcommand) options = [{ name: init.subcommand, type: 1, options }];
    if (init.subcommandGroup) options = [{ name: init.subcommandGroup, type: 2, options }];
    const used = Object.fromEntries(Object.entries(resolved).filter(([, v]) => Object.keys(v).length > 0));
    return { options, resolved: anyResolved ? used : null };
  }

  private resolveMention(
    guild: GuildState,
    type: number,
    id: string,
    resolved: { users: Payload; members: Payload; channels: Payload; roles: Payload },
  ): boolean {
    let found = false;
    if (type === 7 || type === 9) {
      const channel = guild.channels.get(id);
      if (channel) {
        const c = this.channelPayload(channel);
        resolved.channels[id] = {
          id,
          name: channel.name,
          type: channel.type,
          parent_id: channel.parentId,
          flags: 0,
          permissions: this.channelPermissions(guild, channel, FAKE_DISCORD_IDS.user, []).toString(),
          ...(c['thread_metadata'] ? { thread_metadata: c['thread_metadata'] } : {}),
        };
        found = true;
      }
    }
    if (type === 6 || type === 9) {
      const member = guild.members.get(id);
      const user = member?.user ?? this.users.get(id);
      if (user) {
        resolved.users[id] = user;
        if (member) {
          const { user: _user, ...rest } = this.memberPayload(member);
          resolved.members[id] = { ...rest, permissions: this.basePermissions(guild, id, member.roles).toString() };
        }
        found = true;
      }
    }
    if (type === 8 || type === 9) {
      const role = guild.roles.get(id);
      if (role) {
        resolved.roles[id] = this.rolePayload(role);
        found = true;
      }
    }
    return found;
  }

  private interactionMetadata(record: InteractionRecord): Payload {
    const user = this.users.get(record.userId) ?? { id: record.userId };
    return {
      id: record.id,
      type: record.type,
      user,
      authorizing_integration_owners: record.payload['authorizing_integration_owners'],
      name: record.commandName,
      command_type: 1,
    };
  }

  private interactionMessage(record: InteractionRecord, data: Payload, opts: { id?: string; loading?: boolean; followup?: boolean }): Payload {
    const flags = (numOr(data['flags'], 0) & (64 | 4 | 4096)) | (opts.loading ? 128 : 0);
    return {
      ...this.baseMessage(opts.id ?? snowflake(), record.channelId, data),
      type: opts.followup ? 0 : 20,
      flags,
      webhook_id: this.applicationId,
      application_id: this.applicationId,
      interaction_metadata: this.interactionMetadata(record),
      interaction: { id: record.id, type: record.type, name: record.commandName, user: this.interactionMetadata(record)['user'] },
    };
  }

  private baseMessage(id: string, channelId: string, body: Payload): Payload {
    return {
      id,
      channel_id: channelId,
      author: this.botUser,
      content: strOr(body['content'], ''),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: body['tts'] === true,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: normalizeEmbeds(body['embeds']),
      components: objArray(body['components']),
      pinned: false,
      type: 0,
      flags: numOr(body['flags'], 0) & (4 | 4096),
      ...(body['nonce'] !== undefined ? { nonce: body['nonce'] } : {}),
      ...(isObj(body['message_reference'])
        ? { message_reference: { type: 0, channel_id: channelId, ...body['message_reference'] }, type: 19 }
        : {}),
    };
  }

  private rejectInteraction(record: InteractionRecord, route: string, reply: Reply): Reply {
    const body = isObj(reply.body) ? reply.body : {};
    record.rejected.push({ route, status: reply.status, code: numOr(body['code'], 0), message: strOr(body['message'], '') });
    this.notify();
    return reply;
  }

  private onInteractionCallback(ctx: RequestContext, interactionId: string, token: string): Reply {
    const record = this.interactions.find((r) => r.id === interactionId);
    if (!record || record.token !== token) return unknownInteraction();
    const route = 'callback';
    if (this.interactionDeadlineMs !== null && Date.now() - record.createdAt > this.interactionDeadlineMs) {
      return this.rejectInteraction(record, route, unknownInteraction());
    }
    if (record.acknowledged) {
      return this.rejectInteraction(record, route, apiError(400, 40060, 'Interaction has already been acknowledged.'));
    }
    const body = isObj(ctx.body) ? ctx.body : {};
    const type = body['type'];
    const data = isObj(body['data']) ? body['data'] : {};
    const allowed = record.type === 4 ? [8] : [4, 5, 9, 12];
    if (typeof type !== 'number' || !allowed.includes(type)) {
      return this.rejectInteraction(record, route, formError({ type: fieldError('BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`) }));
    }
    if (type === 4) {
      const invalid = validateMessageBody(data, { allowEmpty: false });
      if (invalid) return this.rejectInteraction(record, route, invalid);
      record.original = this.interactionMessage(record, data, {});
      record.ephemeral = (numOr(data['flags'], 0) & 64) !== 0;
    } else if (type === 5) {
      record.original = this.interactionMessage(record, { content: '', flags: data['flags'] }, { loading: true });
      record.deferred = true;
      record.ephemeral = (numOr(data['flags'], 0) & 64) !== 0;
    } else if (type === 8) {
      const choices = objArray(data['choices']);
      const bad = choices.length > 25 || choices.some((c) => {
        const name = c['name'];
        const value = c['value'];
        return typeof name !== 'string' || name.length < 1 || name.length > 100 ||
          (typeof value === 'string' ? value.length > 100 : typeof value !== 'number');
      });
      if (bad) {
        return this.rejectInteraction(record, route, formError({ data: { choices: fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length; names 1-100, string values up to 100 characters.') } }));
      }
      record.choices = choices.map((c) => ({
        name: strOr(c['name'], ''),
        value: typeof c['value'] === 'number' ? c['value'] : strOr(c['value'], ''),
        ...(isObj(c['name_localizations']) ? { name_localizations: c['name_localizations'] as Record<string, string> } : {}),
      }));
    }
    record.acknowledged = true;
    record.callbacks.push({ type, data });
    this.notify();
    if (ctx.query.get('with_response') === 'true') {
      return {
        status: 200,
        body: {
          interaction: {
            id: record.id,
            type: record.type,
            response_message_id: record.original?.['id'] ?? null,
            response_message_loading: type === 5,
            response_message_ephemeral: record.ephemeral,
          },
          resource: { type, ...(record.original && (type === 4 || type === 5) ? { message: record.original } : {}) },
        },
      };
    }
    return { status: 204 };
  }

  private onWebhook(ctx: RequestContext, appId: string, token: string, messageId: string | undefined): Reply {
    const record = this.interactions.find((r) => r.token === token);
    if (appId !== this.applicationId || !record) return unknownWebhook();
    const route = messageId ? `webhook messages/${messageId}` : 'webhook';
    if (!record.acknowledged) return this.rejectInteraction(record, route, unknownWebhook());
    const body = isObj(ctx.body) ? ctx.body : {};

    if (!messageId) {
      if (ctx.method !== 'POST') return apiError(405, 0, '405: Method Not Allowed');
      const invalid = validateMessageBody(body, { allowEmpty: false });
      if (invalid) return this.rejectInteraction(record, route, invalid);
      let message: Payload;
      if (record.original && numOr(record.original['flags'], 0) & 128) {
        // The first follow-up after a deferral replaces the loading message.
        message = this.interactionMessage(record, { ...body, flags: record.original['flags'] }, { id: strOr(record.original['id'], snowflake()) });
        record.original = message;
      } else {
        message = this.interactionMessage(record, body, { followup: true });
      }
      record.followups.push(message);
      this.notify();
      return ctx.query.get('wait') === 'true' ? { status: 200, body: message } : { status: 204 };
    }

    const isOriginal = messageId === '@original';
    const target = isOriginal
      ? record.originalDeleted ? null : record.original
      : (record.followups.find((m) => m['id'] === messageId) ?? (record.original?.['id'] === messageId && !record.originalDeleted ? record.original : null));
    if (!target) return this.rejectInteraction(record, route, unknownMessage());

    if (ctx.method === 'GET') return { status: 200, body: target };
    if (ctx.method === 'DELETE') {
      if (target === record.original) record.originalDeleted = true;
      else record.followups.splice(record.followups.indexOf(target), 1);
      this.notify();
      return { status: 204 };
    }
    if (ctx.method === 'PATCH') {
      const invalid = validateMessageBody(body, { allowEmpty: true });
      if (invalid) return this.rejectInteraction(record, route, invalid);
      applyEdit(target, body);
      target['flags'] = numOr(target['flags'], 0) & ~128;
      if (target === record.original) record.originalEdits.push(body);
      this.notify();
      return { status: 200, body: target };
    }
    return apiError(405, 0, '405: Method Not Allowed');
  }

  // =============================================================================================================
  // Commands

  private onCommands(ctx: RequestContext, appId: string, guildId: string | null, commandId: string | undefined): Reply {
    if (appId !== this.applicationId) return apiError(403, 50001, 'Missing Access');
    if (guildId) {
      const guild = this.guildStates.get(guildId);
      if (!guild) return apiError(404, 10004, 'Unknown Guild');
      if (guild.removed) return missingAccess();
    }
    const scope: CommandScope = guildId ?? 'global';
    const list = this.commands.get(scope) ?? [];
    const mutating = ctx.method !== 'GET';
    if (mutating) {
      this.writes++;
      this.commandWriteLog.push({ method: ctx.method, path: ctx.path, body: ctx.body });
    }

    if (commandId === 'permissions' && ctx.method === 'GET') return { status: 200, body: [] };

    if (commandId === undefined) {
      if (ctx.method === 'GET') return { status: 200, body: list };
      if (ctx.method === 'PUT') {
        const inputs = Array.isArray(ctx.body) ? ctx.body : null;
        if (!inputs) return formError({ _errors: [{ code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }] });
        const errors: Payload = {};
        inputs.forEach((input, i) => {
          const e = validateCommand(input, guildId === null);
          if (e) errors[String(i)] = e;
        });
        const names = inputs.map((c) => `${isObj(c) ? numOr(c['type'], 1) : 1}:${isObj(c) ? String(c['name']) : ''}`);
        if (new Set(names).size !== names.length) errors['_errors'] = [{ code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: 'Application command names must be unique' }];
        if (Object.keys(errors).length) return formError(errors);
        const next = inputs.map((input) => {
          const obj = input as Payload;
          const existing = list.find((c) => c['name'] === obj['name'] && numOr(c['type'], 1) === numOr(obj['type'], 1));
          return this.normalizeCommand(obj, existing, guildId);
        });
        this.commands.set(scope, next);
        this.notify();
        return { status: 200, body: next };
      }
      if (ctx.method === 'POST') {
        const error = validateCommand(ctx.body, guildId === null);
        if (error) return formError(error);
        const obj = ctx.body as Payload;
        const index = list.findIndex((c) => c['name'] === obj['name'] && numOr(c['type'], 1) === numOr(obj['type'], 1));
        const command = this.normalizeCommand(obj, index >= 0 ? list[index] : undefined, guildId);
        const next = [...list];
        if (index >= 0) next[index] = command;
        else next.push(command);
        this.commands.set(scope, next);
        this.notify();
        return { status: index >= 0 ? 200 : 201, body: command };
      }
      return apiError(405, 0, '405: Method Not Allowed');
    }

    const index = list.findIndex((c) => c['id'] === commandId);
    const existing = list[index];
    if (!existing) return apiError(404, 10063, 'Unknown application command');
    if (ctx.method === 'GET') return { status: 200, body: existing };
    if (ctx.method === 'DELETE') {
      this.commands.set(scope, list.filter((c) => c !== existing));
      this.notify();
      return { status: 204 };
    }
    if (ctx.method === 'PATCH') {
      const merged = { ...existing, ...(isObj(ctx.body) ? ctx.body : {}) };
      const error = validateCommand(merged, guildId === null);
      if (error) return formError(error);
      const command = this.normalizeCommand(merged, existing, guildId);
      const next = [...list];
      next[index] = command;
      this.commands.set(scope, next);
      this.notify();
      return { status: 200, body: command };
    }
    return apiError(405, 0, '405: Method Not Allowed');
  }

  private normalizeCommand(input: Payload, existing: Payload | undefined, guildId: string | null): Payload {
    const type = numOr(input['type'], 1);
    const options = objArray(input['options']);
    const command: Payload = {
      id: existing?.['id'] ?? snowflake(),
      application_id: this.applicationId,
      version: '',
      default_member_permissions: input['default_member_permissions'] ?? null,
      type,
      name: input['name'],
      name_localizations: input['name_localizations'] ?? null,
      description: type === 1 ? strOr(input['description'], '') : '',
      description_localizations: input['description_localizations'] ?? null,
      ...(guildId ? { guild_id: guildId } : { dm_permission: input['dm_permission'] ?? true }),
      contexts: input['contexts'] ?? null,
      integration_types: input['integration_types'] ?? [0],
      nsfw: input['nsfw'] ?? false,
      ...(options.length ? { options } : {}),
    };
    const comparable = (c: Payload): string => JSON.stringify({ ...c, id: null, version: null });
    command['version'] = existing && comparable(existing) === comparable(command) ? existing['version'] : snowflake();
    return command;
  }

  // =============================================================================================================
  // Channel messages

  private channelAccess(channelId: string, need: bigint): { channel: ChannelState } | Reply {
    const channel = this.findChannel(channelId);
    if (!channel || channel.deleted) return unknownChannel();
    const guild = channel.guildId ? this.guildStates.get(channel.guildId) : undefined;
    if (guild?.removed) return missingAccess();
    if (this.enforcePermissions) {
      const perms = this.botChannelPermissions(channel);
      if (!(perms & P.ViewChannel)) return missingAccess();
      if ((perms & need) !== need) return missingPermissions();
    }
    return { channel };
  }

  private onCreateMessage(ctx: RequestContext, channelId: string): Reply {
    const failure = this.failures.get(channelId);
    if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.delete(channelId);
      return failureReply(failure);
    }
    const channel0 = this.findChannel(channelId);
    const sendPerm = channel0 && isThread(channel0.type) ? P.SendMessagesInThreads : P.SendMessages;
    const access = this.channelAccess(channelId, sendPerm);
    if (!('channel' in access)) return access;
    const { channel } = access;
    if (!isTextCapable(channel.type)) return apiError(400, 50008, 'Cannot send messages in a non-text channel');
    const body = isObj(ctx.body) ? ctx.body : {};
    const invalid = validateMessageBody(body, { allowEmpty: false });
    if (invalid) return invalid;
    const id = snowflake();
    const message = this.baseMessage(id, channelId, body);
    channel.lastMessageId = id;
    const record: RecordedMessage = {
      id,
      channelId,
      guildId: channel.guildId,
      content: strOr(message['content'], ''),
      embeds: objArray(message['embeds']),
      components: objArray(message['components']),
      flags: numOr(message['flags'], 0),
      body,
      message,
      at: Date.now(),
      edits: [],
      deleted: false,
    };
    this.messages.push(record);
    this.notify();
    return { status: 200, body: message };
  }

  private onChannelMessage(ctx: RequestContext, channelId: string, messageId: string): Reply {
    const access = this.channelAccess(channelId, ctx.method === 'GET' ? P.ReadMessageHistory : 0n);
    if (!('channel' in access)) return access;
    const record = this.messages.find((m) => m.id === messageId && m.channelId === channelId && !m.deleted);
    if (!record) return unknownMessage();
    if (ctx.method === 'GET') return { status: 200, body: record.message };
    if (ctx.method === 'DELETE') {
      record.deleted = true;
      this.notify();
      return { status: 204 };
    }
    if (ctx.method === 'PATCH') {
      const body = isObj(ctx.body) ? ctx.body : {};
      const invalid = validateMessageBody(body, { allowEmpty: true });
      if (invalid) return invalid;
      applyEdit(record.message, body);
      record.content = strOr(record.message['content'], '');
      record.embeds = objArray(record.message['embeds']);
      record.components = objArray(record.message['components']);
      record.flags = numOr(record.message['flags'], 0);
      record.edits.push(body);
      this.notify();
      return { status: 200, body: record.message };
    }
    return apiError(405, 0, '405: Method Not Allowed');
  }

  // =============================================================================================================
  // HTTP

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: unknown = undefined;
    let reply: Reply;
    try {
      body = await parseBody(raw, req.headers['content-type']);
      const match = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(url.pathname);
      const path = match?.[2] ?? url.pathname;
      const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : null;
      const ctx: RequestContext = {
        method,
        path,
        segments: path.split('/').filter(Boolean).map(decodeURIComponent),
        query: url.searchParams,
        body,
        authorization,
      };
      reply = match ? this.route(ctx) : notFound();
      this.requests.push({
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        body,
        status: reply.status,
        authorization,
        at: Date.now(),
      });
    } catch (error) {
      reply = apiError(400, 50109, `The request body contains invalid JSON. (${error instanceof Error ? error.message : String(error)})`);
    }
    this.notify();
    const headers: Record<string, string> = { via: 'fake-discord', ...reply.headers };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  private route(ctx: RequestContext): Reply {
    const s = ctx.segments;
    const m = ctx.method;
    const [a, b, c, d, e, f] = s;

    // Routes Discord serves without the bot token.
    if (a === 'interactions' && b && c && d === 'callback' && s.length === 4) {
      return m === 'POST' ? this.onInteractionCallback(ctx, b, c) : apiError(405, 0, '405: Method Not Allowed');
    }
    if (a === 'webhooks' && b && c && (s.length === 3 || (d === 'messages' && e && s.length === 5))) {
      return this.onWebhook(ctx, b, c, e);
    }

    if (!ctx.authorization || !this.tokenMatches(ctx.authorization.replace(/^Bot\s+/i, '')) || !/^Bot\s+/i.test(ctx.authorization)) {
      return apiError(401, 0, '401: Unauthorized');
    }

    if (a === 'gateway' && s.length === 1 && m === 'GET') return { status: 200, body: { url: this.gatewayUrl } };
    if (a === 'gateway' && b === 'bot' && s.length === 2 && m === 'GET') {
      return {
        status: 200,
        body: {
          url: this.gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000 - this.stats.identifies, reset_after: 86_400_000, max_concurrency: 1 },
        },
      };
    }
    if (a === 'users' && b && s.length === 2 && m === 'GET') {
      const user = b === '@me' ? { ...this.botUser, verified: true, mfa_enabled: false, email: null, locale: 'en-US' } : this.users.get(b);
      return user ? { status: 200, body: user } : apiError(404, 10013, 'Unknown User');
    }
    if ((a === 'applications' && b === '@me' && s.length === 2) || (a === 'oauth2' && b === 'applications' && c === '@me' && s.length === 3)) {
      if (m === 'GET' || m === 'PATCH') return { status: 200, body: this.applicationPayload() };
    }
    if (a === 'applications' && b && c === 'commands' && s.length <= 4) return this.onCommands(ctx, b, null, d);
    if (a === 'applications' && b && c === 'guilds' && d && e === 'commands' && s.length <= 6) {
      return this.onCommands(ctx, b, d, f);
    }
    if (a === 'channels' && b) {
      if (s.length === 2 && m === 'GET') {
        const access = this.channelAccess(b, 0n);
        return 'channel' in access ? { status: 200, body: this.channelPayload(access.channel) } : access;
      }
      if (c === 'messages' && s.length === 3 && m === 'POST') return this.onCreateMessage(ctx, b);
      if (c === 'messages' && d && s.length === 4) return this.onChannelMessage(ctx, b, d);
      if (c === 'typing' && s.length === 3 && m === 'POST') {
        const access = this.channelAccess(b, P.SendMessages);
        return 'channel' in access ? { status: 204 } : access;
      }
    }
    if (a === 'guilds' && b) {
      const guild = this.guildStates.get(b);
      if (!guild) return apiError(404, 10004, 'Unknown Guild');
      if (guild.removed) return missingAccess();
      if (s.length === 2 && m === 'GET') return { status: 200, body: this.guildRestPayload(guild) };
      if (c === 'channels' && s.length === 3 && m === 'GET') {
        return { status: 200, body: [...guild.channels.values()].filter((ch) => !ch.deleted && !isThread(ch.type)).map((ch) => this.channelPayload(ch)) };
      }
      if (c === 'roles' && s.length === 3 && m === 'GET') {
        return { status: 200, body: [...guild.roles.values()].map((r) => this.rolePayload(r)) };
      }
      if (c === 'members' && d && s.length === 4 && m === 'GET') {
        const member = guild.members.get(d === '@me' ? this.botId : d);
        return member ? { status: 200, body: this.memberPayload(member) } : apiError(404, 10007, 'Unknown Member');
      }
    }
    return notFound();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Module-level helpers

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

function inferType(value: unknown): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

async function parseBody(raw: Buffer, contentType: string | undefined): Promise<unknown> {
  if (raw.length === 0) return undefined;
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const json = form.get('payload_json');
    const parsed: unknown = typeof json === 'string' ? JSON.parse(json) : {};
    const files = [...form.keys()].filter((k) => k.startsWith('files['));
    return isObj(parsed) ? { ...parsed, _files: files } : parsed;
  }
  return JSON.parse(raw.toString('utf8'));
}

function normalizeEmbeds(value: unknown): Payload[] {
  return objArray(value).map((embed) => ({ type: 'rich', ...embed }));
}

function applyEdit(target: Payload, body: Payload): void {
  for (const key of ['content', 'embeds', 'components', 'attachments', 'flags'] as const) {
    if (!(key in body)) continue;
    const value = body[key];
    if (key === 'content') target[key] = typeof value === 'string' ? value : '';
    else if (key === 'embeds') target[key] = normalizeEmbeds(value);
    else if (key === 'flags') target[key] = (numOr(target['flags'], 0) & 64) | (numOr(value, 0) & (4 | 4096));
    else target[key] = Array.isArray(value) ? value : [];
  }
  target['edited_timestamp'] = new Date().toISOString();
}

function failureReply(failure: ChannelFailure): Reply {
  if (failure.status === 429) {
    const retryAfter = failure.retryAfter ?? 0.2;
    const global = failure.global === true;
    return {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: retryAfter, global, ...(failure.code !== undefined ? { code: failure.code } : {}) },
      headers: {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String((Date.now() / 1000 + retryAfter).toFixed(3)),
        'x-ratelimit-reset-after': String(retryAfter),
        'x-ratelimit-bucket': bucketHash('POST /channels/:id/messages'),
        'x-ratelimit-scope': global ? 'global' : 'user',
        ...(global ? { 'x-ratelimit-global': 'true' } : {}),
      },
    };
  }
  const defaults: Record<number, [number, string]> = {
    400: [50035, 'Invalid Form Body'],
    401: [0, '401: Unauthorized'],
    403: [50001, 'Missing Access'],
    404: [10003, 'Unknown Channel'],
    500: [0, '500: Internal Server Error'],
    502: [0, '502: Bad Gateway'],
    503: [0, '503: Service Unavailable'],
  };
  const [code, message] = defaults[failure.status] ?? [0, `${failure.status}`];
  return apiError(failure.status, failure.code ?? code, failure.message ?? message);
}

/** The subset of Discord's message limits a bot can trip over. */
function validateMessageBody(body: Payload, opts: { allowEmpty: boolean }): Reply | null {
  const errors: Payload = {};
  const content = body['content'];
  if (typeof content === 'string' && content.length > 2000) {
    errors['content'] = fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  }
  const embeds = objArray(body['embeds']);
  if (embeds.length > 10) errors['embeds'] = fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  const embedErrors: Payload = {};
  embeds.forEach((embed, i) => {
    const e: Payload = {};
    const len = (v: unknown): number => (typeof v === 'string' ? v.length : 0);
    const check = (key: string, v: unknown, max: number): void => {
      total += len(v);
      if (len(v) > max) e[key] = fieldError('BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    };
    check('title', embed['title'], 256);
    check('description', embed['description'], 4096);
    const footer = isObj(embed['footer']) ? embed['footer'] : {};
    const author = isObj(embed['author']) ? embed['author'] : {};
    check('footer.text', footer['text'], 2048);
    check('author.name', author['name'], 256);
    const fields = objArray(embed['fields']);
    if (fields.length > 25) e['fields'] = fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((field, j) => {
      const name = field['name'];
      const value = field['value'];
      if (typeof name !== 'string' || name.length === 0) e[`fields.${j}.name`] = fieldError('BASE_TYPE_REQUIRED', 'This field is required');
      if (typeof value !== 'string' || value.length === 0) e[`fields.${j}.value`] = fieldError('BASE_TYPE_REQUIRED', 'This field is required');
      check(`fields.${j}.name`, name, 256);
      check(`fields.${j}.value`, value, 1024);
    });
    const color = embed['color'];
    if (color !== undefined && color !== null && (typeof color !== 'number' || color < 0 || color > 0xffffff)) {
      e['color'] = fieldError('NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
    }
    if (Object.keys(e).length) embedErrors[String(i)] = e;
  });
  if (Object.keys(embedErrors).length) errors['embeds'] = embedErrors;
  else if (total > 6000) errors['embeds'] = fieldError('MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  if (Object.keys(errors).length) return formError(errors);

  if (!opts.allowEmpty) {
    const hasContent = typeof content === 'string' && content.length > 0;
    const hasOther =
      embeds.length > 0 ||
      objArray(body['components']).length > 0 ||
      (Array.isArray(body['_files']) && body['_files'].length > 0) ||
      (Array.isArray(body['sticker_ids']) && body['sticker_ids'].length > 0) ||
      isObj(body['poll']);
    if (!hasContent && !hasOther) return apiError(400, 50006, 'Cannot send an empty message');
  }
  return null;
}

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Registration rules Discord enforces with 50035; returns an errors object or null. */
function validateCommand(input: unknown, _global: boolean): Payload | null {
  if (!isObj(input)) return { _errors: [{ code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' }] };
  const errors: Payload = {};
  const type = numOr(input['type'], 1);
  const name = input['name'];
  if (typeof name !== 'string' || !NAME_RE.test(name) || (type === 1 && name !== name.toLowerCase())) {
    errors['name'] = fieldError('APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  if (type === 1) {
    const description = input['description'];
    if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
      errors['description'] = fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
  }
  const optionErrors = validateOptions(input['options']);
  if (optionErrors) errors['options'] = optionErrors;
  return Object.keys(errors).length ? errors : null;
}

function validateOptions(value: unknown): Payload | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return fieldError('BASE_TYPE_ARRAY', 'Must be an array.');
  if (value.length > 25) return fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  const errors: Payload = {};
  let seenOptional = false;
  const names = new Set<string>();
  value.forEach((option, i) => {
    if (!isObj(option)) {
      errors[String(i)] = fieldError('MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    const e: Payload = {};
    const name = option['name'];
    if (typeof name !== 'string' || !NAME_RE.test(name) || name !== name.toLowerCase()) {
      e['name'] = fieldError('APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else if (names.has(name)) {
      e['name'] = fieldError('APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option names must be unique');
    } else {
      names.add(name);
    }
    const description = option['description'];
    if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
      e['description'] = fieldError('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const optType = numOr(option['type'], 0);
    if (optType < 1 || optType > 11) e['type'] = fieldError('BASE_TYPE_CHOICES', 'Value must be one of {1..11}.');
    if (optType !== 1 && optType !== 2) {
      if (option['required'] === true) {
        if (seenOptional) e['required'] = fieldError('APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      } else {
        seenOptional = true;
      }
    }
    if (Array.isArray(option['choices']) && option['choices'].length > 25) {
      e['choices'] = fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    }
    if (option['autocomplete'] === true && Array.isArray(option['choices']) && option['choices'].length > 0) {
      e['autocomplete'] = fieldError('APPLICATION_COMMAND_OPTION_CHOICES_AND_AUTOCOMPLETE', 'Autocomplete cannot be set with choices');
    }
    const nested = validateOptions(option['options']);
    if (nested) e['options'] = nested;
    if (Object.keys(e).length) errors[String(i)] = e;
  });
  return Object.keys(errors).length ? errors : null;
}

// ---------------------------------------------------------------------------------------------------------------

export type FakeDiscord = FakeDiscordServer;

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function createFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = new FakeDiscordServer(options);
  await fake.listen();
  return fake;
}
