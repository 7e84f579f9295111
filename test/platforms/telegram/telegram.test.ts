import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { createFakeBotApi, type FakeBotApi } from '../../fakes/fake-bot-api.js';
import { createFakePortal, type FakePortal } from '../../fakes/fake-portal.js';
import { cycle, startApp, tempSqliteUrl } from '../../helpers/app.js';

const GROUP = { id: -1001234567890, type: 'supergroup' as const, title: 'Asosiasi Rekanan Gresik' };
const ADMIN = { id: 501, is_bot: false, first_name: 'Sari' };
const MEMBER = { id: 502, is_bot: false, first_name: 'Budi' };

describe('Telegram bot end to end', () => {
  let telegram: FakeBotApi;
  let portal: FakePortal;
  let app: App | null = null;
  let storeUrl: string;

  const yaml = () => `
portals:
  - { id: gresikkab, name: "LPSE Kabupaten Gresik", url: "${portal.url}", aliases: [gresik] }
  - { id: surabayakota, name: "LPSE Kota <Surabaya> & Co", url: "${portal.origin}/surabayakota", aliases: [surabaya] }
check: { failuresToDown: 2, successesToUp: 1, timeoutSeconds: 1 }
telegram: { pollTimeoutSeconds: 1, messagesPerSecond: 200 }
`;
  const boot = async () => {
    app = await startApp(yaml(), { STORE_URL: storeUrl, TELEGRAM_BOT_TOKEN: '123:fake', TELEGRAM_API_ROOT: telegram.apiRoot });
    return app;
  };
  const say = async (text: string, from = ADMIN, chat = GROUP, extra: { messageThreadId?: number } = {}) => {
    const before = telegram.messagesTo(chat.id).length;
    telegram.sendText({ chat, from, text, ...extra });
    await telegram.waitFor(() => telegram.messagesTo(chat.id).length > before);
    return telegram.messagesTo(chat.id).at(-1)!;
  };
  const alertsTo = (chatId: number) => telegram.messagesTo(chatId).filter((m) => /^(🔴|🟢)/u.test(m.text ?? '') && /DOWN|pulih/.test(m.text ?? ''));

  beforeEach(async () => {
    telegram = await createFakeBotApi();
    portal = await createFakePortal({ mode: 'healthy' });
    storeUrl = tempSqliteUrl();
    telegram.setMemberStatus(GROUP.id, ADMIN.id, 'administrator');
    telegram.setMemberStatus(GROUP.id, MEMBER.id, 'member');
  });
  afterEach(async () => {
    await app?.stop();
    app = null;
    await telegram.close();
    await portal.close();
  });

  it('subscribes as admin, refuses a member, and announces one DOWN and one UP across a restart', async () => {
    await boot();
    const refused = await say('/subscribe gresik', MEMBER);
    expect(refused.text).toContain('Hanya admin');
    // The command menu is published in both languages.
    await expect.poll(() => telegram.commandsFor(undefined, 'en')?.map((c) => c.command)).toContain('subscribe');
    expect(telegram.commandsFor(undefined, 'id')?.find((c) => c.command === 'subscribe')?.description).toBe('Langganan peringatan portal LPSE');
    const accepted = await say('/subscribe gresik');
    expect(accepted.text).toContain('Berlangganan');
    expect(app!.subscriptions.subscribersOf('gresikkab')).toHaveLength(1);

    await cycle(app!); // first UP after start is silent
    portal.setMode({ kind: 'spse-error', status: 500, code: '81kep4jo9' });
    await cycle(app!);
    expect(alertsTo(GROUP.id)).toHaveLength(0); // one failure is not yet an outage
    await cycle(app!);
    const downs = alertsTo(GROUP.id);
    expect(downs).toHaveLength(1);
    expect(downs[0]!.text).toContain('LPSE Kabupaten Gresik');
    expect(downs[0]!.text).toContain('81kep4jo9');
    expect(downs[0]!.parse_mode).toBe('HTML');

    // Restart in the middle of the outage: no second DOWN.
    await app!.stop();
    await boot();
    await cycle(app!);
    expect(alertsTo(GROUP.id)).toHaveLength(1);

    portal.setMode('healthy');
    await cycle(app!);
    const ups = alertsTo(GROUP.id).slice(1);
    expect(ups).toHaveLength(1);
    expect(ups[0]!.text).toMatch(/pulih/);
    expect(ups[0]!.text).toMatch(/<b>Durasi<\/b>: <b>(\d+ menit|kurang dari 1 menit)<\/b>/);
  });

  it('waits out a 429 without losing the alert, and drops a chat that kicked the bot', async () => {
    await boot();
    await say('/subscribe gresik');
    const PRIVATE = { id: 777, type: 'private' as const, first_name: 'Rina' };
    await say('/subscribe gresik', { id: 777, is_bot: false, first_name: 'Rina' }, PRIVATE as never);
    await cycle(app!);
    telegram.failNext({ method: 'sendMessage', chatId: GROUP.id, times: 1, error: { code: 429, retryAfter: 1 } });
    telegram.blockChat(777);
    portal.setMode({ kind: 'nginx', status: 502 });
    await cycle(app!);
    const started = Date.now();
    await cycle(app!);
    expect(alertsTo(GROUP.id)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(app!.subscriptions.get({ platform: 'telegram', chatId: '777', threadId: null, guildId: null })).toBeUndefined();
  });

  it('moves subscriptions when a group becomes a supergroup and re-sends there', async () => {
    const OLD = { id: -4000001, type: 'group' as const, title: 'Grup Lama' };
    telegram.setMemberStatus(OLD.id, ADMIN.id, 'administrator');
    await boot();
    await say('/subscribe gresik', ADMIN, OLD as never);
    await cycle(app!);
    telegram.failNext({ method: 'sendMessage', chatId: OLD.id, times: 1, error: { code: 400, migrateToChatId: -1009999 } });
    portal.setMode('reset');
    await cycle(app!);
    await cycle(app!);
    expect(alertsTo(-1009999)).toHaveLength(1);
    expect(app!.subscriptions.subscribersOf('gresikkab').map((r) => r.chat.chatId)).toEqual(['-1009999']);
  });

  it('answers in the forum topic where /subscribe was sent, and alerts go back there', async () => {
    const FORUM = { ...GROUP, id: -1005555, is_forum: true };
    telegram.setMemberStatus(FORUM.id, ADMIN.id, 'administrator');
    await boot();
    const reply = await say('/subscribe gresik', ADMIN, FORUM, { messageThreadId: 42 });
    expect(reply.message_thread_id).toBe(42);
    await cycle(app!);
    portal.setMode('hang');
    await cycle(app!);
    await cycle(app!);
    const [down] = alertsTo(FORUM.id);
    expect(down?.message_thread_id).toBe(42);
  });

  it('escapes names with < and & so the alert is not refused', async () => {
    await boot();
    await say('/subscribe surabaya');
    await cycle(app!);
    portal.setMode({ kind: 'nginx', status: 503 });
    await cycle(app!);
    await cycle(app!);
    const alerts = alertsTo(GROUP.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain('&lt;Surabaya&gt; &amp; Co');
  });

  it('offers the several Bandungs as buttons and explains unknown portals', async () => {
    await boot();
    const ambiguous = await say('/status tidakada');
    expect(ambiguous.text).toContain('tidak ditemukan');
    const usage = await say('/history');
    expect(usage.text).toContain('/history');
  });

  it('sends the incident history as a CSV document', async () => {
    await boot();
    await cycle(app!);
    portal.setMode({ kind: 'spse-error', code: '81kep4jo9' });
    await cycle(app!);
    await cycle(app!);
    portal.setMode('healthy');
    await cycle(app!);
    telegram.sendText({ chat: GROUP, from: MEMBER, text: '/riwayat gresik' });
    const doc = await telegram.waitFor((m) => m.method === 'sendDocument');
    expect(doc.document?.filename).toBe('pantau-lpse-gresikkab-incidents.csv');
    expect(doc.document?.content).toMatch(/^incident_id,portal_id/);
    expect(doc.document?.content).toContain('spse_error');
    expect(doc.document?.content).toContain('81kep4jo9');
  });

  it('removes subscriptions when the bot is removed, and greets a group it joins', async () => {
    await boot();
    await say('/subscribe gresik');
    telegram.chatMemberChange({ chat: GROUP, from: ADMIN, oldStatus: 'member', newStatus: 'kicked' });
    await expect.poll(() => app!.subscriptions.subscribersOf('gresikkab').length).toBe(0);
    const NEW = { id: -1007777, type: 'supergroup' as const, title: 'Baru' };
    telegram.chatMemberChange({ chat: NEW, from: ADMIN, oldStatus: 'left', newStatus: 'member' });
    const greeting = await telegram.waitFor((m) => String(m.chat_id) === String(NEW.id));
    expect(greeting.text).toContain('/subscribe gresik');
  });
});
