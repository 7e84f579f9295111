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
 *
 * The pieces live in ./discord/: `state.ts` (the in-memory world), `rest.ts` (HTTP routes), `gateway.ts` (the
 * WebSocket side). `FakeDiscordServer` below wires them to one HTTP server and is what tests hold.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FakeGateway,
  type AutocompleteInit,
  type FakeGatewayOptions,
  type GatewayStats,
  type InteractionHandle,
  type RunCommandInit,
} from './discord/gateway.js';
import { FakeRestApi, type ChannelFailure, type FakeRestOptions, type RecordedRequest } from './discord/rest.js';
import {
  FakeDiscordState,
  isThread,
  type AutocompleteChoice,
  type FakeChannelInit,
  type FakeGuildInit,
  type FakeWorldOptions,
  type InteractionRecord,
  type Payload,
  type RecordedMessage,
} from './discord/state.js';

export {
  FAKE_DISCORD_IDS,
  FakePermissions,
  snowflake,
  type AutocompleteChoice,
  type FakeChannelInit,
  type FakeGuildInit,
  type FakeMemberInit,
  type FakeOverwrite,
  type FakeRoleInit,
  type FakeUserInit,
  type InteractionRecord,
  type Payload,
  type PermissionsInput,
  type RecordedMessage,
} from './discord/state.js';
export type { ChannelFailure, RecordedRequest } from './discord/rest.js';
export type {
  AutocompleteInit,
  FakeCommandOption,
  GatewayStats,
  InteractionHandle,
  RunCommandInit,
  VisibleMessage,
} from './discord/gateway.js';

/** Everything the fake can be told, gathered from the three parts that read it. */
export interface FakeDiscordOptions extends FakeWorldOptions, FakeGatewayOptions, FakeRestOptions {}

export class FakeDiscordServer {
  readonly applicationId: string;
  readonly botUser: Payload;
  readonly token: string | null;
  readonly messages: RecordedMessage[];
  readonly requests: RecordedRequest[];
  readonly interactions: InteractionRecord[];
  /** Raw log of command-registration writes (PUT/POST/PATCH/DELETE). */
  readonly commandWriteLog: Array<{ method: string; path: string; body: unknown }>;

  private readonly state: FakeDiscordState;
  private readonly restApi: FakeRestApi;
  private readonly gatewayServer: FakeGateway;
  private readonly server: Server;
  private portNumber = 0;

  constructor(options: FakeDiscordOptions = {}) {
    this.state = new FakeDiscordState(options);
    this.applicationId = this.state.applicationId;
    this.botUser = this.state.botUser;
    this.token = this.state.token;
    this.messages = this.state.messages;
    this.interactions = this.state.interactions;

    // The listener may name `restApi` before it is assigned: no request can arrive before listen().
    this.server = createServer((req, res) => void this.restApi.handle(req, res));
    this.gatewayServer = new FakeGateway(this.state, this.server, options, () => this.gatewayUrl);
    this.restApi = new FakeRestApi(this.state, this.gatewayServer, options);
    this.requests = this.restApi.requests;
    this.commandWriteLog = this.restApi.commandWriteLog;
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
    return this.restApi.commandWrites;
  }

  get defaultGuildId(): string {
    return this.state.defaultGuildId;
  }

  get defaultChannelId(): string {
    const channel = this.state.firstTextChannel(this.state.defaultGuildId);
    if (!channel) throw new Error('default guild has no text channel');
    return channel.id;
  }

  get gateway(): GatewayStats {
    return this.gatewayServer.statsView();
  }

  /** Registered commands: global (no argument) or for one guild. */
  getCommands(guildId?: string): Payload[] {
    return structuredClone(this.state.commands.get(guildId ?? 'global') ?? []);
  }

  messagesIn(channelId: string): RecordedMessage[] {
    return this.state.messages.filter((m) => m.channelId === channelId);
  }

  /** Guild payload as GUILD_CREATE carries it (useful for assertions). */
  guildPayload(guildId: string): Payload | null {
    const guild = this.state.guilds.get(guildId);
    return guild ? this.state.guildCreatePayload(guild) : null;
  }

  // ----- gateway control -------------------------------------------------------------------------------------

  /** Sends a dispatch (op 0) to every identified session; returns how many sessions got (or buffered) it. */
  dispatch(event: string, data: unknown): number {
    return this.gatewayServer.dispatch(event, data);
  }

