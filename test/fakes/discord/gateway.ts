/**
 * The fake Discord's WebSocket gateway: HELLO, IDENTIFY/RESUME with their close codes, READY then GUILD_CREATE,
 * heartbeats, member requests, optional zlib-stream compression, dispatches to identified sessions (buffered while a
 * session is between connections), and the INTERACTION_CREATE a user's slash command or autocomplete produces.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import zlib from 'node:zlib';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  FAKE_DISCORD_IDS,
  FakePermissions as P,
  isObj,
  numOr,
  objArray,
  snowflake,
  strOr,
  toBigInt,
  type ChannelState,
  type FakeDiscordState,
  type FakeUserInit,
  type GuildState,
  type InteractionRecord,
  type Payload,
  type PermissionsInput,
} from './state.js';

// ---------------------------------------------------------------------------------------------------------------
// Public types

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

/** The part of `FakeDiscordOptions` the gateway reads. */
export interface FakeGatewayOptions {
  /** HELLO heartbeat_interval. Default 41250 like Discord. */
  heartbeatIntervalMs?: number | undefined;
  /** Pause between READY and the GUILD_CREATEs (see caveats at `sendReady`). Default 15 ms. */
  readyGuildDelayMs?: number | undefined;
  /** Allow privileged intents (GuildMembers, GuildPresences, MessageContent). When false IDENTIFY with them closes 4014. Default true. */
  privilegedIntentsAllowed?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Internal state

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

// ---------------------------------------------------------------------------------------------------------------
// The gateway

export class FakeGateway {
  readonly stats = {
    identifies: 0,
    resumes: 0,
    heartbeats: 0,
    lastIdentify: null as Payload | null,
    presenceUpdates: [] as Payload[],
    connectUrls: [] as string[],
  };
  private readonly heartbeatIntervalMs: number;
  private readonly readyGuildDelayMs: number;
  private readonly privilegedIntentsAllowed: boolean;
  private readonly sessions = new Map<string, Session>();
  private readonly conns = new Set<Conn>();
  private readonly wss: WebSocketServer;

  /** `publicUrl` is read lazily: the port is only known once the shared HTTP server listens. */
  constructor(
    private readonly state: FakeDiscordState,
    server: Server,
    options: FakeGatewayOptions,
    private readonly publicUrl: () => string,
  ) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.readyGuildDelayMs = options.readyGuildDelayMs ?? 15;
    this.privilegedIntentsAllowed = options.privilegedIntentsAllowed ?? true;
    this.wss = new WebSocketServer({ server, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  /** What GET /gateway/bot hands out and READY names as resume_gateway_url. */
  get url(): string {
    return this.publicUrl();
  }

  /** A live view: the counters keep moving after it is taken. */
  statsView(): GatewayStats {
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

  /** Closes every gateway connection with `code` (default 4000, resumable); discord.js reconnects and RESUMEs. */
  disconnectAll(code = 4000, reason = 'fake disconnect'): void {
    for (const conn of this.conns) {
      conn.serverClosing = true;
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, reason);
    }
  }

  /** Closes every connection with `code` (see `FakeDiscordServer.close`), then the WebSocket server; the HTTP server is the caller's. */
  async close(code: number): Promise<void> {
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
  }

  // ----- connections ------------------------------------------------------------------------------------------

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
      this.state.notify();
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
    this.state.notify();
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
    this.state.notify();
  }
  private onIdentify(conn: Conn, d: Payload): void {
    if (conn.session) {
      this.closeConn(conn, 4005, 'Already authenticated.');
      return;
    }
    if (!this.state.tokenMatches(d['token'])) {
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
    const guilds = [...this.state.guilds.values()].filter((g) => !g.removed);
    const shard = Array.isArray(identify['shard']) ? identify['shard'] : [0, 1];
    this.dispatchTo(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...this.state.botUser, verified: true, mfa_enabled: false, email: null },
      session_type: 'normal',
      session_id: session.id,
      resume_gateway_url: this.url,
      relationships: [],
      private_channels: [],
      presences: [],
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['singapore', 'hongkong', 'japan'],
      auth: {},
      application: { id: this.state.applicationId, flags: 8_945_664 },
      shard,
      _trace: ['["fake-gateway",{"micros":0}]'],
    });
    const timer = setTimeout(() => {
      this.state.timers.delete(timer);
      for (const guild of guilds) {
        if (!guild.removed) this.dispatchTo(session, 'GUILD_CREATE', this.state.guildCreatePayload(guild));
      }
      this.state.notify();
    }, this.readyGuildDelayMs);
    this.state.timers.add(timer);
  }

