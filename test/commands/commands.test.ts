import { beforeEach, describe, expect, it } from 'vitest';
import { createCatalog, loadBuiltInCatalog } from '../../src/core/catalog/index.js';
import { decodeErrorCode } from '../../src/core/classifier.js';
import { createStatusService } from '../../src/core/status-service.js';
import { initialStatus } from '../../src/core/state-machine.js';
import { openStore } from '../../src/store/open-store.js';
import { createHistoryStore } from '../../src/store/history-store.js';
import { createMaintenanceStore } from '../../src/store/maintenance-store.js';
import { createStateStore } from '../../src/store/state-store.js';
import { createSubscriptionStore } from '../../src/store/subscription-store.js';
import type { ChatRef } from '../../src/core/types.js';
import { plainText } from '../../src/core/reply.js';
import { createDispatcher } from '../../src/platforms/dispatch.js';
import { commands, createRegistry } from '../../commands/registry.js';
import { sparkline } from '../../commands/reply-parts.js';
import type { ChatContext, CommandDeps, Line, Reply } from '../../commands/types.js';
import pino from 'pino';
import type { TenderStore } from '../../src/core/ports.js';
import { createTenderEvidence } from '../../src/core/tenders/evidence.js';
import { createTenderView } from '../../src/core/tenders/view.js';
import { createEvidenceStore } from '../../src/store/evidence-store.js';
import { createTenderStore } from '../../src/store/tender-store.js';

const catalog = createCatalog(loadBuiltInCatalog());
const GROUP: ChatRef = { platform: 'telegram', chatId: '-100200', threadId: null, guildId: null };
const NOW = Date.parse('2026-11-25T08:00:00Z');

/** Visible text of a reply, as a person would read it. */
const plain = (reply: Reply) =>
  [reply.title, ...reply.lines]
    .filter((line): line is Line => line !== undefined)
    .map(plainText)
    .join('\n');

