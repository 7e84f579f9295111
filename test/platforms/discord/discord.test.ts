import { PermissionFlagsBits } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { ChatRef } from '../../../src/core/types.js';
import type { DiscordPlatform } from '../../../src/platforms/discord/index.js';
import { createFakeDiscord, FAKE_DISCORD_IDS as IDS, type FakeDiscord, type Payload } from '../../fakes/fake-discord.js';
import { createFakePortal, type FakePortal } from '../../fakes/fake-portal.js';
import { byHand } from '../../helpers/app.js';

const MANAGER = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageChannels;
const RED = 0xe74c3c;
const GREEN = 0x2ecc71;

const chat = (chatId: string = IDS.channel): ChatRef => ({ platform: 'discord', chatId, threadId: null, guildId: IDS.guild });
const fields = (embed: Payload | undefined) => (embed?.['fields'] ?? []) as Array<{ name: string; value: string }>;
const field = (embed: Payload | undefined, name: string) => fields(embed).find((f) => f.name === name)?.value;

// One story, in order: the bot starts (twice), a channel subscribes, Gresik goes down and comes back,
// sends fail in the ways Discord fails them, and finally the bot is removed from the server.
describe('Discord bot end to end (discord.js against the fake Discord)', () => {
  let discord: FakeDiscord;
  let portal: FakePortal;
  let app: App;

  const yaml = () => `
portals:
  - { id: gresikkab, name: LPSE Kabupaten Gresik, url: "${portal.url}", aliases: [gresik] }
check: { failuresToDown: 2, successesToUp: 1, timeoutSeconds: 2, maxRequestsPerSecondPerHost: 100, referenceUrls: [] }
`;
  async function boot(): Promise<App> {
    const config = loadConfig(yaml(), { STORE_URL: 'memory://', HTTP_PORT: '0', DISCORD_TOKEN: 'fake-token', DISCORD_API_ROOT: discord.apiRoot });
    const started = await createApp(config, { ticker: byHand(), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
    await started.start();
    await (started.platforms[0] as DiscordPlatform).whenReady();
    return started;
  }
  async function cycle() {
    await app.monitor.runCycle({ all: true });
    await app.outbox.idle();
  }
  const alertsIn = (channelId: string) => discord.messagesIn(channelId).filter((m) => (m.embeds[0]?.['footer'] as Payload | undefined)?.['text'] === 'Pantau LPSE');
  const subscribeAsManager = (channelId: string = IDS.channel) =>
    discord.runCommand({ name: 'subscribe', channelId, options: { portal: 'gresik' }, memberPermissions: MANAGER }).reply();

  beforeAll(async () => {
    discord = await createFakeDiscord();
    portal = await createFakePortal({ mode: 'healthy' });
    app = await boot();
  });
  afterAll(async () => {
    await app?.stop();
    await discord?.close();
    await portal?.close();
  });

  it('registers the slash commands from the registry once, and not again on a restart', async () => {
    expect(discord.commandWrites).toBe(1);
    const registered = discord.getCommands();
    const byName = new Map(registered.map((c) => [c['name'], c]));
    for (const name of ['subscribe', 'unsubscribe', 'status', 'history', 'list', 'portals', 'lang', 'help', 'degraded']) expect(byName.has(name)).toBe(true);
    const subscribe = byName.get('subscribe')!;
    expect(subscribe).toMatchObject({
      description: 'Get alerts for LPSE portals',
      description_localizations: { id: 'Langganan peringatan portal LPSE' },
      default_member_permissions: String(PermissionFlagsBits.ManageChannels),
      options: [{ name: 'portal', type: 3, required: true, autocomplete: true, description_localizations: { id: 'Portal, beberapa portal, atau provinsi' } }],
    });
    expect(byName.get('status')).toMatchObject({ default_member_permissions: null, options: [{ name: 'portal', autocomplete: true, required: false }] });
    expect(byName.get('lang')).toMatchObject({ options: [{ name: 'language', choices: [{ name: 'id', value: 'id' }, { name: 'en', value: 'en' }] }] });
    expect(byName.get('stats')).toMatchObject({ default_member_permissions: '0' });
    expect(discord.gateway.lastIdentify?.['intents']).toBe(1); // Guilds only

    await app.stop();
    app = await boot();
    expect(discord.commandWrites).toBe(1);
    expect(discord.requests.filter((r) => r.method === 'GET' && r.path === `/applications/${IDS.application}/commands`)).toHaveLength(2);
  });

  it('autocompletes a portal option from the catalog', async () => {
    const choices = await discord.autocomplete({ name: 'subscribe', options: { portal: 'gre' } });
    expect(choices[0]).toMatchObject({ value: 'gresikkab', name: expect.stringContaining('LPSE Kabupaten Gresik') as unknown });
    expect(await discord.autocomplete({ name: 'status', options: { portal: 'gresik' } })).toEqual([expect.objectContaining({ value: 'gresikkab' })]);
  });

  it('refuses /subscribe from a member without Manage Channels, only to them', async () => {
    const reply = await discord.runCommand({ name: 'subscribe', options: { portal: 'gresik' } }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.embeds[0]?.['description']).toContain('Hanya admin');
    expect(app.subscriptions.get(chat())).toBeUndefined();
  });

  it('refuses /subscribe in a direct message politely', async () => {
    const reply = await discord.runCommand({ name: 'subscribe', guildId: null, options: { portal: 'gresik' } }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.embeds[0]?.['description']).toContain('kanal server');
    expect(app.subscriptions.all()).toHaveLength(0);
  });

  it('subscribes the channel for a member with Manage Channels', async () => {
    const reply = await subscribeAsManager();
    expect(reply.ephemeral).toBe(false);
    expect(reply.embeds[0]?.['description']).toContain('Berlangganan');
    expect(app.subscriptions.get(chat())).toMatchObject({ portals: ['gresikkab'], chat: { guildId: IDS.guild } });
  });

  it('announces one red embed with the error code when the portal goes down', async () => {
    await cycle(); // the first result is recorded silently
    portal.setMode({ kind: 'spse-error', code: '81kep4jo9' });
    await cycle();
    expect(alertsIn(IDS.channel)).toHaveLength(0); // one failure is not an outage yet
    await cycle();
    const alerts = alertsIn(IDS.channel);
    expect(alerts).toHaveLength(1);
    const embed = alerts[0]!.embeds[0];
    expect(embed).toMatchObject({ color: RED, title: expect.stringContaining('LPSE Kabupaten Gresik DOWN') as unknown, url: portal.url });
    expect(field(embed, 'Kode Error')).toContain('81kep4jo9');
    expect(field(embed, 'Penyebab')).toContain('SPSE');
    expect(field(embed, 'Sejak')).toBeTruthy();
    expect(field(embed, 'Tautan')).toContain(portal.url);
    expect(alerts[0]!.body['allowed_mentions']).toEqual({ parse: [] });
  });

  it('answers /status of an unknown portal politely, to the asker only', async () => {
    const reply = await discord.runCommand({ name: 'status', options: { portal: 'atlantis' } }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.embeds[0]?.['description']).toContain('Portal "atlantis" tidak ditemukan');
  });

  it('defers /status when the answer takes a while, then edits the reply', async () => {
    const detail = app.status.detail.bind(app.status);
    app.status.detail = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 1300));
      return detail(...args);
    };
    try {
      const handle = discord.runCommand({ name: 'status', options: { portal: 'gresikkab' } });
      expect(await handle.response()).toMatchObject({ type: 5 });
      const reply = await handle.reply(3000);
      expect(reply.embeds[0]).toMatchObject({ title: 'LPSE Kabupaten Gresik', url: portal.url, color: RED });
      expect(reply.embeds[0]?.['description']).toContain('81kep4jo9');
      expect(handle.record.rejected).toEqual([]);
    } finally {
      app.status.detail = detail;
    }
  });

  it('announces one green embed with the outage duration when the portal recovers', async () => {
    portal.setMode('healthy');
    await cycle();
    const alerts = alertsIn(IDS.channel);
    expect(alerts).toHaveLength(2);
    const embed = alerts[1]!.embeds[0];
    expect(embed).toMatchObject({ color: GREEN, title: expect.stringContaining('LPSE Kabupaten Gresik pulih') as unknown });
    expect(field(embed, 'Durasi')).toMatch(/menit/);
    expect(field(embed, 'Kode Error')).toContain('81kep4jo9');
    expect(field(embed, 'Uptime')).toMatch(/%/);
  });

  it('attaches the incident history to /history as a CSV file', async () => {
    const handle = discord.runCommand({ name: 'history', options: { portal: 'gresikkab' } });
    const reply = await handle.reply();
    expect(reply.embeds[0]?.['title']).toContain('Riwayat gangguan LPSE Kabupaten Gresik');
    const callback = discord.requests.find((r) => r.path.startsWith(`/interactions/${handle.id}/`));
    expect(callback?.body).toMatchObject({
      _files: ['files[0]'],
      data: { attachments: [expect.objectContaining({ id: '0', description: expect.stringContaining('CSV') as unknown })] },
    });
  });

  it('waits out a 429 without losing the alert, and unsubscribes a channel Discord no longer knows (10003)', async () => {
    await subscribeAsManager(IDS.thread);
    expect(app.subscriptions.get(chat(IDS.thread))?.portals).toEqual(['gresikkab']);
    discord.failChannel(IDS.channel, { status: 429, retryAfter: 0.3 });
    discord.failChannel(IDS.thread, { status: 404, code: 10003, message: 'Unknown Channel' });

    portal.setMode({ kind: 'spse-error', code: '81kep4jo9' });
    await cycle();
    await cycle();
    const alerts = alertsIn(IDS.channel);
    expect(alerts).toHaveLength(3);
    expect(alerts[2]!.embeds[0]).toMatchObject({ color: RED });
    const sends = discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${IDS.channel}/messages`);
    expect(sends.slice(-2).map((r) => r.status)).toEqual([429, 200]);
    expect(sends.at(-1)!.at - sends.at(-2)!.at).toBeGreaterThanOrEqual(250);

    expect(app.subscriptions.get(chat(IDS.thread))).toBeUndefined();
    expect(app.subscriptions.get(chat())?.portals).toEqual(['gresikkab']);
  });

  it('drops the subscriptions of a deleted channel (CHANNEL_DELETE)', async () => {
    const channelId = discord.addChannel(IDS.guild, { name: 'sementara' });
    await subscribeAsManager(channelId);
    expect(app.subscriptions.get(chat(channelId))?.portals).toEqual(['gresikkab']);
    discord.deleteChannel(channelId);
    await discord.waitUntil(() => app.subscriptions.get(chat(channelId)) === undefined, 2000, 'subscription removed');
  });

  it('drops every subscription of a server that removed the bot (GUILD_DELETE)', async () => {
    await subscribeAsManager(IDS.secondChannel);
    expect(app.subscriptions.all().filter((r) => r.chat.guildId === IDS.guild)).toHaveLength(2);
    discord.removeGuild(IDS.guild);
    await discord.waitUntil(() => app.subscriptions.all().length === 0, 2000, 'subscriptions removed');
  });
});