  private onResume(conn: Conn, d: Payload): void {
    const session = this.sessions.get(strOr(d['session_id'], ''));
    if (!session || !session.resumable || !this.state.tokenMatches(d['token'])) {
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
      const guild = this.state.guilds.get(guildId);
      if (!guild) continue;
      let members = [...guild.members.values()];
      if (userIds) members = members.filter((m) => userIds.includes(strOr(m.user['id'], '')));
      else if (query) members = members.filter((m) => strOr(m.user['username'], '').toLowerCase().startsWith(query));
      if (limit > 0) members = members.slice(0, limit);
      const notFoundIds = userIds ? userIds.filter((id) => !guild.members.has(id)) : [];
      this.dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
        guild_id: guildId,
        members: members.map((m) => this.state.memberPayload(m)),
        chunk_index: 0,
        chunk_count: 1,
        ...(notFoundIds.length ? { not_found: notFoundIds } : {}),
        ...(d['nonce'] !== undefined ? { nonce: d['nonce'] } : {}),
      });
    }
  }

  // =============================================================================================================
  // Interactions a user triggers
  // They reach the bot as INTERACTION_CREATE dispatches; its answers come back over REST (see rest.ts).

  startInteraction(type: 2 | 4, init: RunCommandInit | AutocompleteInit): InteractionHandle {
    if (this.state.closed) throw new Error('fake discord is closed');
    if (![...this.sessions.values()].some((s) => s.resumable)) {
      throw new Error('fake discord: no identified gateway session; log a client in before running commands');
    }
    const guildId = init.guildId === undefined ? this.state.defaultGuildId : init.guildId;
    const guild = guildId ? this.state.requireGuild(guildId) : null;
    const userInit = init.user ?? { id: FAKE_DISCORD_IDS.user, username: 'budi', global_name: 'Budi' };
    const user = this.state.rememberUser(userInit);
    const userId = userInit.id;

    let channelPayload: Payload;
    let channelId: string;
    let channel: ChannelState | undefined;
    if (guild) {
      channelId = init.channelId ?? this.state.firstTextChannel(guild.id)?.id ?? snowflake();
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
      ? toBigInt(init.memberPermissions, this.state.channelPermissions(guild, channel, userId, roles))
      : null;
    const appPerms = toBigInt(
      init.appPermissions,
      guild ? (channel ? this.state.botChannelPermissions(channel) : this.state.basePermissions(guild, this.state.botId, guild.members.get(this.state.botId)?.roles ?? [])) : P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles | P.ReadMessageHistory,
    );
    if (guild) {
      channelPayload = channel
        ? { ...this.state.channelPayload(channel), permissions: (memberPerms ?? 0n).toString() }
        : { id: channelId, type: 0, guild_id: guild.id, name: 'unknown', parent_id: null, flags: 0, permissions: (memberPerms ?? 0n).toString() };
    } else {
      channelPayload = { id: channelId, type: 1, last_message_id: null, flags: 0, recipients: [user] };
    }

    const command = this.state.findRegisteredCommand(init.name, guildId);
    const commandId = command ? strOr(command['id'], '') : this.state.generatedCommandId(init.name);
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
      application_id: this.state.applicationId,
      type,
      token,
      version: 1,
      data,
      ...(guild
        ? {
            guild: { id: guild.id, locale: guild.locale, features: [] },
            guild_id: guild.id,
            member: {
              ...this.state.memberPayload(guild.members.get(userId) ?? { user, roles, nick: null, joinedAt: new Date().toISOString() }),
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
    this.state.interactions.push(record);
    this.dispatch('INTERACTION_CREATE', payload);
    this.state.notify();
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
        this.state.waitUntil(() => record.callbacks[0], timeoutMs, `a callback for interaction /${record.commandName}`),
      reply: (timeoutMs = 2_000) =>
        this.state.waitUntil(
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
        this.state.waitUntil(
          () => {
            const message = record.followups[index];
            return message ? visible(message) : undefined;
          },
          timeoutMs,
          `follow-up #${index} of /${record.commandName}`,
        ),
    };
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
        const c = this.state.channelPayload(channel);
        resolved.channels[id] = {
          id,
          name: channel.name,
          type: channel.type,
          parent_id: channel.parentId,
          flags: 0,
          permissions: this.state.channelPermissions(guild, channel, FAKE_DISCORD_IDS.user, []).toString(),
          ...(c['thread_metadata'] ? { thread_metadata: c['thread_metadata'] } : {}),
        };
        found = true;
      }
    }
    if (type === 6 || type === 9) {
      const member = guild.members.get(id);
      const user = member?.user ?? this.state.users.get(id);
      if (user) {
        resolved.users[id] = user;
        if (member) {
          const { user: _user, ...rest } = this.state.memberPayload(member);
          resolved.members[id] = { ...rest, permissions: this.state.basePermissions(guild, id, member.roles).toString() };
        }
        found = true;
      }
    }
    if (type === 8 || type === 9) {
      const role = guild.roles.get(id);
      if (role) {
        resolved.roles[id] = this.state.rolePayload(role);
        found = true;
      }
    }
    return found;
  }
}

function inferType(value: unknown): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}
