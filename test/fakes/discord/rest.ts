/**
 * The fake Discord's REST API v10: request parsing (JSON and multipart `payload_json`), auth, routing, the
 * interaction callback and webhook routes, command registration, channel messages with Discord's validation and
 * permission errors, and injected failures (404/403/429/5xx) for channel sends. Every request is logged.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeGateway } from './gateway.js';
import {
  FakePermissions as P,
  isObj,
  isTextCapable,
  isThread,
  numOr,
  objArray,
  snowflake,
  strOr,
  type ChannelState,
  type CommandScope,
  type FakeDiscordState,
  type InteractionRecord,
  type Payload,
  type RecordedMessage,
} from './state.js';

// ---------------------------------------------------------------------------------------------------------------
// Public types

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

/** The part of `FakeDiscordOptions` the REST routes read. */
export interface FakeRestOptions {
  /** Time the bot has to answer an interaction before callbacks get 10062 Unknown interaction. Default 3000; null = no limit. */
  interactionDeadlineMs?: number | null | undefined;
  /** Enforce ViewChannel/SendMessages on channel routes (50001/50013). Default true. */
  enforcePermissions?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Internal types

interface FailureState extends ChannelFailure {
  remaining: number;
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

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

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

function bucketHash(route: string): string {
  return createHash('sha1').update(route).digest('hex').slice(0, 32);
}

// ---------------------------------------------------------------------------------------------------------------
// The REST API

export class FakeRestApi {
  readonly requests: RecordedRequest[] = [];
  /** Raw log of command-registration writes (PUT/POST/PATCH/DELETE). */
  readonly commandWriteLog: Array<{ method: string; path: string; body: unknown }> = [];
  private readonly interactionDeadlineMs: number | null;
  private readonly enforcePermissions: boolean;
  private readonly failures = new Map<string, FailureState>();
  private writes = 0;

  /** The gateway is needed for what GET /gateway/bot reports: its URL and how many IDENTIFYs it has seen. */
  constructor(
    private readonly state: FakeDiscordState,
    private readonly gateway: FakeGateway,
    options: FakeRestOptions,
  ) {
    this.interactionDeadlineMs = options.interactionDeadlineMs === undefined ? 3_000 : options.interactionDeadlineMs;
    this.enforcePermissions = options.enforcePermissions ?? true;
  }

  /** Number of command-registration writes (PUT/POST/PATCH/DELETE on the commands routes). */
  get commandWrites(): number {
    return this.writes;
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

  // =============================================================================================================
  // HTTP

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    this.state.notify();
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

    if (!ctx.authorization || !this.state.tokenMatches(ctx.authorization.replace(/^Bot\s+/i, '')) || !/^Bot\s+/i.test(ctx.authorization)) {
      return apiError(401, 0, '401: Unauthorized');
    }

    if (a === 'gateway' && s.length === 1 && m === 'GET') return { status: 200, body: { url: this.gateway.url } };
    if (a === 'gateway' && b === 'bot' && s.length === 2 && m === 'GET') {
      return {
        status: 200,
        body: {
          url: this.gateway.url,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000 - this.gateway.stats.identifies, reset_after: 86_400_000, max_concurrency: 1 },
        },
      };
    }
    if (a === 'users' && b && s.length === 2 && m === 'GET') {
      const user = b === '@me' ? { ...this.state.botUser, verified: true, mfa_enabled: false, email: null, locale: 'en-US' } : this.state.users.get(b);
      return user ? { status: 200, body: user } : apiError(404, 10013, 'Unknown User');
    }
    if ((a === 'applications' && b === '@me' && s.length === 2) || (a === 'oauth2' && b === 'applications' && c === '@me' && s.length === 3)) {
      if (m === 'GET' || m === 'PATCH') return { status: 200, body: this.state.applicationPayload() };
    }
    if (a === 'applications' && b && c === 'commands' && s.length <= 4) return this.onCommands(ctx, b, null, d);
    if (a === 'applications' && b && c === 'guilds' && d && e === 'commands' && s.length <= 6) {
      return this.onCommands(ctx, b, d, f);
    }
    if (a === 'channels' && b) {
      if (s.length === 2 && m === 'GET') {
        const access = this.channelAccess(b, 0n);
        return 'channel' in access ? { status: 200, body: this.state.channelPayload(access.channel) } : access;
      }
      if (c === 'messages' && s.length === 3 && m === 'POST') return this.onCreateMessage(ctx, b);
      if (c === 'messages' && d && s.length === 4) return this.onChannelMessage(ctx, b, d);
      if (c === 'typing' && s.length === 3 && m === 'POST') {
        const access = this.channelAccess(b, P.SendMessages);
        return 'channel' in access ? { status: 204 } : access;
      }
    }
    if (a === 'guilds' && b) {
      const guild = this.state.guilds.get(b);
      if (!guild) return apiError(404, 10004, 'Unknown Guild');
      if (guild.removed) return missingAccess();
      if (s.length === 2 && m === 'GET') return { status: 200, body: this.state.guildRestPayload(guild) };
      if (c === 'channels' && s.length === 3 && m === 'GET') {
        return { status: 200, body: [...guild.channels.values()].filter((ch) => !ch.deleted && !isThread(ch.type)).map((ch) => this.state.channelPayload(ch)) };
      }
      if (c === 'roles' && s.length === 3 && m === 'GET') {
        return { status: 200, body: [...guild.roles.values()].map((r) => this.state.rolePayload(r)) };
      }
      if (c === 'members' && d && s.length === 4 && m === 'GET') {
        const member = guild.members.get(d === '@me' ? this.state.botId : d);
        return member ? { status: 200, body: this.state.memberPayload(member) } : apiError(404, 10007, 'Unknown Member');
      }
    }
    return notFound();
  }

