import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { createFakeBotApi, type FakeBotApi } from '../../fakes/fake-bot-api.js';
import { createFakePortal, type FakePortal } from '../../fakes/fake-portal.js';
import { cycle, startApp } from '../../helpers/app.js';

const TOKEN = '123:fake';
const GROUP = { id: -1001234567890, type: 'supergroup' as const, title: 'Asosiasi Rekanan Gresik' };
const CHANNEL = { id: -1009876543210, type: 'channel' as const, title: 'Kabar LPSE' };
const ADMIN = { id: 501, is_bot: false, first_name: 'Sari' };
const VIEWER = { id: 503, is_bot: false, first_name: 'Tono' };

describe('Telegram against strangers and refusals', () => {
  let telegram: FakeBotApi;
  let portal: FakePortal;
  let app: App | null = null;

  const boot = async (extra = '') => {
    const yaml = `portals:\n  - { id: gresikkab, name: "LPSE Kabupaten Gresik", url: "${portal.url}", aliases: [gresik] }\ncheck: { failuresToDown: 1, successesToUp: 1, timeoutSeconds: 1 }\ntelegram: { pollTimeoutSeconds: 1, messagesPerSecond: 200 }\n${extra}`;
    app = await startApp(yaml, { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot });
    return app;
  };
  const say = async (text: string, from = ADMIN, chat: { id: number; type: 'supergroup' | 'channel'; title: string } = GROUP) => {
    const before = telegram.messagesTo(chat.id).length;
    telegram.sendText({ chat, from, text });
    await telegram.waitFor(() => telegram.messagesTo(chat.id).length > before);
    return telegram.messagesTo(chat.id).at(-1)!;
  };

  beforeEach(async () => {
    telegram = await createFakeBotApi();
    portal = await createFakePortal({ mode: 'healthy' });
    telegram.setMemberStatus(GROUP.id, ADMIN.id, 'administrator');
    telegram.setMemberStatus(CHANNEL.id, VIEWER.id, 'member');
  });
  afterEach(async () => {
    await app?.stop();
    app = null;
    await telegram.close();
    await portal.close();
  });

  it('does not take a button press in a channel for an anonymous admin', async () => {
    await boot();
    // A message of the bot's in a channel, carrying a subscribe button (posts there are sent on
    // behalf of the channel itself).
    await fetch(`${telegram.apiRoot}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: CHANNEL.id, text: 'Pilih portal', reply_markup: { inline_keyboard: [[{ text: 'Gresik', callback_data: '/subscribe gresikkab' }]] } }),
    });
    const before = telegram.messagesTo(CHANNEL.id).length;
    telegram.pressButton({ chat: CHANNEL, from: VIEWER, data: '/subscribe gresikkab' });
    await telegram.waitFor(() => telegram.messagesTo(CHANNEL.id).length > before);
    expect(telegram.messagesTo(CHANNEL.id).at(-1)!.text).toContain('Hanya admin');
    expect(app!.subscriptions.all()).toHaveLength(0);
  });

  it('says that it could not check the admins, and why, instead of a generic error', async () => {
    await boot();
    telegram.failNext({ method: 'getChatMember', error: { code: 400, description: 'Bad Request: CHAT_ADMIN_REQUIRED' } });
    const reply = await say('/subscribe gresik', { id: 777, is_bot: false, first_name: 'Wati' });
    expect(reply.text).toContain('tidak dapat memeriksa daftar admin');
    expect(reply.text).toContain('CHAT_ADMIN_REQUIRED');
    expect(app!.subscriptions.all()).toHaveLength(0);
  });

  it('tells a group that forbids files that the CSV could not be sent, and where to download it', async () => {
    await boot('publicUrl: "https://status.example.id"\n');
    portal.setMode('spse-error');
    await cycle(app!);
    telegram.failNext({ method: 'sendDocument', error: { code: 400, description: 'Bad Request: not enough rights to send documents to the chat' } });
    await say('/history gresik');
    const notice = await telegram.waitFor((m) => m.chat_id === GROUP.id && /tidak dapat dikirim/.test(m.text ?? ''));
    expect(notice.text).toContain('not enough rights to send documents');
    expect(notice.text).toContain('https://status.example.id/api/portals/gresikkab/incidents.csv');
  });
});
