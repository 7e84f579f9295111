/**
 * A fake Telegram Bot API server for tests and benchmarks.
 *
 * It listens on 127.0.0.1 (random port) and speaks enough of the real Bot API
 * (https://core.telegram.org/bots/api) that the real grammY client can be
 * pointed at it:
 *
 *   const fake = await createFakeBotApi();
 *   const bot = new Bot('123:abc', { client: { apiRoot: fake.apiRoot } });
 *
 * grammY calls `${apiRoot}/bot${token}/${method}` with a JSON body, or with a
 * multipart/form-data body when the payload holds an `InputFile`. Responses
 * follow the Bot API envelope: `{ ok: true, result }` or
 * `{ ok: false, error_code, description, parameters? }`, with the HTTP status
 * equal to `error_code` (as Telegram does).
 *
 * Behaviour modelled on the real server (tdlib/telegram-bot-api):
 * - getUpdates: `offset` confirms every update below it (a negative offset
 *   keeps only the last -offset updates), `limit` 1..100, `timeout` seconds of
 *   long polling; a waiting poll is answered as soon as an update is queued.
 *   When a second long poll arrives for the same token while one is waiting,
 *   Telegram fails the *older* one with 409 "Conflict: terminated by other
 *   getUpdates request; ..." (`conflictPolicy: 'terminate-previous'`, the
 *   default). `conflictPolicy: 'reject-new'` answers the newcomer with 409
 *   instead. Short polls (`timeout` 0, e.g. the confirmation call grammY makes
 *   in `bot.stop()`) never conflict, as on the real server.
 * - HTML parse_mode is checked with the same rules as Telegram's parser
 *   (allowed tags, attributes, nesting of end tags, byte offsets in errors).
 *   Unlike the real server, an unescaped `&` is rejected by default
 *   (`strictAmpersand`), because the Bot API documentation requires it to be
 *   escaped and a bare `&` is almost always an escaping bug.
 *
 * The fake simulates ONE bot: the update queue is shared by every token; the
 * one-poller-at-a-time rule is tracked per token.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type {
  BotCommand,
  CallbackQuery,
  Chat,
  ChatMember,
  ChatMemberUpdated,
  Message,
  MessageEntity,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export type FakeChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface FakeChat {
  id: number;
  type: FakeChatType;
  title?: string;
  is_forum?: boolean;
  username?: string;
  /** For private chats; defaults to the known user's first name. */
  first_name?: string;
}

export interface FakeUser {
  id: number;
  is_bot?: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export type MemberStatus = 'creator' | 'administrator' | 'member' | 'left' | 'kicked' | 'restricted';

export type InjectedError =
  | { code: 429; retryAfter: number; description?: string }
  | { code: 403; description?: string }
  | { code: 400; migrateToChatId: number; description?: string }
  | { code: 400; description: string }
  | { code: 500; description?: string }
  | { code: 401 | 404 | 409 | 502; description?: string }
  /** Destroy the TCP socket without answering (grammY throws HttpError). */
  | { networkDrop: true }
  /** Answer with an arbitrary HTTP status and body, e.g. an HTML 502 page. */
  | { httpStatus: number; rawBody: string; contentType?: string };

export interface FailRule {
  /** Method name (case-insensitive) or list of names. Without it the rule
   * matches every method except getUpdates. */
  method?: string | readonly string[];
  /** Only requests whose chat_id equals this (compared as strings). */
  chatId?: number | string;
  /** How many matching requests fail; default 1. `Infinity` is allowed. */
  times?: number;
  error: InjectedError;
}

export interface SentDocument {
  filename: string;
  /** File content decoded as UTF-8. */
  content: string;
  size: number;
  mimeType?: string;
  /** Set when the document was sent by file_id / URL instead of uploaded. */
  fileId?: string;
}

export interface SentMessage {
  method: 'sendMessage' | 'sendDocument' | 'editMessageText';
  chat_id: number | string;
  message_id: number;
  message_thread_id?: number;
  text?: string;
  caption?: string;
  parse_mode?: string;
  reply_markup?: unknown;
  document?: SentDocument;
  /** Date.now() when the fake accepted the message. */
  at: number;
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  token: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** HTTP status answered; 0 = socket dropped; undefined = still pending. */
  status?: number;
  ok?: boolean;
  description?: string;
}

export interface FakeBotApiOptions {
  /** Overrides for the getMe answer. Defaults: id 7000000001, first_name
   * "Pantau LPSE", username "pantau_lpse_bot". */
  botUser?: Partial<Omit<UserFromGetMe, 'is_bot'>>;
  /** When set, any other token is answered 401 Unauthorized. */
  token?: string;
  /** Global token bucket over sendMessage + sendDocument (burst = rate). */
  ratePerSecond?: number;
  /** Fixed retry_after (seconds) for rate-limit 429s. */
  retryAfterOverride?: number;
  /** Check parse_mode HTML like Telegram does; default true. */
  validateHtml?: boolean;
  /** Reject a bare `&` in HTML text (Telegram itself tolerates it); default true. */
  strictAmpersand?: boolean;
  /** What a second concurrent long poll does; default 'terminate-previous'
   * (the real server's behaviour: the older poll gets 409). */
  conflictPolicy?: 'terminate-previous' | 'reject-new';
  /** Upper bound for getUpdates timeout (Telegram: 50). */
  maxLongPollSeconds?: number;
  /** Artificial delay before answering every method except getUpdates. */
  latencyMs?: number;
  /** Let clients reuse connections (faster for benchmarks). Default false:
   * every answer carries `Connection: close`. close() cuts sockets either way. */
  keepAlive?: boolean;
  /** Record every request in `calls`; default true. */
  recordCalls?: boolean;
  /** First update_id handed out; default 1. */
  firstUpdateId?: number;
}

export interface SendTextOptions {
  chat: FakeChat;
  from: FakeUser;
  text: string;
  messageThreadId?: number;
  senderChat?: FakeChat;
  replyToMessageId?: number;
  /** Unix seconds; default now. */
  date?: number;
}

export interface PressButtonOptions {
  chat: FakeChat;
  from: FakeUser;
  data: string;
  /** The bot message carrying the button; default: the last message the bot
   * sent to that chat. */
  messageId?: number;
}

export interface ChatMemberChangeOptions {
  chat: FakeChat;
  /** Who changed the bot's membership. */
  from: FakeUser;
  oldStatus: MemberStatus;
  newStatus: MemberStatus;
  date?: number;
}

export interface FakeBotApi {
  /** e.g. "http://127.0.0.1:43123" — pass as grammY `client.apiRoot`. */
  readonly apiRoot: string;
  readonly port: number;
  /** What getMe answers. */
  readonly botInfo: UserFromGetMe;
  close(): Promise<void>;

  /** Queue a raw update (update_id assigned when missing). */
  pushUpdate(update: Omit<Update, 'update_id'> & { update_id?: number }): Update;
  sendText(options: SendTextOptions): Update;
  pressButton(options: PressButtonOptions): Update;
  chatMemberChange(options: ChatMemberChangeOptions): Update;
  /** Updates queued and not yet confirmed by an offset. */
  pendingUpdates(): readonly Update[];
  /** Number of long polls currently waiting. */
  waitingPolls(): number;
  /** Register chat details used when the fake builds Chat objects. */
  addChat(chat: FakeChat): void;