  // =============================================================================================================
  // Interactions: the bot's answers to the interactions gateway.ts dispatched

  private interactionMetadata(record: InteractionRecord): Payload {
    const user = this.state.users.get(record.userId) ?? { id: record.userId };
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
      webhook_id: this.state.applicationId,
      application_id: this.state.applicationId,
      interaction_metadata: this.interactionMetadata(record),
      interaction: { id: record.id, type: record.type, name: record.commandName, user: this.interactionMetadata(record)['user'] },
    };
  }

  private baseMessage(id: string, channelId: string, body: Payload): Payload {
    return {
      id,
      channel_id: channelId,
      author: this.state.botUser,
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
    this.state.notify();
    return reply;
  }

  private onInteractionCallback(ctx: RequestContext, interactionId: string, token: string): Reply {
    const record = this.state.interactions.find((r) => r.id === interactionId);
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
    this.state.notify();
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
    const record = this.state.interactions.find((r) => r.token === token);
    if (appId !== this.state.applicationId || !record) return unknownWebhook();
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
      this.state.notify();
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
      this.state.notify();
      return { status: 204 };
    }
    if (ctx.method === 'PATCH') {
      const invalid = validateMessageBody(body, { allowEmpty: true });
      if (invalid) return this.rejectInteraction(record, route, invalid);
      applyEdit(target, body);
      target['flags'] = numOr(target['flags'], 0) & ~128;
      if (target === record.original) record.originalEdits.push(body);
      this.state.notify();
      return { status: 200, body: target };
    }
    return apiError(405, 0, '405: Method Not Allowed');
  }

  // =============================================================================================================
  // Commands

  private onCommands(ctx: RequestContext, appId: string, guildId: string | null, commandId: string | undefined): Reply {
    if (appId !== this.state.applicationId) return apiError(403, 50001, 'Missing Access');
    if (guildId) {
      const guild = this.state.guilds.get(guildId);
      if (!guild) return apiError(404, 10004, 'Unknown Guild');
      if (guild.removed) return missingAccess();
    }
    const scope: CommandScope = guildId ?? 'global';
    const list = this.state.commands.get(scope) ?? [];
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
        this.state.commands.set(scope, next);
        this.state.notify();
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
        this.state.commands.set(scope, next);
        this.state.notify();
        return { status: index >= 0 ? 200 : 201, body: command };
      }
      return apiError(405, 0, '405: Method Not Allowed');
    }

    const index = list.findIndex((c) => c['id'] === commandId);
    const existing = list[index];
    if (!existing) return apiError(404, 10063, 'Unknown application command');
    if (ctx.method === 'GET') return { status: 200, body: existing };
    if (ctx.method === 'DELETE') {
      this.state.commands.set(scope, list.filter((c) => c !== existing));
      this.state.notify();
      return { status: 204 };
    }
    if (ctx.method === 'PATCH') {
      const merged = { ...existing, ...(isObj(ctx.body) ? ctx.body : {}) };
      const error = validateCommand(merged, guildId === null);
      if (error) return formError(error);
      const command = this.normalizeCommand(merged, existing, guildId);
      const next = [...list];
      next[index] = command;
      this.state.commands.set(scope, next);
      this.state.notify();
      return { status: 200, body: command };
    }
    return apiError(405, 0, '405: Method Not Allowed');
  }

  private normalizeCommand(input: Payload, existing: Payload | undefined, guildId: string | null): Payload {
    const type = numOr(input['type'], 1);
    const options = objArray(input['options']);
    const command: Payload = {
      id: existing?.['id'] ?? snowflake(),
      application_id: this.state.applicationId,
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
    const channel = this.state.findChannel(channelId);
    if (!channel || channel.deleted) return unknownChannel();
    const guild = channel.guildId ? this.state.guilds.get(channel.guildId) : undefined;
    if (guild?.removed) return missingAccess();
    if (this.enforcePermissions) {
      const perms = this.state.botChannelPermissions(channel);
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
    const channel0 = this.state.findChannel(channelId);
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
    this.state.messages.push(record);
    this.state.notify();
    return { status: 200, body: message };
  }

  private onChannelMessage(ctx: RequestContext, channelId: string, messageId: string): Reply {
    const access = this.channelAccess(channelId, ctx.method === 'GET' ? P.ReadMessageHistory : 0n);
    if (!('channel' in access)) return access;
    const record = this.state.messages.find((m) => m.id === messageId && m.channelId === channelId && !m.deleted);
    if (!record) return unknownMessage();
    if (ctx.method === 'GET') return { status: 200, body: record.message };
    if (ctx.method === 'DELETE') {
      record.deleted = true;
      this.state.notify();
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
      this.state.notify();
      return { status: 200, body: record.message };
    }
    return apiError(405, 0, '405: Method Not Allowed');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Module-level helpers

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
