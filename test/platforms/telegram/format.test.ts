import { describe, expect, it } from 'vitest';
import { alertReply, rememberRenderings } from '../../../src/core/alert-text.js';
import { buildAlertBatch } from '../../../src/core/alert-batch.js';
import { decodeErrorCode } from '../../../src/core/classifier.js';
import type { Alert, AlertItem, ChatRecord, PendingTransition, Portal, Transition } from '../../../src/core/types.js';
import { escapeHtml, renderReply, TELEGRAM_MAX_TEXT } from '../../../src/platforms/telegram/format.js';
import { checkTelegramHtml } from '../../fakes/fake-bot-api.js';

const portal = (id: string, name = `LPSE Kabupaten ${id}`): Portal => ({
  id,
  name,
  url: `https://spse.inaproc.id/${id}`,
  aliases: [],
  kind: 'kabupaten',
  province: 'Jawa Timur',
  legacyUrl: null,
  lkppRepoId: null,
  instansi: [],
});

const transition = (portalId: string, kind: Transition['kind'], extra: Partial<Transition> = {}): PendingTransition => ({
  id: `${portalId}:1`,
  portalId,
  from: kind === 'up' ? 'down' : 'up',
  to: kind === 'up' ? 'up' : kind === 'degraded' ? 'degraded' : 'down',
  at: '2023-05-26T09:00:00.000Z',
  kind,
  cause: kind === 'up' ? 'ok' : 'spse_error',
  httpStatus: 500,
  errorCode: kind === 'down' ? '81kep4jo9' : null,
  errorCodeEstimate: kind === 'down' ? decodeErrorCode('81kep4jo9') : null,
  detail: '',
  outageStartedAt: kind === 'up' ? '2023-05-26T06:47:00.000Z' : null,
  outageDurationMs: kind === 'up' ? (2 * 60 + 13) * 60_000 : null,
  outageCause: kind === 'up' ? 'spse_error' : null,
  outageErrorCode: kind === 'up' ? '81kep4jo9' : null,
  cycleId: 'c1',
  ...extra,
});

const alert = (items: AlertItem[], language: 'id' | 'en' = 'id'): Alert => ({
  chat: { platform: 'telegram', chatId: '-1', threadId: null, guildId: null },
  language,
  timezone: 'Asia/Jakarta',
  publicUrl: null,
  items,
});