  setMemberStatus(chatId: number, userId: number, status: MemberStatus, overrides?: Record<string, unknown>): void;

  /** Every message the bot sent (and edited) successfully, in order. */
  readonly sent: SentMessage[];
  /** Every request, including failed ones. */
  readonly calls: RecordedCall[];
  waitFor(predicate: (message: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  /** Resolves once a matching call has been answered (status known). */
  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  messagesTo(chatId: number | string): SentMessage[];
  callsOf(method: string): RecordedCall[];

  failNext(rule: FailRule): void;
  clearFailures(): void;

  /** Chats whose every send answers 403. Numbers or strings both work. */
  readonly kickedChats: Set<number | string>;
  blockChat(chatId: number | string, description?: string): void;
  unblockChat(chatId: number | string): void;

  /** Change the global rate limit at runtime (undefined = unlimited). */
  setRateLimit(ratePerSecond: number | undefined, retryAfterOverride?: number): void;
  /** sendMessage/sendDocument answered ok. */
  readonly accepted: number;
  /** sendMessage/sendDocument answered 429 (rate limit or injected). */
  readonly rejected429: number;

  /** Commands stored by setMyCommands for a scope/language. */
  commandsFor(scope?: unknown, languageCode?: string): BotCommand[] | undefined;
  /** Description stored by setMyDescription. */
  descriptionFor(languageCode?: string): string | undefined;

  /** Forget sent/calls/counters/failures/blocks/queued updates. */
  reset(): void;
}

// ---------------------------------------------------------------------------
// Telegram HTML checker
// ---------------------------------------------------------------------------

const ALLOWED_HTML_TAGS = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre',
  'tg-spoiler', 'span', 'blockquote', 'tg-emoji',
]);

const HTML_ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));/y;
const HTML_SPECIAL = /[<&]/g;
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type HtmlCheckResult = { ok: true; plain: string } | { ok: false; error: string };

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

function decodeEntityAt(text: string, i: number): { value: string; end: number } | undefined {
  HTML_ENTITY.lastIndex = i;
  const m = HTML_ENTITY.exec(text);
  if (!m) return undefined;
  let value: string;
  if (m[1] !== undefined || m[2] !== undefined) {
    const code = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2] ?? '0', 16);
    value = code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  } else {
    value = NAMED_ENTITIES[m[3] ?? ''] ?? '';
  }
  return { value, end: HTML_ENTITY.lastIndex };
}

/**
 * Checks `text` the way Telegram parses parse_mode "HTML" and returns the
 * plain text (tags stripped, entities decoded) or the error message that
 * follows "Bad Request: can't parse entities: ".
 */
export function checkTelegramHtml(text: string, options: { strictAmpersand?: boolean } = {}): HtmlCheckResult {
  const strictAmpersand = options.strictAmpersand ?? true;
  const n = text.length;
  const at = (i: number): number => Buffer.byteLength(text.slice(0, i), 'utf8');
  const fail = (error: string): HtmlCheckResult => ({ ok: false, error });
  const stack: string[] = [];
  let out = '';
  let i = 0;

  while (i < n) {
    HTML_SPECIAL.lastIndex = i;
    const special = HTML_SPECIAL.exec(text);
    const j = special ? special.index : n;
    if (j > i) {
      out += text.slice(i, j);
      i = j;
      if (i >= n) break;
    }

    if (text[i] === '&') {
      const entity = decodeEntityAt(text, i);
      if (entity) {
        out += entity.value;
        i = entity.end;
        continue;
      }
      if (strictAmpersand) {
        return fail(`Unescaped "&" at byte offset ${at(i)} (use &amp;; strict check of the fake Bot API)`);
      }
      out += '&';
      i += 1;
      continue;
    }

    // text[i] === '<'
    const tagStart = i;
    i += 1;
    if (text[i] === '/') {
      i += 1;
      const nameStart = i;
      while (i < n && !isSpace(text[i]) && text[i] !== '>') i += 1;
      const endName = text.slice(nameStart, i).toLowerCase();
      while (i < n && isSpace(text[i])) i += 1;
      const top = stack[stack.length - 1];
      if (top === undefined) return fail(`Unexpected end tag at byte offset ${at(tagStart)}`);
      if (text[i] !== '>') return fail(`Unclosed end tag at byte offset ${at(tagStart)}`);
      if (endName !== '' && endName !== top) {
        return fail(`Unmatched end tag at byte offset ${at(tagStart)}, expected "</${top}>", found "</${endName}>"`);
      }
      stack.pop();
      i += 1;
      continue;
    }

    const nameStart = i;
    while (i < n && !isSpace(text[i]) && text[i] !== '>') i += 1;
    if (i >= n) return fail(`Unclosed start tag at byte offset ${at(tagStart)}`);
    const name = text.slice(nameStart, i).toLowerCase();
    if (!ALLOWED_HTML_TAGS.has(name)) return fail(`Unsupported start tag "${name}" at byte offset ${at(tagStart)}`);

    let spanClass = '';
    while (text[i] !== '>') {
      while (i < n && isSpace(text[i])) i += 1;
      if (i >= n) return fail(`Unclosed start tag "${name}" at byte offset ${at(tagStart)}`);
      if (text[i] === '>') break;
      const attrStart = i;
      while (i < n && !isSpace(text[i]) && !'=>/"\''.includes(text[i] ?? '')) i += 1;
      const attrName = text.slice(attrStart, i).toLowerCase();
      if (attrName === '') return fail(`Empty attribute name in the tag "${name}" at byte offset ${at(tagStart)}`);
      while (i < n && isSpace(text[i])) i += 1;
      if (i >= n) return fail(`Unclosed start tag "${name}" at byte offset ${at(tagStart)}`);
      if (text[i] !== '=') continue; // attribute without value, e.g. <blockquote expandable>
      i += 1;
      while (i < n && isSpace(text[i])) i += 1;
      if (i >= n) return fail(`Unclosed start tag "${name}" at byte offset ${at(tagStart)}`);
      let value = '';
      const quote = text[i];
      if (quote !== '"' && quote !== "'") {
        const valueStart = i;
        while (i < n && /[A-Za-z0-9.-]/.test(text[i] ?? '')) i += 1;
        value = text.slice(valueStart, i).toLowerCase();
        if (i >= n) return fail(`Unclosed start tag at byte offset ${at(tagStart)}`);
        if (!isSpace(text[i]) && text[i] !== '>') return fail(`Unexpected end of name token at byte offset ${at(i)}`);
      } else {
        i += 1;
        while (i < n && text[i] !== quote) {
          if (text[i] === '&') {
            const entity = decodeEntityAt(text, i);
            if (entity) {
              value += entity.value;
              i = entity.end;
              continue;
            }
          }
          value += text[i];
          i += 1;
        }
        if (i < n) i += 1;
        if (i >= n) return fail(`Unclosed start tag at byte offset ${at(tagStart)}`);
      }
      if (name === 'span' && attrName === 'class') spanClass = value;
    }
    if (name === 'span' && spanClass !== 'tg-spoiler') {
      return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${at(tagStart)}`);
    }
    stack.push(name);
    i += 1; // '>'
  }

  const open = stack[stack.length - 1];
  if (open !== undefined) return fail(`Can't find end tag corresponding to start tag "${open}"`);
  return { ok: true, plain: out };
}

// ---------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------

type Params = Record<string, unknown>;

interface UploadedFile {
  filename: string;
  data: Buffer;
  contentType?: string;
}

const NUMERIC_KEYS = new Set([
  'chat_id', 'message_id', 'message_thread_id', 'user_id', 'reply_to_message_id', 'offset', 'limit',
  'timeout', 'cache_time', 'from_chat_id', 'until_date', 'direct_messages_topic_id',
]);
const JSON_KEYS = new Set([
  'reply_markup', 'entities', 'caption_entities', 'commands', 'scope', 'allowed_updates', 'reply_parameters',
  'link_preview_options', 'media', 'suggested_post_parameters',
]);
const BOOLEAN_KEYS = new Set([
  'disable_notification', 'protect_content', 'show_alert', 'drop_pending_updates', 'disable_web_page_preview',
  'disable_content_type_detection', 'allow_sending_without_reply', 'allow_paid_broadcast', 'show_caption_above_media',
]);

/** Multipart and urlencoded values are strings; give them JSON-like types. */
function coerceField(key: string, value: string): unknown {
  if (NUMERIC_KEYS.has(key) && /^-?\d+$/.test(value)) return Number(value);
  if (BOOLEAN_KEYS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  if (JSON_KEYS.has(key)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

function dispositionParams(header: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /;\s*([A-Za-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) {
    const key = (m[1] ?? '').toLowerCase();
    out.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim());
  }
  return out;
}

/**
 * Minimal multipart/form-data parser. grammY writes headers like
 * `content-disposition:form-data;name="x";filename=x.csv` (no spaces,
 * unquoted filename), which is why this does not rely on a strict parser.
 */
function parseMultipart(body: Buffer, boundary: string): { fields: Map<string, string>; files: Map<string, UploadedFile> } {
  const fields = new Map<string, string>();
  const files = new Map<string, UploadedFile>();
  const first = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(first);
  if (pos === -1) return { fields, files };
  pos += first.length;
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const next = body.indexOf(delimiter, pos);
    if (next === -1) break;
    const part = body.subarray(pos, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = new Map<string, string>();
      for (const line of part.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const data = part.subarray(headerEnd + 4);
      const disposition = dispositionParams(headers.get('content-disposition') ?? '');
      const name = disposition.get('name');
      const filename = disposition.get('filename');
      if (name !== undefined) {
        if (filename !== undefined) {
          const contentType = headers.get('content-type');
          files.set(name, { filename, data: Buffer.from(data), ...(contentType !== undefined ? { contentType } : {}) });
        } else {
          fields.set(name, data.toString('utf8'));
        }
      }
    }
    pos = next + delimiter.length;
  }
  return { fields, files };
}

class BadPayload extends Error {}

function parseParams(req: IncomingMessage, url: URL, body: Buffer): Params {
  const params: Params = {};
  for (const [key, value] of url.searchParams) params[key] = coerceField(key, value);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (body.length === 0) return params;
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BadPayload("Bad Request: can't parse JSON encoded request body");
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadPayload('Bad Request: request body must be a JSON object');
    }
    return Object.assign(params, parsed as Params);
  }
  if (type.startsWith('multipart/form-data')) {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
    const boundary = m?.[1] ?? m?.[2]?.trim();
    if (boundary === undefined) throw new BadPayload('Bad Request: multipart boundary is missing');
    const { fields, files } = parseMultipart(body, boundary);
    for (const [key, value] of fields) {
      const attach = /^attach:\/\/(.+)$/.exec(value);
      const file = attach ? files.get(attach[1] ?? '') : undefined;
      params[key] = file ?? coerceField(key, value);
    }
    // Files posted directly under the parameter name (not via attach://).
    for (const [key, file] of files) if (!(key in params)) params[key] = file;
    return params;
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = coerceField(key, value);
    return params;
  }
  return params;
}

function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as { data?: unknown }).data);
}

