import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot, GrammyError, HttpError, InputFile } from 'grammy';
import { checkTelegramHtml, createFakeBotApi, type FakeBotApi, type FakeChat, type FakeUser } from './fake-bot-api.js';

const TOKEN = '123456:TEST-token';
const group: FakeChat = { id: -1001234567890, type: 'supergroup', title: 'Pengadaan Jatim' };
const forum: FakeChat = { id: -1009876543210, type: 'supergroup', title: 'LPSE Forum', is_forum: true };
const alice: FakeUser = { id: 111, is_bot: false, first_name: 'Alice', username: 'alice' };

let fake: FakeBotApi;
const bots: Bot[] = [];

function newBot(token = TOKEN): Bot {
  const bot = new Bot(token, { client: { apiRoot: fake.apiRoot } });
  bots.push(bot);
  return bot;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

beforeEach(async () => {
  fake = await createFakeBotApi();
});

afterEach(async () => {
  for (const bot of bots.splice(0)) if (bot.isRunning()) await bot.stop().catch(() => undefined);
  await fake.close();
});

describe('fake Bot API with the real grammY client', () => {
  it('answers getMe with the configured bot', async () => {
    const bot = newBot();
    await bot.init();
    expect(bot.botInfo).toMatchObject({ is_bot: true, username: 'pantau_lpse_bot', id: fake.botInfo.id });
    expect(fake.calls.map((c) => c.method)).toEqual(['getMe']);
  });

  it('records sendMessage and returns a real Message', async () => {
    const bot = newBot();
    const message = await bot.api.sendMessage(forum.id, '<b>LPSE Surabaya</b> down', {
      parse_mode: 'HTML',
      message_thread_id: 42,
      reply_markup: { inline_keyboard: [[{ text: 'Mute', callback_data: 'mute:1' }]] },
    });
    expect(message).toMatchObject({ chat: { id: forum.id, type: 'supergroup' }, text: 'LPSE Surabaya down', message_thread_id: 42 });
    expect(message.message_id).toBeGreaterThan(0);
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({
      method: 'sendMessage',
      chat_id: forum.id,
      message_thread_id: 42,
      text: '<b>LPSE Surabaya</b> down',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Mute', callback_data: 'mute:1' }]] },
    });
    expect(fake.messagesTo(forum.id)).toHaveLength(1);
    expect(fake.messagesTo(String(forum.id))).toHaveLength(1);
    expect(fake.accepted).toBe(1);
  });

  it('long polling delivers pushed updates, the bot replies, and the offset confirms them', async () => {
    const bot = newBot();
    bot.command('status', (ctx) => {
      const thread = ctx.msg.message_thread_id;
      return ctx.reply(`ok ${ctx.match}`.trim(), thread !== undefined ? { message_thread_id: thread } : {});
    });
    const running = bot.start({ timeout: 1 });

    const update = fake.sendText({ chat: forum, from: alice, text: '/status@pantau_lpse_bot jatim', messageThreadId: 7 });
    expect(update.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: '/status@pantau_lpse_bot'.length }]);

    const reply = await fake.waitFor((m) => m.chat_id === forum.id && m.text === 'ok jatim');
    expect(reply.message_thread_id).toBe(7);

    // A second update is delivered by the same loop.
    fake.sendText({ chat: group, from: alice, text: '/status' });
    await fake.waitFor((m) => m.chat_id === group.id && m.text === 'ok');

    await bot.stop();
    await running;
    expect(bot.isRunning()).toBe(false);

    // bot.stop() confirmed the last update with offset = last update_id + 1.
    expect(fake.pendingUpdates()).toHaveLength(0);
    const lastId = fake.calls
      .filter((c) => c.method === 'getUpdates')
      .map((c) => c.params.offset);
    expect(lastId.at(-1)).toBe(update.update_id + 2);
    expect(await newBot().api.getUpdates({ timeout: 0 })).toEqual([]);
  });

  it('keeps unconfirmed updates until an offset above them arrives', async () => {
    const bot = newBot();
    const first = fake.sendText({ chat: group, from: alice, text: 'halo' });
    const second = fake.sendText({ chat: group, from: alice, text: 'lagi' });
    expect((await bot.api.getUpdates()).map((u) => u.update_id)).toEqual([first.update_id, second.update_id]);
    // Not confirmed yet: the same updates come back.
    expect(await bot.api.getUpdates({ limit: 1 })).toHaveLength(1);
    expect((await bot.api.getUpdates({ offset: second.update_id })).map((u) => u.update_id)).toEqual([second.update_id]);
    expect(await bot.api.getUpdates({ offset: second.update_id + 1 })).toEqual([]);
    expect(fake.pendingUpdates()).toHaveLength(0);
  });

  it('answers a waiting long poll as soon as an update is queued, and times out with []', async () => {
    const bot = newBot();
    const started = Date.now();
    const poll = bot.api.getUpdates({ timeout: 5 });
    await waitForPolls(1);
    fake.sendText({ chat: group, from: alice, text: 'ping' });
    const updates = await poll;
    expect(updates).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);

    const t0 = Date.now();
    expect(await bot.api.getUpdates({ offset: updates[0]!.update_id + 1, timeout: 1 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('a second concurrent long poll makes Telegram terminate the first with 409', async () => {
    const first = newBot();
    const second = newBot();
    const waiting = rejection(first.api.getUpdates({ timeout: 5 }));
    await waitForPolls(1);
    const secondPoll = second.api.getUpdates({ timeout: 5 });
    const error = await waiting;
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(409);
    expect((error as GrammyError).description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    fake.sendText({ chat: group, from: alice, text: 'still served' });
    expect(await secondPoll).toHaveLength(1);
  });

  it('bot.start() fails with 409 when another instance starts polling', async () => {
    const bot = newBot();
    const running = rejection(bot.start({ timeout: 5 }));
    await waitForPolls(1);
    const intruder = newBot().api.getUpdates({ timeout: 1 });
    const error = await running;
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(409);
    fake.sendText({ chat: group, from: alice, text: 'for the intruder' });
    expect(await intruder).toHaveLength(1);
  });

  it("conflictPolicy 'reject-new' answers the newcomer with 409 instead", async () => {
    await fake.close();
    fake = await createFakeBotApi({ conflictPolicy: 'reject-new' });
    const first = newBot().api.getUpdates({ timeout: 2 });
    await waitForPolls(1);
    const error = await rejection(newBot().api.getUpdates({ timeout: 2 }));
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(409);
    fake.sendText({ chat: group, from: alice, text: 'x' });
    expect(await first).toHaveLength(1);
  });

  it('stop() then start() again does not conflict with the aborted poll', async () => {
    const bot = newBot();
    bot.on('message:text', (ctx) => ctx.reply(`echo ${ctx.msg.text}`));
    const run1 = bot.start({ timeout: 5 });
    await waitForPolls(1);
    await bot.stop();
    await run1;
    const run2 = bot.start({ timeout: 5 });
    fake.sendText({ chat: group, from: alice, text: 'kembali' });
    await fake.waitFor((m) => m.text === 'echo kembali');
    await bot.stop();
    await run2;
  });

  it('surfaces an injected 429 as GrammyError with parameters.retry_after', async () => {
    const bot = newBot();
    fake.failNext({ method: 'sendMessage', chatId: group.id, error: { code: 429, retryAfter: 7 } });
    const error = await rejection(bot.api.sendMessage(group.id, 'hi'));
    expect(error).toBeInstanceOf(GrammyError);
    const e = error as GrammyError;
    expect(e.error_code).toBe(429);
    expect(e.description).toBe('Too Many Requests: retry after 7');
    expect(e.parameters.retry_after).toBe(7);
    // Only once: the next send goes through.
    await bot.api.sendMessage(group.id, 'hi');
    expect(fake.sent).toHaveLength(1);
    expect(fake.rejected429).toBe(1);
    expect(fake.callsOf('sendMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('rate limits sendMessage/sendDocument with a token bucket', async () => {
    await fake.close();
    fake = await createFakeBotApi({ ratePerSecond: 5 });
    const bot = newBot();
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => bot.api.sendMessage(group.id, `m${i}`)));
    const rejected = results.filter((r) => r.status === 'rejected');
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    // Burst of 5; a slow machine may refill one more token during the burst.
    expect(fulfilled.length).toBeGreaterThanOrEqual(5);
    expect(fulfilled.length).toBeLessThanOrEqual(6);
    expect(rejected.length).toBe(8 - fulfilled.length);
    const reason = (rejected[0] as PromiseRejectedResult).reason as GrammyError;
    expect(reason.error_code).toBe(429);
    expect(reason.description).toBe('Too Many Requests: retry after 1');
    expect(reason.parameters.retry_after).toBe(1);
    expect(fake.accepted).toBe(fulfilled.length);
    expect(fake.rejected429).toBe(rejected.length);
  });

  it('rates below one per second still allow one message, then a longer retry_after', async () => {
    await fake.close();
    fake = await createFakeBotApi({ ratePerSecond: 0.25 });
    const bot = newBot();
    await bot.api.sendMessage(group.id, 'first');
    const error = (await rejection(bot.api.sendMessage(group.id, 'second'))) as GrammyError;
    expect(error.parameters.retry_after).toBe(4);
    fake.setRateLimit(10, 3);
    await bot.api.sendMessage(group.id, 'burst');
  });

  it('surfaces 403 for kicked chats and injected 403s', async () => {
    const bot = newBot();
    fake.blockChat(group.id);
    const error = await rejection(bot.api.sendMessage(group.id, 'hi'));
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(403);
    expect((error as GrammyError).description).toBe('Forbidden: bot was kicked from the supergroup chat');
    // Permanently.
    expect(((await rejection(bot.api.sendMessage(group.id, 'again'))) as GrammyError).error_code).toBe(403);

    fake.failNext({ chatId: -42, error: { code: 403 } });
    const injected = (await rejection(bot.api.sendMessage(-42, 'x'))) as GrammyError;
    expect(injected.description).toBe('Forbidden: bot was kicked from the group chat');
    await bot.api.sendMessage(-42, 'x');
  });

  it('injects migrate_to_chat_id, thread-not-found, 500 and network drops', async () => {
    const bot = newBot();
    fake.failNext({ method: 'sendMessage', error: { code: 400, migrateToChatId: -1009999 } });
    const migrated = (await rejection(bot.api.sendMessage(-5, 'x'))) as GrammyError;
    expect(migrated.description).toBe('Bad Request: group chat was upgraded to a supergroup chat');
    expect(migrated.parameters.migrate_to_chat_id).toBe(-1009999);

    fake.failNext({ method: 'sendMessage', error: { code: 400, description: 'Bad Request: message thread not found' } });
    expect(((await rejection(bot.api.sendMessage(forum.id, 'x', { message_thread_id: 9 }))) as GrammyError).description).toBe(
      'Bad Request: message thread not found',
    );

    fake.failNext({ method: 'sendMessage', error: { code: 500 } });
    expect(((await rejection(bot.api.sendMessage(group.id, 'x'))) as GrammyError).error_code).toBe(500);

    fake.failNext({ method: 'sendMessage', error: { networkDrop: true } });
    expect(await rejection(bot.api.sendMessage(group.id, 'x'))).toBeInstanceOf(HttpError);
    expect(fake.sent).toHaveLength(0);
  });

  it('rejects HTML that Telegram cannot parse', async () => {
    const bot = newBot();
    const bad = (await rejection(bot.api.sendMessage(group.id, 'Hi <x> there', { parse_mode: 'HTML' }))) as GrammyError;
    expect(bad).toBeInstanceOf(GrammyError);
    expect(bad.error_code).toBe(400);
    expect(bad.description).toBe('Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3');

    const lt = (await rejection(bot.api.sendMessage(group.id, 'nilai < 5', { parse_mode: 'HTML' }))) as GrammyError;
    expect(lt.description).toMatch(/^Bad Request: can't parse entities: Unsupported start tag "" at byte offset 6$/);

    const amp = (await rejection(bot.api.sendMessage(group.id, 'PT A & B', { parse_mode: 'HTML' }))) as GrammyError;
    expect(amp.description).toMatch(/^Bad Request: can't parse entities: Unescaped "&" at byte offset 5/);

    // The same text as plain text, and properly escaped HTML, are fine.
    await bot.api.sendMessage(group.id, 'Hi <x> there & nilai < 5');
    const ok = await bot.api.sendMessage(group.id, '<b>PT A &amp; B</b> &lt;x&gt; <a href="https://lpse.x/?a=1&b=2">link</a>', {
      parse_mode: 'HTML',
    });
    expect(ok.text).toBe('PT A & B <x> link');

    const tooLong = (await rejection(bot.api.sendMessage(group.id, 'a'.repeat(4097)))) as GrammyError;
    expect(tooLong.description).toBe('Bad Request: message is too long');
    // 4096 visible characters are fine even if the markup makes it longer.
    await bot.api.sendMessage(group.id, `<b>${'a'.repeat(4096)}</b>`, { parse_mode: 'HTML' });

    const empty = (await rejection(bot.api.sendMessage(group.id, ''))) as GrammyError;
    expect(empty.description).toBe('Bad Request: message text is empty');
  });

  it('checkTelegramHtml follows Telegram rules', () => {
    expect(checkTelegramHtml('<b>a</b> <i>b</i> <tg-spoiler>c</tg-spoiler> <span class="tg-spoiler">d</span>')).toEqual({
      ok: true,
      plain: 'a b c d',
    });
    expect(checkTelegramHtml('<pre><code class="language-ts">x &#60; y &#x3E; z</code></pre>')).toEqual({ ok: true, plain: 'x < y > z' });
    expect(checkTelegramHtml('<blockquote expandable>q</blockquote> a > b')).toEqual({ ok: true, plain: 'q a > b' });
    expect(checkTelegramHtml('<b>open')).toEqual({ ok: false, error: 'Can\'t find end tag corresponding to start tag "b"' });
    expect(checkTelegramHtml('<b>x</i>')).toEqual({
      ok: false,
      error: 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    });
    expect(checkTelegramHtml('x</b>')).toEqual({ ok: false, error: 'Unexpected end tag at byte offset 1' });
    expect(checkTelegramHtml('é<br>')).toEqual({ ok: false, error: 'Unsupported start tag "br" at byte offset 2' });
    expect(checkTelegramHtml('<span>x</span>').ok).toBe(false);
    expect(checkTelegramHtml('A & B', { strictAmpersand: false })).toEqual({ ok: true, plain: 'A & B' });
    expect(checkTelegramHtml('&copy;').ok).toBe(false);
  });

  it('records a multipart sendDocument with its filename and content', async () => {
    const bot = newBot();
    const message = await bot.api.sendDocument(group.id, new InputFile(Buffer.from('a,b\n'), 'x.csv'), {
      caption: '<b>Laporan</b> harian',
      parse_mode: 'HTML',
      message_thread_id: 3,
    });
    expect(message.document).toMatchObject({ file_name: 'x.csv', file_size: 4 });
    expect(message.caption).toBe('Laporan harian');
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({
      method: 'sendDocument',
      chat_id: group.id,
      message_thread_id: 3,
      caption: '<b>Laporan</b> harian',
      parse_mode: 'HTML',
      document: { filename: 'x.csv', content: 'a,b\n', size: 4 },
    });
    expect(fake.calls[0]?.params.document).toEqual({ filename: 'x.csv', size: 4 });
  });

  it('delivers button presses and membership changes, and answers getChatMember', async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.on('callback_query:data', async (ctx) => {
      seen.push(`cb:${ctx.callbackQuery.data}:${ctx.callbackQuery.message?.message_id}`);
      await ctx.answerCallbackQuery({ text: 'Siap' });
      await ctx.editMessageText('Dibisukan');
    });
    bot.on('my_chat_member', (ctx) => {
      seen.push(`member:${ctx.myChatMember.new_chat_member.status}`);
    });
    const running = bot.start({ timeout: 1 });

    const sent = await bot.api.sendMessage(group.id, 'LPSE down', {
      reply_markup: { inline_keyboard: [[{ text: 'Mute', callback_data: 'mute' }]] },
    });
    fake.pressButton({ chat: group, from: alice, data: 'mute' });
    const edit = await fake.waitFor((m) => m.method === 'editMessageText');
    expect(edit).toMatchObject({ chat_id: group.id, message_id: sent.message_id, text: 'Dibisukan' });
    const answer = await fake.waitForCall((c) => c.method === 'answerCallbackQuery');
    expect(answer.status).toBe(200);

    fake.chatMemberChange({ chat: group, from: alice, oldStatus: 'member', newStatus: 'kicked' });
    await waitUntil(() => seen.includes('member:kicked'));
    expect(seen).toEqual([`cb:mute:${sent.message_id}`, 'member:kicked']);
    expect(((await rejection(bot.api.sendMessage(group.id, 'x'))) as GrammyError).error_code).toBe(403);
    expect(await bot.api.getChatMember(group.id, fake.botInfo.id)).toMatchObject({ status: 'kicked', until_date: 0 });

    fake.setMemberStatus(group.id, alice.id, 'administrator');
    const admin = await bot.api.getChatMember(group.id, alice.id);
    expect(admin).toMatchObject({ status: 'administrator', user: { id: alice.id, first_name: 'Alice' }, can_manage_chat: true });
    expect(await bot.api.getChatMember(group.id, 999)).toEqual({
      status: 'member',
      user: { id: 999, is_bot: false, first_name: 'User 999' },
    });

    await bot.stop();
    await running;
  });

  it('supports the remaining methods and 404s unknown ones', async () => {
    const bot = newBot();
    await bot.api.setMyCommands([{ command: 'status', description: 'Status LPSE' }], { scope: { type: 'all_group_chats' } });
    expect(await bot.api.getMyCommands({ scope: { type: 'all_group_chats' } })).toEqual([
      { command: 'status', description: 'Status LPSE' },
    ]);
    expect(await bot.api.getMyCommands()).toEqual([]);
    await bot.api.deleteMyCommands({ scope: { type: 'all_group_chats' } });
    expect(fake.commandsFor({ type: 'all_group_chats' })).toBeUndefined();
    await bot.api.setMyDescription('Memantau LPSE');
    expect(fake.descriptionFor()).toBe('Memantau LPSE');
    expect(await bot.api.sendChatAction(group.id, 'typing')).toBe(true);
    fake.addChat(group);
    expect(await bot.api.getChat(group.id)).toMatchObject({ id: group.id, type: 'supergroup', title: 'Pengadaan Jatim' });
    expect(await bot.api.leaveChat(group.id)).toBe(true);
    expect(((await rejection(bot.api.sendMessage(group.id, 'x'))) as GrammyError).description).toBe(
      'Forbidden: bot is not a member of the supergroup chat',
    );
    const unknown = (await rejection(bot.api.raw.sendPhoto({ chat_id: 1, photo: 'x' }))) as GrammyError;
    expect(unknown.error_code).toBe(404);
    expect(unknown.description).toBe('Not Found: method not found');
  });

  it('keepAlive mode works with polling, stop() and close()', async () => {
    await fake.close();
    fake = await createFakeBotApi({ keepAlive: true });
    const bot = newBot();
    bot.on('message:text', (ctx) => ctx.reply('pong'));
    const running = bot.start({ timeout: 5 });
    fake.sendText({ chat: group, from: alice, text: 'ping' });
    await fake.waitFor((m) => m.text === 'pong');
    await bot.api.sendMessage(group.id, 'reuse');
    await bot.stop();
    await running;
    expect(fake.pendingUpdates()).toHaveLength(0);
  });

  it('close() ends a pending long poll promptly', async () => {
    const bot = newBot();
    const started = Date.now();
    const poll = bot.api.getUpdates({ timeout: 30 });
    await waitForPolls(1);
    await fake.close();
    expect(await poll).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function waitForPolls(count: number): Promise<void> {
  return waitUntil(() => fake.waitingPolls() >= count);
}