describe('Telegram alert text', () => {
  it('names the portal, the cause in plain words, the Kode Error and its decoded time', () => {
    const { text } = renderReply(alertReply(alert([{ portal: portal('gresikkab', 'LPSE Kabupaten Gresik'), transition: transition('gresikkab', 'down'), uptime: null }])), 'id');
    expect(text).toContain('<b>LPSE Kabupaten Gresik</b> DOWN');
    expect(text).toContain('aplikasi SPSE menampilkan halaman error');
    expect(text).toContain('<b>Kode Error</b>: <code>81kep4jo9</code> — perkiraan aplikasi mulai gagal: 25 Mei 2023 15.48 WIB');
    expect(checkTelegramHtml(text).ok).toBe(true);
  });

  it('tells how long the outage lasted when the portal is back', () => {
    const { text } = renderReply(alertReply(alert([{ portal: portal('gresikkab'), transition: transition('gresikkab', 'up'), uptime: null }], 'en')), 'en');
    expect(text).toContain('is back UP');
    expect(text).toContain('<b>Duration</b>: <b>2 h 13 min</b>');
    expect(text).toContain('<b>Since</b>: 26 May 2023 13:47 WIB');
  });

  it('says honestly when nobody checked before the recovery: the duration becomes a range', () => {
    // Down from 06:47, last seen down 07:17, seen up at 09:00 (no lease holder in between).
    const up = transition('gresikkab', 'up', { outageLastFailedAt: '2023-05-26T07:17:00.000Z' });
    const { text } = renderReply(alertReply(alert([{ portal: portal('gresikkab'), transition: up, uptime: null }])), 'id');
    expect(text).toContain('<b>Tidak teramati</b>: 1 jam 43 menit sebelum terlihat pulih (tanpa pemeriksaan); gangguan berlangsung antara 30 menit dan 2 jam 13 menit');
    // Checked all along: no such line.
    const watched = transition('gresikkab', 'up', { outageLastFailedAt: '2023-05-26T08:59:00.000Z' });
    expect(renderReply(alertReply(alert([{ portal: portal('gresikkab'), transition: watched, uptime: null }])), 'id').text).not.toContain('Tidak teramati');
  });

  it('escapes every dynamic string so Telegram accepts the message', () => {
    expect(escapeHtml('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
    const nasty = portal('x', 'LPSE <b>Kota</b> & "Co" </code>');
    const { text } = renderReply(alertReply(alert([{ portal: nasty, transition: transition('x', 'down'), uptime: null }])), 'id');
    expect(text).toContain('LPSE &lt;b&gt;Kota&lt;/b&gt; &amp; "Co" &lt;/code&gt;');
    expect(checkTelegramHtml(text).ok).toBe(true);
  });

  it('cuts a national digest at 4,096 characters and says how many more there are', () => {
    const items = Array.from({ length: 600 }, (_, i) => ({ portal: portal(`p${i}`), transition: transition(`p${i}`, 'down', { id: `p${i}:1` }), uptime: null }));
    const { text } = renderReply(alertReply(alert(items)), 'id');
    const check = checkTelegramHtml(text);
    expect(check.ok).toBe(true);
    const plain = check.ok ? check.plain : '';
    expect(plain.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(plain).toContain('600 portal down');
    const more = Number(/…dan (\d+) lainnya/.exec(plain)?.[1]);
    const shown = plain.split('\n').filter((line) => line.startsWith('🔴')).length;
    expect(shown + more).toBe(600);
  });
});

describe('one message per chat per cycle', () => {
  const chat = (id: string, portals: string[], notifyDegraded = false): ChatRecord => ({
    chat: { platform: 'telegram', chatId: id, threadId: null, guildId: null },
    title: null,
    portals,
    language: null,
    notifyDegraded,
    createdAt: '',
    updatedAt: '',
  });

  it('gives each chat one message however many of its portals changed, and degraded only to chats that asked', () => {
    const transitions = Array.from({ length: 600 }, (_, i) => transition(`p${i}`, 'down', { id: `p${i}:1` }));
    transitions.push(transition('slow', 'degraded', { id: 'slow:1' }), transition('quiet', 'silent', { id: 'quiet:1' }));
    const chats = Array.from({ length: 100 }, (_, c) => chat(`${c}`, Array.from({ length: 20 }, (_, k) => `p${(c * 7 + k) % 600}`)));
    chats.push(chat('opt-in', ['slow', 'quiet'], true), chat('opt-out', ['slow', 'quiet']));
    const batch = buildAlertBatch('c1', transitions, (id) => chats.filter((c) => c.portals.includes(id)), 0);
    expect(batch.messages).toHaveLength(101);
    expect(batch.messages.filter((m) => m.chat.chatId !== 'opt-in').every((m) => m.transitionIds.length === 20)).toBe(true);
    expect(batch.messages.find((m) => m.chat.chatId === 'opt-in')?.transitionIds).toEqual(['slow:1']);
    expect(new Set(batch.messages.map((m) => m.key)).size).toBe(101);
  });
});

describe('alert renderings shared within a batch', () => {
  it('renders an alert once for all the chats of a batch that get the same one, and again for anything else', () => {
    let renders = 0;
    const render = rememberRenderings((a) => {
      renders++;
      return renderReply(alertReply(a), a.language).text;
    });
    // One batch: its transitions are the same objects for every chat.
    const gresik = { portal: portal('gresikkab'), transition: transition('gresikkab', 'down'), uptime: null };
    const tuban = { portal: portal('tuban'), transition: transition('tuban', 'down', { id: 'tuban:1' }), uptime: null };
    const texts = Array.from({ length: 1000 }, () => render(alert([gresik])));
    expect(renders).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toBe(renderReply(alertReply(alert([gresik])), 'id').text);

    // Another language, another set of portals: each drawn once, and each its own text.
    const english = render(alert([gresik], 'en'));
    const both = render(alert([gresik, tuban]));
    render(alert([gresik], 'en'));
    render(alert([gresik, tuban]));
    expect(renders).toBe(3);
    expect(english).toContain('Open portal');
    expect(both).toContain('tuban');

    // The next batch brings new transition objects: never the previous batch's text.
    const recovered = render(alert([{ portal: gresik.portal, transition: transition('gresikkab', 'up'), uptime: null }]));
    expect(renders).toBe(4);
    expect(recovered).not.toBe(texts[0]);
  });
});