/** What gets stored in `calls`: uploaded files are summarised, not kept. */
function paramsForRecord(params: Params): Params {
  let copy: Params | undefined;
  for (const [key, value] of Object.entries(params)) {
    if (isUploadedFile(value)) {
      copy ??= { ...params };
      copy[key] = { filename: value.filename, size: value.data.length };
    }
  }
  return copy ?? params;
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

const METHODS = [
  'getMe', 'getUpdates', 'deleteWebhook', 'sendMessage', 'sendDocument', 'getChatMember', 'answerCallbackQuery',
  'setMyCommands', 'getMyCommands', 'deleteMyCommands', 'editMessageText', 'sendChatAction', 'leaveChat', 'getChat',
  'setMyDescription',
] as const;
type MethodName = (typeof METHODS)[number];
const METHOD_BY_LOWER = new Map<string, MethodName>(METHODS.map((m) => [m.toLowerCase(), m]));

const CONFLICT_DESCRIPTION =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const PARSE_MODES = new Map([['html', 'HTML'], ['markdown', 'Markdown'], ['markdownv2', 'MarkdownV2']]);

interface ApiFailure {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
  toJSON(): ApiFailure {
    return {
      ok: false,
      error_code: this.code,
      description: this.description,
      ...(this.parameters !== undefined ? { parameters: this.parameters } : {}),
    };
  }
}

interface PendingPoll {
  token: string;
  res: ServerResponse;
  offset: number;
  limit: number;
  timer: NodeJS.Timeout;
  call: RecordedCall | undefined;
  done: boolean;
}

const LONG_POLL = Symbol('long-poll');

function chatKey(chatId: number | string): string {
  return String(chatId);
}

function inferChatType(chatId: number | string): FakeChatType {
  const s = String(chatId);
  if (s.startsWith('@')) return 'channel';
  if (s.startsWith('-100')) return 'supergroup';
  if (s.startsWith('-')) return 'group';
  return 'private';
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function toUser(u: FakeUser): User {
  return {
    id: u.id,
    is_bot: u.is_bot ?? false,
    first_name: u.first_name,
    ...(u.last_name !== undefined ? { last_name: u.last_name } : {}),
    ...(u.username !== undefined ? { username: u.username } : {}),
    ...(u.language_code !== undefined ? { language_code: u.language_code } : {}),
  };
}

const BOT_COMMAND_IN_TEXT = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|[^A-Za-z0-9_@])/g;

function commandEntities(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  BOT_COMMAND_IN_TEXT.lastIndex = 0;
  for (let m = BOT_COMMAND_IN_TEXT.exec(text); m !== null; m = BOT_COMMAND_IN_TEXT.exec(text)) {
    const command = m[2] ?? '';
    out.push({ type: 'bot_command', offset: m.index + (m[1] ?? '').length, length: command.length });
  }
  return out;
}

function memberObject(status: MemberStatus, user: User, overrides: Record<string, unknown> = {}): ChatMember {
  let member: ChatMember;
  switch (status) {
    case 'creator':
      member = { status, user, is_anonymous: false };
      break;
    case 'administrator':
      member = {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_manage_topics: true,
        can_send_welcome_messages: false,
      };
      break;
    case 'member':
      member = { status, user };
      break;
    case 'restricted':
      member = {
        status,
        user,
        is_member: true,
        can_send_messages: false,
        can_send_audios: false,
        can_send_documents: false,
        can_send_photos: false,
        can_send_videos: false,
        can_send_video_notes: false,
        can_send_voice_notes: false,
        can_send_polls: false,
        can_send_other_messages: false,
        can_add_web_page_previews: false,
        can_react_to_messages: false,
        can_change_info: false,
        can_invite_users: false,
        can_edit_tag: false,
        can_pin_messages: false,
        can_manage_topics: false,
        until_date: 0,
      };
      break;
    case 'left':
      member = { status, user };
      break;
    case 'kicked':
      member = { status, user, until_date: 0 };
      break;
  }
  return { ...member, ...overrides } as ChatMember;
}

function intParam(params: Params, key: string): number | undefined {
  const v = params[key];
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

function stringParam(params: Params, key: string): string | undefined {
  const v = params[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function chatIdParam(params: Params): number | string | undefined {
  const v = params.chat_id;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim();
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function matchesMethod(rule: FailRule, method: string): boolean {
  if (rule.method === undefined) return method !== 'getUpdates';
  const list = typeof rule.method === 'string' ? [rule.method] : rule.method;
  return list.some((m) => m.toLowerCase() === method.toLowerCase());
}

export async function createFakeBotApi(options: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const validateHtml = options.validateHtml ?? true;
  const strictAmpersand = options.strictAmpersand ?? true;
  const conflictPolicy = options.conflictPolicy ?? 'terminate-previous';
  const maxLongPoll = options.maxLongPollSeconds ?? 50;
  const latencyMs = options.latencyMs ?? 0;
  const recordCalls = options.recordCalls ?? true;
  const keepAlive = options.keepAlive ?? false;

  const botInfo: UserFromGetMe = {
    id: 7000000001,
    first_name: 'Pantau LPSE',
    username: 'pantau_lpse_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
    ...options.botUser,
    is_bot: true,
  };
  const botUser: User = { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username };

  // --- state -------------------------------------------------------------
  const sent: SentMessage[] = [];
  const calls: RecordedCall[] = [];
  let accepted = 0;
  let rejected429 = 0;
  const failRules: { rule: FailRule; remaining: number }[] = [];
  const kickedChats = new Set<number | string>();
  const blockDescriptions = new Map<string, string>();
  const chats = new Map<string, FakeChat>();
  const users = new Map<number, FakeUser>();
  const memberStatus = new Map<string, { status: MemberStatus; overrides: Record<string, unknown> }>();
  const nextMessageIds = new Map<string, number>();
  /** `${chat}:${message_id}` -> index in `sent` of the latest version. */
  const messageIndex = new Map<string, number>();
  const lastBotMessage = new Map<string, number>();
  const openCallbackQueries = new Set<string>();
  let callbackCounter = 0;
  const commands = new Map<string, BotCommand[]>();
  const descriptions = new Map<string, string>();

  let queue: Update[] = [];
  let nextUpdateId = options.firstUpdateId ?? 1;
  const polls = new Map<string, PendingPoll>();
  let wakeScheduled = false;

  let rate = options.ratePerSecond;
  let retryAfterOverride = options.retryAfterOverride;
  let tokens = Math.max(1, rate ?? 0);
  let lastRefill = performance.now();

  const sentListeners = new Set<(m: SentMessage) => void>();
  const callListeners = new Set<(c: RecordedCall) => void>();
  const sockets = new Set<Socket>();
  let closed = false;

  // --- helpers -----------------------------------------------------------
  function registerChat(chat: FakeChat): void {
    const key = chatKey(chat.id);
    chats.set(key, { ...chats.get(key), ...chat });
  }

  function registerUser(user: FakeUser): void {
    users.set(user.id, { ...users.get(user.id), ...user });
  }

  function chatInfo(chatId: number | string): FakeChat {
    const known = chats.get(chatKey(chatId));
    if (known) return known;
    const id = typeof chatId === 'number' ? chatId : Number.NaN;
    return { id: Number.isNaN(id) ? 0 : id, type: inferChatType(chatId) };
  }

  function toChat(c: FakeChat): Chat {
    switch (c.type) {
      case 'private':
        return {
          id: c.id,
          type: 'private',
          first_name: c.first_name ?? users.get(c.id)?.first_name ?? `User ${c.id}`,
          ...(c.username !== undefined ? { username: c.username } : {}),
        };
      case 'group':
        return { id: c.id, type: 'group', title: c.title ?? `Group ${c.id}` };
      case 'supergroup':
        return {
          id: c.id,
          type: 'supergroup',
          title: c.title ?? `Supergroup ${c.id}`,
          ...(c.username !== undefined ? { username: c.username } : {}),
          ...(c.is_forum === true ? { is_forum: true as const } : {}),
        };
      case 'channel':
        return {
          id: c.id,
          type: 'channel',
          title: c.title ?? `Channel ${c.id}`,
          ...(c.username !== undefined ? { username: c.username } : {}),
        };
    }
  }

  function chatForId(chatId: number | string): Chat {
    return toChat(chatInfo(chatId));
  }

  function nextMessageId(chatId: number | string): number {
    const key = chatKey(chatId);
    const id = nextMessageIds.get(key) ?? 1;
    nextMessageIds.set(key, id + 1);
    return id;
  }

  function defaultBlockDescription(chatId: number | string): string {
    switch (chatInfo(chatId).type) {
      case 'private':
        return 'Forbidden: bot was blocked by the user';
      case 'group':
        return 'Forbidden: bot was kicked from the group chat';
      case 'supergroup':
        return 'Forbidden: bot was kicked from the supergroup chat';
      case 'channel':
        return 'Forbidden: bot was kicked from the channel chat';
    }
  }

  function isBlocked(chatId: number | string): boolean {
    if (kickedChats.has(chatId) || kickedChats.has(chatKey(chatId))) return true;
    const asNumber = Number(chatId);
    return Number.isFinite(asNumber) && kickedChats.has(asNumber);
  }

  function assertNotBlocked(chatId: number | string): void {
    if (isBlocked(chatId)) {
      throw new ApiError(403, blockDescriptions.get(chatKey(chatId)) ?? defaultBlockDescription(chatId));
    }
  }

  function blockChat(chatId: number | string, description?: string): void {
    kickedChats.add(chatId);
    if (description !== undefined) blockDescriptions.set(chatKey(chatId), description);
    else blockDescriptions.delete(chatKey(chatId));
  }

  function unblockChat(chatId: number | string): void {
    kickedChats.delete(chatId);
    kickedChats.delete(chatKey(chatId));
    const asNumber = Number(chatId);
    if (Number.isFinite(asNumber)) kickedChats.delete(asNumber);
    blockDescriptions.delete(chatKey(chatId));
  }

  function takeToken(): number {
    if (rate === undefined || rate <= 0) return 0;
    const now = performance.now();
    // Burst = rate, but at least one message so rates below 1/s still work.
    tokens = Math.min(Math.max(1, rate), tokens + ((now - lastRefill) * rate) / 1000);
    lastRefill = now;
    if (tokens >= 1 - 1e-9) {
      tokens = Math.max(0, tokens - 1);
      return 0;
    }
    const waitSeconds = (1 - tokens) / rate;
    return retryAfterOverride ?? Math.max(1, Math.ceil(waitSeconds));
  }

  function assertRate(): void {
    const retryAfter = takeToken();
    if (retryAfter > 0) {
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
  }

  function requireChatId(params: Params): number | string {
    const chatId = chatIdParam(params);
    if (chatId === undefined) throw new ApiError(400, 'Bad Request: chat_id is empty');
    return chatId;
  }

  function parseModeParam(params: Params): string | undefined {
    const raw = stringParam(params, 'parse_mode');
    if (raw === undefined || raw === '') return undefined;
    const mode = PARSE_MODES.get(raw.toLowerCase());
    if (mode === undefined) throw new ApiError(400, 'Bad Request: unsupported parse_mode');
    return mode;
  }

  /** Returns the plain text Telegram would display. */
  function formattedText(text: string, parseMode: string | undefined): string {
    if (parseMode !== 'HTML' || !validateHtml) return text;
    const checked = checkTelegramHtml(text, { strictAmpersand });
    if (!checked.ok) throw new ApiError(400, `Bad Request: can't parse entities: ${checked.error}`);
    return checked.plain;
  }

  function validateReplyMarkup(markup: unknown): void {
    if (markup === undefined || markup === null) return;
    if (typeof markup !== 'object') throw new ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object");
    const keyboard = (markup as { inline_keyboard?: unknown }).inline_keyboard;
    if (keyboard === undefined) return;
    if (!Array.isArray(keyboard)) throw new ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array');
    for (const row of keyboard as unknown[]) {
      if (!Array.isArray(row)) throw new ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays');
      for (const button of row as unknown[]) {
        const b = button as { text?: unknown; callback_data?: unknown };
        if (typeof b.text !== 'string') throw new ApiError(400, "Bad Request: can't find field \"text\"");
        if (typeof b.callback_data === 'string' && Buffer.byteLength(b.callback_data, 'utf8') > 64) {
          throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID');
        }
      }
    }
  }

  function recordSent(message: SentMessage): void {
    sent.push(message);
    const key = `${chatKey(message.chat_id)}:${message.message_id}`;
    messageIndex.set(key, sent.length - 1);
    if (message.method !== 'editMessageText') lastBotMessage.set(chatKey(message.chat_id), message.message_id);
    for (const listener of [...sentListeners]) listener(message);
  }

  // --- updates & long polling ----------------------------------------------
  function confirm(offset: number): void {
    if (offset > 0) {
      let drop = 0;
      while (drop < queue.length && (queue[drop]?.update_id ?? 0) < offset) drop += 1;
      if (drop > 0) queue = queue.slice(drop);
    } else if (offset < 0) {
      const keep = -offset;
      if (queue.length > keep) queue = queue.slice(queue.length - keep);
    }
  }

  function selectUpdates(offset: number, limit: number): Update[] {
    confirm(offset);
    return queue.slice(0, limit);
  }

  function respond(res: ServerResponse, call: RecordedCall | undefined, status: number, payload: unknown): void {
    if (call) {
      call.status = status;
      call.ok = status === 200;
      if (status !== 200 && typeof payload === 'object' && payload !== null) {
        const description = (payload as { description?: unknown }).description;
        if (typeof description === 'string') call.description = description;
      }
      for (const listener of [...callListeners]) listener(call);
    }
    if (res.writableEnded || res.destroyed) return;
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...(keepAlive ? {} : { connection: 'close' }),
    });
    res.end(body);
  }

  function finishPoll(poll: PendingPoll, status: number, payload: unknown): void {
    if (poll.done) return;
    poll.done = true;
    clearTimeout(poll.timer);
    if (polls.get(poll.token) === poll) polls.delete(poll.token);
    respond(poll.res, poll.call, status, payload);
  }

  function scheduleWake(): void {
    if (wakeScheduled) return;
    wakeScheduled = true;
    // setImmediate batches several synchronous pushUpdate() calls into one answer.
    setImmediate(() => {
      wakeScheduled = false;
      for (const poll of [...polls.values()]) {
        const updates = selectUpdates(poll.offset, poll.limit);
        if (updates.length > 0) finishPoll(poll, 200, { ok: true, result: updates });
      }
    });
  }

  function pushUpdate(update: Omit<Update, 'update_id'> & { update_id?: number }): Update {
    const id = update.update_id ?? nextUpdateId;
    nextUpdateId = Math.max(nextUpdateId, id + 1);
    const full = { ...update, update_id: id } as Update;
    queue.push(full);
    scheduleWake();
    return full;
  }

  function pollAlive(poll: PendingPoll): boolean {
    return !poll.done && !poll.res.destroyed && !poll.res.socket?.destroyed;
  }

  async function getUpdates(params: Params, token: string, res: ServerResponse, call: RecordedCall | undefined): Promise<Update[] | typeof LONG_POLL> {
    const offset = intParam(params, 'offset') ?? 0;
    const limit = Math.min(100, Math.max(1, intParam(params, 'limit') ?? 100));
    const timeout = Math.min(maxLongPoll, Math.max(0, intParam(params, 'timeout') ?? 0));
    const updates = selectUpdates(offset, limit);
    if (updates.length > 0 || timeout === 0 || closed) return updates;

    const previous = polls.get(token);
    if (previous) {
      if (conflictPolicy === 'terminate-previous') {
        finishPoll(previous, 409, new ApiError(409, CONFLICT_DESCRIPTION).toJSON());
      } else {
        // Give a just-aborted poll (e.g. bot.stop() then bot.start()) a moment
        // to be noticed before calling it a conflict.
        if (pollAlive(previous)) await sleep(20);
        if (pollAlive(previous)) throw new ApiError(409, CONFLICT_DESCRIPTION);
        finishPoll(previous, 409, new ApiError(409, CONFLICT_DESCRIPTION).toJSON());
      }
    }
    // Something may have arrived while we waited above.
    const late = selectUpdates(offset, limit);
    if (late.length > 0 || closed) return late;

    const poll: PendingPoll = {
      token,
      res,
      offset,
      limit,
      call,
      done: false,
      timer: setTimeout(() => finishPoll(poll, 200, { ok: true, result: selectUpdates(offset, limit) }), timeout * 1000),
    };
    polls.set(token, poll);
    res.on('close', () => {
      if (!poll.done) {
        poll.done = true;
        clearTimeout(poll.timer);
        if (polls.get(token) === poll) polls.delete(token);
        if (call && call.status === undefined) {
          call.status = 0;
          call.ok = false;
          call.description = 'client closed the long poll';
        }
      }
    });
    return LONG_POLL;
  }

  // --- methods -------------------------------------------------------------
  function sendMessage(params: Params): Message {
    const chatId = requireChatId(params);
    const text = stringParam(params, 'text');
    if (text === undefined || text === '') throw new ApiError(400, 'Bad Request: message text is empty');
    const parseMode = parseModeParam(params);
    const plain = formattedText(text, parseMode);
    if (plain.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    if (plain.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
    validateReplyMarkup(params.reply_markup);
    const threadId = intParam(params, 'message_thread_id');
    assertNotBlocked(chatId);
    assertRate();

    const messageId = nextMessageId(chatId);
    const date = nowSeconds();
    recordSent({
      method: 'sendMessage',
      chat_id: chatId,
      message_id: messageId,
      ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
      text,
      ...(parseMode !== undefined ? { parse_mode: parseMode } : {}),
      ...(params.reply_markup !== undefined ? { reply_markup: params.reply_markup } : {}),
      at: Date.now(),
    });
    accepted += 1;
    const chat = chatForId(chatId);
    return {
      message_id: messageId,
      date,
      chat,
      from: botUser,
      text: plain,
      ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
      ...(threadId !== undefined && chat.type === 'supergroup' && chat.is_forum === true ? { is_topic_message: true } : {}),
      ...(params.reply_markup !== undefined ? { reply_markup: params.reply_markup as Message['reply_markup'] } : {}),
    } as Message;
  }

  function sendDocument(params: Params): Message {
    const chatId = requireChatId(params);
    const document = params.document;
    if (document === undefined || document === null || document === '') {
      throw new ApiError(400, 'Bad Request: there is no document in the request');
    }
    const parseMode = parseModeParam(params);
    const caption = stringParam(params, 'caption');
    const plainCaption = caption !== undefined ? formattedText(caption, parseMode) : undefined;
    if (plainCaption !== undefined && plainCaption.length > 1024) {
      throw new ApiError(400, 'Bad Request: message caption is too long');
    }
    validateReplyMarkup(params.reply_markup);
    const threadId = intParam(params, 'message_thread_id');
    assertNotBlocked(chatId);
    assertRate();

    let doc: SentDocument;
    if (isUploadedFile(document)) {
      doc = {
        filename: document.filename,
        content: document.data.toString('utf8'),
        size: document.data.length,
        ...(document.contentType !== undefined ? { mimeType: document.contentType } : {}),
      };
    } else if (typeof document === 'string') {
      doc = { filename: '', content: '', size: 0, fileId: document };
    } else {
      throw new ApiError(400, 'Bad Request: wrong file identifier/HTTP URL specified');
    }
    const messageId = nextMessageId(chatId);
    recordSent({
      method: 'sendDocument',
      chat_id: chatId,
      message_id: messageId,
      ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
      ...(caption !== undefined ? { caption } : {}),
      ...(parseMode !== undefined ? { parse_mode: parseMode } : {}),
      ...(params.reply_markup !== undefined ? { reply_markup: params.reply_markup } : {}),
      document: doc,
      at: Date.now(),
    });
    accepted += 1;
    const fileId = doc.fileId ?? `BQACAgFAKE${chatKey(chatId).replace('-', 'm')}_${messageId}`;
    return {
      message_id: messageId,
      date: nowSeconds(),
      chat: chatForId(chatId),
      from: botUser,
      document: {
        file_id: fileId,
        file_unique_id: `AgADFAKE${messageId}`,
        ...(doc.filename !== '' ? { file_name: doc.filename } : {}),
        mime_type: doc.mimeType ?? 'application/octet-stream',
        file_size: doc.size,
      },
      ...(plainCaption !== undefined ? { caption: plainCaption } : {}),
      ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
    } as Message;
  }

  function editMessageText(params: Params): Message | true {
    const text = stringParam(params, 'text');
    const inlineId = stringParam(params, 'inline_message_id');
    const chatId = chatIdParam(params);
    const messageId = intParam(params, 'message_id');
    if (inlineId === undefined) {
      if (chatId === undefined) throw new ApiError(400, 'Bad Request: chat_id is empty');
      if (messageId === undefined) throw new ApiError(400, 'Bad Request: message identifier is not specified');
    }
    if (text === undefined || text === '') throw new ApiError(400, 'Bad Request: message text is empty');
    const parseMode = parseModeParam(params);
    const plain = formattedText(text, parseMode);
    if (plain.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    if (plain.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
    validateReplyMarkup(params.reply_markup);
    if (inlineId !== undefined || chatId === undefined || messageId === undefined) return true;
    assertNotBlocked(chatId);

    const index = messageIndex.get(`${chatKey(chatId)}:${messageId}`);
    const current = index !== undefined ? sent[index] : undefined;
    if (current?.text !== undefined) {
      const currentPlain = formattedTextSafe(current.text, current.parse_mode);
      if (currentPlain === plain && JSON.stringify(current.reply_markup) === JSON.stringify(params.reply_markup)) {
        throw new ApiError(400, NOT_MODIFIED);
      }
    }
    recordSent({
      method: 'editMessageText',
      chat_id: chatId,
      message_id: messageId,
      ...(current?.message_thread_id !== undefined ? { message_thread_id: current.message_thread_id } : {}),
      text,
      ...(parseMode !== undefined ? { parse_mode: parseMode } : {}),
      ...(params.reply_markup !== undefined ? { reply_markup: params.reply_markup } : {}),
      at: Date.now(),
    });
    return {
      message_id: messageId,
      date: current ? Math.floor(current.at / 1000) : nowSeconds(),
      edit_date: nowSeconds(),
      chat: chatForId(chatId),
      from: botUser,
      text: plain,
      ...(params.reply_markup !== undefined ? { reply_markup: params.reply_markup as Message['reply_markup'] } : {}),
    } as Message;
  }

  function formattedTextSafe(text: string, parseMode: string | undefined): string {
    if (parseMode !== 'HTML') return text;
    const checked = checkTelegramHtml(text, { strictAmpersand: false });
    return checked.ok ? checked.plain : text;
  }

  function userForId(userId: number): User {
    if (userId === botInfo.id) return botUser;
    const known = users.get(userId);
    return known ? toUser(known) : { id: userId, is_bot: false, first_name: `User ${userId}` };
  }

  function getChatMember(params: Params): ChatMember {
    const chatId = requireChatId(params);
    const userId = intParam(params, 'user_id');
    if (userId === undefined) throw new ApiError(400, 'Bad Request: invalid user_id specified');
    const entry = memberStatus.get(`${chatKey(chatId)}:${userId}`);
    return memberObject(entry?.status ?? 'member', userForId(userId), entry?.overrides);
  }

  function scopeKey(scope: unknown, languageCode: string | undefined): string {
    return `${JSON.stringify(scope ?? { type: 'default' })}|${languageCode ?? ''}`;
  }

  function setMyCommands(params: Params): true {
    const list = params.commands;
    if (!Array.isArray(list)) throw new ApiError(400, 'Bad Request: parameter "commands" is required');
    if (list.length > 100) throw new ApiError(400, 'Bad Request: BOT_COMMANDS_TOO_MUCH');
    const out: BotCommand[] = [];
    for (const item of list as unknown[]) {
      const c = item as { command?: unknown; description?: unknown };
      if (typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command.replace(/^\//, ''))) {
        throw new ApiError(400, 'Bad Request: BOT_COMMAND_INVALID');
      }
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
        throw new ApiError(400, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID');
      }
      out.push({ command: c.command.replace(/^\//, ''), description: c.description });
    }
    commands.set(scopeKey(params.scope, stringParam(params, 'language_code')), out);
    return true;
  }

  function getChat(params: Params): Record<string, unknown> {
    const chatId = requireChatId(params);
    return {
      ...chatForId(chatId),
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: {
        unlimited_gifts: false,
        limited_gifts: false,
        unique_gifts: false,
        premium_subscription: false,
        gifts_from_channels: false,
      },
    };
  }

  function leaveChat(params: Params): true {
    const chatId = requireChatId(params);
    const type = chatInfo(chatId).type;
    if (type === 'private') throw new ApiError(400, "Bad Request: chat member status can't be changed in private chats");
    blockChat(chatId, `Forbidden: bot is not a member of the ${type} chat`);
    memberStatus.set(`${chatKey(chatId)}:${botInfo.id}`, { status: 'left', overrides: {} });
    return true;
  }

  async function dispatch(
    method: MethodName,
    params: Params,
    token: string,
    res: ServerResponse,
    call: RecordedCall | undefined,
  ): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return botInfo;
      case 'getUpdates':
        return getUpdates(params, token, res, call);
      case 'deleteWebhook':
        if (params.drop_pending_updates === true) queue = [];
        return true;
      case 'sendMessage':
        return sendMessage(params);
      case 'sendDocument':
        return sendDocument(params);
      case 'editMessageText':
        return editMessageText(params);
      case 'getChatMember':
        return getChatMember(params);
      case 'answerCallbackQuery': {
        const id = stringParam(params, 'callback_query_id');
        if (id === undefined || !openCallbackQueries.has(id)) {
          throw new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        }
        const text = stringParam(params, 'text');
        if (text !== undefined && text.length > 200) throw new ApiError(400, 'Bad Request: MESSAGE_TOO_LONG');
        return true;
      }
      case 'setMyCommands':
        return setMyCommands(params);
      case 'getMyCommands':
        return commands.get(scopeKey(params.scope, stringParam(params, 'language_code'))) ?? [];
      case 'deleteMyCommands':
        commands.delete(scopeKey(params.scope, stringParam(params, 'language_code')));
        return true;
      case 'sendChatAction': {
        const chatId = requireChatId(params);
        if (stringParam(params, 'action') === undefined) throw new ApiError(400, 'Bad Request: action is empty');
        assertNotBlocked(chatId);
        return true;
      }
      case 'leaveChat':
        return leaveChat(params);
      case 'getChat':
        return getChat(params);
      case 'setMyDescription': {
        const description = stringParam(params, 'description') ?? '';
        if (description.length > 512) throw new ApiError(400, 'Bad Request: BOT_DESCRIPTION_INVALID');
        const lang = stringParam(params, 'language_code') ?? '';
        if (description === '') descriptions.delete(lang);
        else descriptions.set(lang, description);
        return true;
      }
    }
  }

  function takeFailure(method: string, params: Params): InjectedError | undefined {
    if (failRules.length === 0) return undefined;
    const chatId = chatIdParam(params);
    for (let k = 0; k < failRules.length; k += 1) {
      const entry = failRules[k];
      if (entry === undefined) continue;
      const { rule } = entry;
      if (!matchesMethod(rule, method)) continue;
      if (rule.chatId !== undefined && (chatId === undefined || chatKey(chatId) !== chatKey(rule.chatId))) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) failRules.splice(k, 1);
      return rule.error;
    }
    return undefined;
  }

  function injectedToApiError(error: Exclude<InjectedError, { networkDrop: true } | { rawBody: string }>): ApiError {
    if ('retryAfter' in error) {
      return new ApiError(429, error.description ?? `Too Many Requests: retry after ${error.retryAfter}`, {
        retry_after: error.retryAfter,
      });
    }
    if ('migrateToChatId' in error) {
      return new ApiError(400, error.description ?? 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: error.migrateToChatId,
      });
    }
    const defaults: Record<number, string> = {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden: bot was kicked from the group chat',
      404: 'Not Found',
      409: CONFLICT_DESCRIPTION,
      429: 'Too Many Requests: retry after 1',
      500: 'Internal Server Error',
      502: 'Bad Gateway',
    };
    return new ApiError(error.code, error.description ?? defaults[error.code] ?? 'Error');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    if (!route) {
      respond(res, undefined, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const token = decodeURIComponent(route[1] ?? '');
    const rawMethod = route[2] ?? '';
    const method = METHOD_BY_LOWER.get(rawMethod.toLowerCase());

    let params: Params;
    try {
      params = parseParams(req, url, body);
    } catch (error) {
      const description = error instanceof BadPayload ? error.message : 'Bad Request: invalid request';
      respond(res, undefined, 400, { ok: false, error_code: 400, description });
      return;
    }

    const call: RecordedCall | undefined = recordCalls
      ? { method: method ?? rawMethod, params: paramsForRecord(params), token, at: Date.now() }
      : undefined;
    if (call) calls.push(call);

    if (options.token !== undefined && token !== options.token) {
      respond(res, call, 401, new ApiError(401, 'Unauthorized').toJSON());
      return;
    }
    if (method === undefined) {
      respond(res, call, 404, new ApiError(404, 'Not Found: method not found').toJSON());
      return;
    }

    const injected = takeFailure(method, params);
    if (latencyMs > 0 && method !== 'getUpdates') await sleep(latencyMs);
    const isSend = method === 'sendMessage' || method === 'sendDocument';
    if (injected !== undefined) {
      if ('networkDrop' in injected) {
        if (call) {
          call.status = 0;
          call.ok = false;
          call.description = 'network drop';
          for (const listener of [...callListeners]) listener(call);
        }
        req.socket.destroy();
        return;
      }
      if ('rawBody' in injected) {
        if (call) {
          call.status = injected.httpStatus;
          call.ok = false;
          for (const listener of [...callListeners]) listener(call);
        }
        res.writeHead(injected.httpStatus, {
          'content-type': injected.contentType ?? 'text/html',
          'content-length': Buffer.byteLength(injected.rawBody),
          connection: 'close',
        });
        res.end(injected.rawBody);
        return;
      }
      const error = injectedToApiError(injected);
      if (isSend && error.code === 429) rejected429 += 1;
      respond(res, call, error.code, error.toJSON());
      return;
    }

    try {
      const result = await dispatch(method, params, token, res, call);
      if (result === LONG_POLL) return;
      respond(res, call, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiError) {
        if (isSend && error.code === 429) rejected429 += 1;
        respond(res, call, error.code, error.toJSON());
      } else {
        const description = `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`;
        respond(res, call, 500, { ok: false, error_code: 500, description });
      }
    }
  }

  // --- server --------------------------------------------------------------
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const description = `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`;
        respond(res, undefined, 500, { ok: false, error_code: 500, description });
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = keepAlive ? 5000 : 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // --- test-facing helpers -------------------------------------------------
  function sendText(o: SendTextOptions): Update {
    registerChat(o.chat);
    registerUser(o.from);
    const entities = commandEntities(o.text);
    const chat = toChat(chats.get(chatKey(o.chat.id)) ?? o.chat);
    const message = {
      message_id: nextMessageId(o.chat.id),
      date: o.date ?? nowSeconds(),
      chat,
      from: toUser(o.from),
      text: o.text,
      ...(entities.length > 0 ? { entities } : {}),
      ...(o.messageThreadId !== undefined ? { message_thread_id: o.messageThreadId } : {}),
      ...(o.messageThreadId !== undefined && chat.type === 'supergroup' && chat.is_forum === true
        ? { is_topic_message: true }
        : {}),
      ...(o.senderChat !== undefined ? { sender_chat: toChat(o.senderChat) } : {}),
      ...(o.replyToMessageId !== undefined
        ? { reply_to_message: { message_id: o.replyToMessageId, date: nowSeconds(), chat, from: botUser, text: '' } }
        : {}),
    } as unknown as NonNullable<Update['message']>;
    return pushUpdate({ message });
  }

  function pressButton(o: PressButtonOptions): Update {
    registerChat(o.chat);
    registerUser(o.from);
    const chat = toChat(chats.get(chatKey(o.chat.id)) ?? o.chat);
    const messageId = o.messageId ?? lastBotMessage.get(chatKey(o.chat.id));
    const index = messageId !== undefined ? messageIndex.get(`${chatKey(o.chat.id)}:${messageId}`) : undefined;
    const record = index !== undefined ? sent[index] : undefined;
    const message = {
      message_id: messageId ?? nextMessageId(o.chat.id),
      date: record ? Math.floor(record.at / 1000) : nowSeconds(),
      chat,
      from: botUser,
      // In a channel, posts (the bot's too) are sent on behalf of the channel itself.
      ...(chat.type === 'channel' ? { sender_chat: chat } : {}),
      text: record?.text !== undefined ? formattedTextSafe(record.text, record.parse_mode) : '',
      ...(record?.message_thread_id !== undefined ? { message_thread_id: record.message_thread_id } : {}),
      ...(record?.reply_markup !== undefined ? { reply_markup: record.reply_markup } : {}),
    } as unknown as NonNullable<CallbackQuery['message']>;
    callbackCounter += 1;
    const id = String(4_611_686_018_427_387_000n + BigInt(callbackCounter));
    openCallbackQueries.add(id);
    const callbackQuery: CallbackQuery = {
      id,
      from: toUser(o.from),
      message,
      chat_instance: String(-Math.abs(o.chat.id) * 31 - 7),
      data: o.data,
    };
    return pushUpdate({ callback_query: callbackQuery });
  }

  function chatMemberChange(o: ChatMemberChangeOptions): Update {
    registerChat(o.chat);
    registerUser(o.from);
    const chat = toChat(chats.get(chatKey(o.chat.id)) ?? o.chat);
    memberStatus.set(`${chatKey(o.chat.id)}:${botInfo.id}`, { status: o.newStatus, overrides: {} });
    if (o.newStatus === 'kicked') blockChat(o.chat.id);
    else if (o.newStatus === 'left') {
      blockChat(o.chat.id, o.chat.type === 'private' ? undefined : `Forbidden: bot is not a member of the ${o.chat.type} chat`);
    } else unblockChat(o.chat.id);
    const update: ChatMemberUpdated = {
      chat,
      from: toUser(o.from),
      date: o.date ?? nowSeconds(),
      old_chat_member: memberObject(o.oldStatus, botUser),
      new_chat_member: memberObject(o.newStatus, botUser),
    };
    return pushUpdate({ my_chat_member: update });
  }

  function waitUntil<T>(
    existing: () => T | undefined,
    listeners: Set<(value: T) => void>,
    predicate: (value: T) => boolean,
    timeoutMs: number,
    what: () => string,
  ): Promise<T> {
    const found = existing();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const listener = (value: T): void => {
        let matched = false;
        try {
          matched = predicate(value);
        } catch (error) {
          listeners.delete(listener);
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (matched) {
          listeners.delete(listener);
          clearTimeout(timer);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`fake-bot-api: timed out after ${timeoutMs} ms waiting; ${what()}`));
      }, timeoutMs);
      listeners.add(listener);
    });
  }

  function describeRecent(): string {
    const recent = sent.slice(-5).map((m) => `${m.method} -> ${String(m.chat_id)}: ${JSON.stringify(m.text ?? m.caption ?? m.document?.filename ?? '')}`);
    return `${sent.length} message(s) sent${recent.length > 0 ? `; last: ${recent.join(' | ')}` : ''}`;
  }

  const api: FakeBotApi = {
    apiRoot: `http://127.0.0.1:${port}`,
    port,
    botInfo,
    async close() {
      if (closed) return;
      closed = true;
      for (const poll of [...polls.values()]) finishPoll(poll, 200, { ok: true, result: [] });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Let the answers above flush, then cut whatever is left.
        setImmediate(() => {
          for (const socket of sockets) socket.destroy();
          server.closeAllConnections();
        });
      });
    },
    pushUpdate,
    sendText,
    pressButton,
    chatMemberChange,
    pendingUpdates: () => queue,
    waitingPolls: () => polls.size,
    addChat: registerChat,
    setMemberStatus(chatId, userId, status, overrides = {}) {
      memberStatus.set(`${chatKey(chatId)}:${userId}`, { status, overrides });
    },
    sent,
    calls,
    waitFor(predicate, timeoutMs = 5000) {
      return waitUntil(() => sent.find(predicate), sentListeners, predicate, timeoutMs, describeRecent);
    },
    waitForCall(predicate, timeoutMs = 5000) {
      return waitUntil(
        () => calls.find((c) => c.status !== undefined && predicate(c)),
        callListeners,
        predicate,
        timeoutMs,
        () => `${calls.length} call(s): ${calls.slice(-8).map((c) => `${c.method}=${String(c.status)}`).join(', ')}`,
      );
    },
    messagesTo(chatId) {
      const key = chatKey(chatId);
      return sent.filter((m) => chatKey(m.chat_id) === key);
    },
    callsOf(method) {
      const lower = method.toLowerCase();
      return calls.filter((c) => c.method.toLowerCase() === lower);
    },
    failNext(rule) {
      failRules.push({ rule, remaining: rule.times ?? 1 });
    },
    clearFailures() {
      failRules.length = 0;
    },
    kickedChats,
    blockChat,
    unblockChat,
    setRateLimit(ratePerSecond, override) {
      rate = ratePerSecond;
      retryAfterOverride = override;
      tokens = Math.max(1, ratePerSecond ?? 0);
      lastRefill = performance.now();
    },
    get accepted() {
      return accepted;
    },
    get rejected429() {
      return rejected429;
    },
    commandsFor(scope, languageCode) {
      return commands.get(scopeKey(scope, languageCode));
    },
    descriptionFor(languageCode) {
      return descriptions.get(languageCode ?? '');
    },
    reset() {
      sent.length = 0;
      calls.length = 0;
      accepted = 0;
      rejected429 = 0;
      failRules.length = 0;
      kickedChats.clear();
      blockDescriptions.clear();
      messageIndex.clear();
      lastBotMessage.clear();
      queue = [];
      tokens = Math.max(1, rate ?? 0);
      lastRefill = performance.now();
    },
  };
  return api;
}