describe('chat commands', () => {
  let deps: CommandDeps;
  let tenderStore: TenderStore;
  let admin: boolean;

  const context = (overrides: Partial<ChatContext> = {}): ChatContext => ({
    chat: GROUP,
    kind: 'group',
    title: 'Asosiasi',
    userId: '501',
    isAdmin: async () => admin,
    isOwner: false,
    ...overrides,
  });
  /** A command line through the pipeline both platforms share: parse, find, authorise, run. */
  const run = (line: string, overrides: Partial<ChatContext> = {}, language: 'id' | 'en' = 'id') => {
    const dispatcher = createDispatcher({ commands: deps, registry: commands, ownerIds: [], logger: pino({ level: 'silent' }) });
    const call = dispatcher.fromLine(line);
    if (!call || 'unknown' in call) throw new Error(`not a command: ${line}`);
    return dispatcher.run(call.definition, call.args, context(overrides), language);
  };

  beforeEach(async () => {
    admin = true;
    const store = await openStore('memory://');
    const states = createStateStore(store.keyv);
    const history = createHistoryStore(store.keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 });
    const subscriptions = createSubscriptionStore(store.keyv, () => NOW);
    await states.setMany([{ ...initialStatus('gresikkab', NOW), state: 'down', cause: 'spse_error', errorCode: '81kep4jo9', errorCodeEstimate: decodeErrorCode('81kep4jo9'), since: new Date(NOW - 2 * 3_600_000 - 13 * 60_000).toISOString() }]);
    const clock = { now: () => NOW };
    tenderStore = createTenderStore(store.keyv);
    const view = createTenderView({ live: () => null, store: tenderStore, now: () => NOW });
    deps = {
      catalog,
      subscriptions,
      status: createStatusService({ watched: () => [...catalog.all()], states, history, clock }),
      history,
      maintenance: createMaintenanceStore(store.keyv),
      clock,
      timezone: 'Asia/Jakarta',
      defaultLanguage: 'id',
      publicUrl: null,
      commands: commands.all,
      limits: { maxPortalsPerChat: 100, maxTotal: 50_000 },
      tenders: { view, evidence: createTenderEvidence({ view, store: createEvidenceStore(store.keyv, { retentionDays: 400 }) }), lookaheadHours: 24 },
      stats: async () => ({ portals: 600 }),
    };
  });

  it('subscribes a group to one portal by its short name', async () => {
    const reply = await run('/subscribe gresik');
    expect(plain(reply)).toContain('Berlangganan: LPSE Kabupaten Gresik');
    expect(deps.subscriptions.get(GROUP)?.portals).toEqual(['gresikkab']);
  });

  it('subscribes to several portals separated by commas', async () => {
    await run('/subscribe gresik, surabaya');
    expect(deps.subscriptions.get(GROUP)?.portals.sort()).toEqual(['gresikkab', 'surabaya']);
  });

  it('asks before subscribing a whole province, then subscribes all of it', async () => {
    const question = await run('/subscribe jatim');
    expect(plain(question)).toMatch(/Langganan semua \d+ portal di Jawa Timur\?/);
    expect(deps.subscriptions.get(GROUP)).toBeUndefined();
    const confirm = question.buttons![0]!.command;
    expect(confirm).toBe('/subscribe jatim --yes');
    expect(question.buttons?.[1]?.command).toBe('/subscribe jatimprov');
    await run(confirm);
    const portals = deps.subscriptions.get(GROUP)!.portals;
    expect(portals.length).toBeGreaterThan(30);
    expect(portals).toEqual(expect.arrayContaining(['surabaya', 'gresikkab', 'jatimprov']));
  });

  it('offers the several Bandungs as buttons instead of guessing', async () => {
    const reply = await run('/subscribe bandung');
    expect(reply.tone).toBe('error');
    expect(reply.buttons?.map((b) => b.command)).toEqual(expect.arrayContaining(['/subscribe bandung', '/subscribe bandungkab', '/subscribe bandungbaratkab']));
    expect(deps.subscriptions.get(GROUP)).toBeUndefined();
  });

  it('says an unknown portal is unknown and suggests the closest names', async () => {
    const reply = await run('/status gersik');
    expect(plain(reply)).toContain('Portal "gersik" tidak ditemukan');
    expect(plain(reply)).toContain('gresikkab');
  });

  it('refuses subscription changes by group members who are not admins, but answers their /status', async () => {
    admin = false;
    expect(plain(await run('/subscribe gresik'))).toContain('Hanya admin');
    expect(plain(await run('/unsubscribe all'))).toContain('Hanya admin');
    expect(plain(await run('/status gresik'))).toContain('Kode Error: 81kep4jo9');
  });

  it('lets anyone manage subscriptions in a private chat', async () => {
    admin = false;
    const reply = await run('/subscribe gresik', { kind: 'private', chat: { ...GROUP, chatId: '501' } });
    expect(reply.tone).toBe('success');
  });

  it('shows status with the cause, the decoded error code, and how long it has lasted in Indonesian', async () => {
    const text = plain(await run('/status gresik'));
    expect(text).toContain('Down');
    expect(text).toContain('aplikasi SPSE menampilkan halaman error');
    expect(text).toContain('Perkiraan aplikasi mulai gagal (dari kode): 25 Mei 2023 15.48 WIB');
    expect(text).toContain('(2 jam 13 menit)');
  });

  it('without a portal and without subscriptions, explains how to subscribe and gives the national count', async () => {
    const text = plain(await run('/status'));
    expect(text).toContain('/subscribe gresik');
    expect(text).toContain('Nasional: 1 dari 600 portal down');
  });

  it('lists subscriptions with down portals first', async () => {
    await run('/subscribe surabaya, gresik');
    const lines = plain(await run('/list')).split('\n');
    expect(lines[1]).toContain('Kabupaten Gresik');
    expect(lines[2]).toContain('Kota Surabaya');
  });

  it('switches the chat to English', async () => {
    await run('/lang en');
    expect(deps.subscriptions.get(GROUP)?.language).toBe('en');
    expect(plain(await run('/status gresik', {}, 'en'))).toContain('Estimated start of the failing instance');
  });

  it('answers malformed input with the usage, never an exception', async () => {
    for (const line of ['/subscribe', '/history', '/lang xx', '/degraded maybe', '/unsubscribe']) {
      const reply = await run(line);
      expect(reply.tone, line).toBe('error');
      expect(plain(reply), line).toMatch(/Cara pakai/);
    }
  });

  it('keeps owner commands for owners', async () => {
    expect(plain(await run('/maintenance gresik 2h'))).toContain('hanya untuk pemilik');
    const declared = await run('/maintenance gresik 2h upgrade', { isOwner: true });
    expect(declared.tone).toBe('success');
    expect(await deps.maintenance.list(NOW)).toEqual([expect.objectContaining({ portalId: 'gresikkab', reason: 'upgrade' })]);
  });

  it('caps what one chat may subscribe to, with a reply that says the limit', async () => {
    deps.limits = { maxPortalsPerChat: 5, maxTotal: 50_000 };
    const reply = await run('/subscribe jatim --yes');
    expect(reply.tone).toBe('error');
    expect(plain(reply)).toContain('paling banyak 5 portal');
    expect(deps.subscriptions.get(GROUP)?.portals ?? []).toEqual([]);
    // Within the limit it still works, and the count includes what the chat already has.
    await run('/subscribe gresik, surabaya, sidoarjo, tuban');
    expect(plain(await run('/subscribe bangkalankab, batukota'))).toContain('sudah berlangganan 4');
    expect(deps.subscriptions.get(GROUP)?.portals).toHaveLength(4);
  });

  it('caps the subscriptions of all chats together', async () => {
    deps.limits = { maxPortalsPerChat: 100, maxTotal: 3 };
    await run('/subscribe gresik, surabaya');
    const other = { ...GROUP, chatId: '-100999' };
    expect(plain(await run('/subscribe tuban, sidoarjo', { chat: other }))).toContain('batas langganan (3');
    expect(deps.subscriptions.get(other)).toBeUndefined();
  });

  it('refuses a 4 KB argument at once, and too many names in one line', async () => {
    const started = performance.now();
    const long = await run(`/subscribe ${'gresik '.repeat(600)}`);
    expect(performance.now() - started).toBeLessThan(200);
    expect(plain(long)).toContain('terlalu panjang');
    const many = await run(`/subscribe ${Array.from({ length: 60 }, (_, i) => `x${i}`).join(',')}`);
    expect(plain(many)).toContain('Terlalu banyak nama sekaligus (60)');
  });

  it('tells a private chat "you", a group "this group", and takes examples from the catalog it runs with', async () => {
    expect(plain(await run('/help', { kind: 'private' }))).toContain('memberi tahu Anda');
    expect(plain(await run('/help'))).toContain('memberi tahu grup ini');
    expect(plain(await run('/help'))).toContain('/subscribe gresik');
    const own = createCatalog([{ id: 'kemenkeu', name: 'LPSE Kementerian Keuangan', url: 'https://lpse.kemenkeu.go.id/eproc4', aliases: [], kind: null, province: null, legacyUrl: null, lkppRepoId: null, instansi: [] }]);
    deps = { ...deps, catalog: own };
    const text = plain(await run('/help'));
    expect(text).toContain('/subscribe kemenkeu');
    expect(text).not.toContain('gresik');
    expect(text).not.toContain('jatim');
  });

  it('draws the latency sparkline from the first hour that has a check, not 23 blanks first', () => {
    expect(sparkline([...Array<null>(23).fill(null), 420])).toBe('▄');
    expect(sparkline([null, 100, null, 800])).toBe('▁ █');
    expect(sparkline(Array<null>(24).fill(null))).toBe('');
  });

  it('refuses a registry with a duplicate name or alias at start-up', () => {
    const [help] = commands.all;
    expect(() => createRegistry([help!, { ...help!, name: 'other', aliases: ['bantuan'] }])).toThrow(/defined twice/);
    expect(() => createRegistry([{ ...help!, name: '' }])).toThrow(/missing or invalid/);
  });
});