  /** Adds a guild and dispatches GUILD_CREATE (the bot joined a guild). Returns the guild id. */
  addGuild(init: FakeGuildInit = {}): string {
    const guild = this.state.createGuildState(init);
    this.gatewayServer.dispatch('GUILD_CREATE', this.state.guildCreatePayload(guild));
    return guild.id;
  }

  /**
   * Dispatches GUILD_DELETE. By default the bot was removed (`{ id }`; discord.js emits guildDelete and its
   * channels answer 403 Missing Access); with `unavailable: true` it is an outage (`{ id, unavailable: true }`).
   */
  removeGuild(guildId: string, opts: { unavailable?: boolean } = {}): void {
    const guild = this.state.guilds.get(guildId);
    if (guild && !opts.unavailable) guild.removed = true;
    this.gatewayServer.dispatch('GUILD_DELETE', opts.unavailable ? { id: guildId, unavailable: true } : { id: guildId });
  }

  /** Adds a channel to a guild and dispatches CHANNEL_CREATE (THREAD_CREATE for threads). */
  addChannel(guildId: string, init: FakeChannelInit = {}): string {
    const guild = this.state.requireGuild(guildId);
    const channel = this.state.createChannelState(guild, init, guild.channels.size);
    this.gatewayServer.dispatch(isThread(channel.type) ? 'THREAD_CREATE' : 'CHANNEL_CREATE', {
      ...this.state.channelPayload(channel),
      ...(isThread(channel.type) ? { newly_created: true } : {}),
    });
    return channel.id;
  }

  /** Deletes a channel: dispatches CHANNEL_DELETE (THREAD_DELETE for threads); REST then answers 10003. */
  deleteChannel(channelId: string): void {
    const channel = this.state.findChannel(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    channel.deleted = true;
    if (isThread(channel.type)) {
      this.gatewayServer.dispatch('THREAD_DELETE', { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type });
    } else {
      this.gatewayServer.dispatch('CHANNEL_DELETE', this.state.channelPayload(channel));
    }
  }

  /** Closes every gateway connection with `code` (default 4000, resumable); discord.js reconnects and RESUMEs. */
  disconnectAll(code = 4000, reason = 'fake disconnect'): void {
    this.gatewayServer.disconnectAll(code, reason);
  }

  // ----- users' actions -------------------------------------------------------------------------------------

  /** A user runs a slash command: dispatches INTERACTION_CREATE type 2 and returns a handle on the outcome. */
  runCommand(init: RunCommandInit): InteractionHandle {
    return this.gatewayServer.startInteraction(2, init);
  }

  /** A user types into an autocomplete option: dispatches type 4 and resolves with the choices of callback type 8. */
  async autocomplete(init: AutocompleteInit): Promise<AutocompleteChoice[]> {
    const handle = this.gatewayServer.startInteraction(4, init);
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
    this.restApi.failChannel(channelId, failure);
  }

  clearChannelFailures(channelId?: string): void {
    this.restApi.clearChannelFailures(channelId);
  }

  // ----- waiting --------------------------------------------------------------------------------------------

  /** Resolves with the first channel message (already recorded or future) matching `predicate`. */
  waitFor(predicate: (message: RecordedMessage) => boolean, timeoutMs = 2_000): Promise<RecordedMessage> {
    return this.state.waitUntil(() => this.state.messages.find(predicate), timeoutMs, 'a matching channel message');
  }

  /** Re-evaluates `check` on every change the fake records (and every 10 ms) until it returns something other than undefined/null/false. */
  waitUntil<T>(check: () => T | undefined | null | false, timeoutMs = 2_000, what = 'a condition'): Promise<T> {
    return this.state.waitUntil(check, timeoutMs, what);
  }

  // ----- shutdown -------------------------------------------------------------------------------------------

  /**
   * Stops REST and the gateway. Open gateway connections are closed with `gatewayCloseCode` (default 4004,
   * "Authentication failed", which discord.js treats as unrecoverable, so a client that was not destroyed first
   * stops instead of reconnecting to a dead port every 500 ms). Destroy clients before closing the fake.
   */
  async close(opts: { gatewayCloseCode?: number } = {}): Promise<void> {
    if (this.state.closed) return;
    this.state.stop();
    await this.gatewayServer.close(opts.gatewayCloseCode ?? 4004);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------------------------

export type FakeDiscord = FakeDiscordServer;

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function createFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = new FakeDiscordServer(options);
  await fake.listen();
  return fake;
}
