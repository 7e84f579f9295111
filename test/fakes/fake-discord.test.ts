import zlib from 'node:zlib';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeDiscord, FAKE_DISCORD_IDS, type FakeDiscord, type FakeDiscordOptions } from './fake-discord.js';

type Handler = (interaction: Interaction) => Promise<void>;

async function startClient(fake: FakeDiscord): Promise<{ client: Client; setHandler: (h: Handler) => void; errors: unknown[] }> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiRoot } });
  let handler: Handler = async () => undefined;
  const errors: unknown[] = [];
  client.on(Events.InteractionCreate, (interaction) => {
    handler(interaction).catch((error: unknown) => errors.push(error));
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login('fake-token');
  await ready;
  return { client, setHandler: (h) => (handler = h), errors };
}

async function withFake<T>(options: FakeDiscordOptions, body: (fake: FakeDiscord, client: Client) => Promise<T>): Promise<T> {
  const fake = await createFakeDiscord(options);
  const { client } = await startClient(fake);
  try {
    return await body(fake, client);
  } finally {
    await client.destroy();
    await fake.close();
  }
}

describe('fake Discord with the real discord.js Client', () => {
  let fake: FakeDiscord;
  let client: Client;
  let setHandler: (h: Handler) => void;
  let errors: unknown[];

  beforeAll(async () => {
    fake = await createFakeDiscord();
    ({ client, setHandler, errors } = await startClient(fake));
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it('logs in, becomes ready and caches the guild, channels and thread', () => {
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(FAKE_DISCORD_IDS.bot);
    expect(client.user?.username).toBe('pantau-lpse');
    expect(client.user?.bot).toBe(true);
    expect(client.application?.id).toBe(FAKE_DISCORD_IDS.application);

    const guild = client.guilds.cache.get(FAKE_DISCORD_IDS.guild);
    expect(guild?.available).toBe(true);
    expect(guild?.name).toBe('Pemantau LPSE Jawa Barat');
    expect(guild?.roles.everyone.id).toBe(FAKE_DISCORD_IDS.guild);
    const channel = client.channels.cache.get(FAKE_DISCORD_IDS.channel);
    expect(channel?.type).toBe(ChannelType.GuildText);
    expect((channel as TextChannel).name).toBe('lpse-alerts');
    expect(client.channels.cache.get(FAKE_DISCORD_IDS.thread)?.isThread()).toBe(true);

    // The bot's own member and channel permissions are computable.
    const me = guild?.members.me;
    expect(me).toBeTruthy();
    expect((channel as TextChannel).permissionsFor(me!)?.has(PermissionFlagsBits.SendMessages)).toBe(true);

    expect(fake.gateway.identifies).toBe(1);
    expect(fake.gateway.connectUrls[0]).toBe('/?v=10&encoding=json');
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/gateway/bot' && r.authorization === 'Bot fake-token')).toBe(true);
  });

  it('delivers a slash command as a ChatInputCommandInteraction and records the ephemeral reply', async () => {
    const seen: Array<Record<string, unknown>> = [];
    setHandler(async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      seen.push({
        name: interaction.commandName,
        portal: interaction.options.getString('portal'),
        canManage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels),
        guildId: interaction.guildId,
        channelName: (interaction.channel as TextChannel | null)?.name,
        locale: interaction.locale,
        user: interaction.user.username,
        inGuild: interaction.inCachedGuild(),
      });
      await interaction.reply({ content: `Memantau ${interaction.options.getString('portal', true)}`, flags: MessageFlags.Ephemeral });
    });

    const handle = fake.runCommand({
      name: 'pantau',
      options: { portal: 'lpse.jabarprov.go.id' },
      memberPermissions: PermissionFlagsBits.ManageChannels | PermissionFlagsBits.ViewChannel,
    });
    const callback = await handle.response();
    expect(callback).toMatchObject({ type: 4, data: { content: 'Memantau lpse.jabarprov.go.id', flags: 64 } });
    const reply = await handle.reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe('Memantau lpse.jabarprov.go.id');
    expect(seen[0]).toEqual({
      name: 'pantau',
      portal: 'lpse.jabarprov.go.id',
      canManage: true,
      guildId: FAKE_DISCORD_IDS.guild,
      channelName: 'lpse-alerts',
      locale: 'id',
      user: 'budi',
      inGuild: true,
    });

    // Without ManageChannels (default @everyone permissions) the bit is absent.
    const second = fake.runCommand({ name: 'pantau', options: { portal: 'x' } });
    await second.response();
    expect(seen[1]?.['canManage']).toBe(false);
    expect(errors).toEqual([]);
  });

  it('supports deferReply + editReply and followUp', async () => {
    setHandler(async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await new Promise((r) => setTimeout(r, 20));
      const edited = await interaction.editReply({ content: 'Status: 3 portal turun', embeds: [new EmbedBuilder().setTitle('Ringkasan')] });
      expect(edited.content).toBe('Status: 3 portal turun');
      await interaction.followUp({ content: 'Catatan tambahan', flags: MessageFlags.Ephemeral });
    });
    const handle = fake.runCommand({ name: 'status' });
    expect(await handle.response()).toMatchObject({ type: 5, data: { flags: 64 } });
    const reply = await handle.reply();
    expect(reply).toMatchObject({ content: 'Status: 3 portal turun', ephemeral: true });
    expect(reply.embeds[0]).toMatchObject({ title: 'Ringkasan', type: 'rich' });
    const followup = await handle.followup(0);
    expect(followup).toMatchObject({ content: 'Catatan tambahan', ephemeral: true });
    expect(handle.record.originalEdits).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('records autocomplete choices', async () => {
    setHandler(async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const typed = interaction.options.getFocused();
      await interaction.respond([
        { name: `LPSE Jawa Barat (${typed})`, value: 'lpse.jabarprov.go.id' },
        { name: 'LPSE Jakarta', value: 'lpse.jakarta.go.id' },
      ]);
    });
    const choices = await fake.autocomplete({ name: 'pantau', options: { portal: 'jaba' } });
    expect(choices).toEqual([
      { name: 'LPSE Jawa Barat (jaba)', value: 'lpse.jabarprov.go.id' },
      { name: 'LPSE Jakarta', value: 'lpse.jakarta.go.id' },
    ]);
    const record = fake.interactions.at(-1);
    expect(record?.type).toBe(4);
    expect(record?.payload['data']).toMatchObject({ options: [{ name: 'portal', type: 3, value: 'jaba', focused: true }] });
  });

  it('stores commands registered with application.commands.set and routes them by id', async () => {
    const before = fake.commandWrites;
    const registered = await client.application!.commands.set([
      {
        name: 'pantau',
        description: 'Pantau portal LPSE',
        options: [{ name: 'portal', description: 'Domain portal', type: 3, required: true, autocomplete: true }],
      },
      { name: 'status', description: 'Status portal' },
    ]);
    expect(registered.size).toBe(2);
    expect(fake.commandWrites).toBe(before + 1);
    const stored = fake.getCommands();
    expect(stored.map((c) => c['name'])).toEqual(['pantau', 'status']);
    expect(stored[0]).toMatchObject({ application_id: FAKE_DISCORD_IDS.application, type: 1 });

    // Same definitions again keep ids and versions, like Discord.
    const again = await client.application!.commands.set([
      {
        name: 'pantau',
        description: 'Pantau portal LPSE',
        options: [{ name: 'portal', description: 'Domain portal', type: 3, required: true, autocomplete: true }],
      },
      { name: 'status', description: 'Status portal' },
    ]);
    expect([...again.values()].map((c) => c.version)).toEqual([...registered.values()].map((c) => c.version));

    // Guild commands are kept separately.
    await client.application!.commands.set([{ name: 'lokal', description: 'Perintah guild' }], FAKE_DISCORD_IDS.guild);
    expect(fake.getCommands(FAKE_DISCORD_IDS.guild).map((c) => c['name'])).toEqual(['lokal']);

    // Invalid definitions are refused with 50035 like Discord.
    await expect(client.application!.commands.create({ name: 'Bad Name', description: 'x' })).rejects.toMatchObject({ code: 50035 });

    const ids: string[] = [];
    setHandler(async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      ids.push(interaction.commandId);
      await interaction.reply('ok');
    });
    await fake.runCommand({ name: 'pantau', options: { portal: 'lpse.jakarta.go.id' } }).response();
    expect(ids[0]).toBe(registered.find((c) => c.name === 'pantau')?.id);
  });

  it('records channel sends with embeds, via channels.fetch and via REST', async () => {
    const channel = await client.channels.fetch(FAKE_DISCORD_IDS.channel);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const embed = new EmbedBuilder().setTitle('LPSE Jawa Barat turun').setColor(0xe74c3c).addFields({ name: 'Sejak', value: '10:00 WIB' });
    const sent = await channel.send({ embeds: [embed] });
    expect(sent.embeds[0]?.title).toBe('LPSE Jawa Barat turun');
    expect(sent.author.id).toBe(FAKE_DISCORD_IDS.bot);

    const recorded = await fake.waitFor((m) => m.embeds[0]?.['title'] === 'LPSE Jawa Barat turun');
    expect(recorded).toMatchObject({ channelId: FAKE_DISCORD_IDS.channel, guildId: FAKE_DISCORD_IDS.guild, id: sent.id });
    expect(recorded.embeds[0]).toMatchObject({ color: 0xe74c3c, fields: [{ name: 'Sejak', value: '10:00 WIB' }] });

    await client.rest.post(`/channels/${FAKE_DISCORD_IDS.secondChannel}/messages`, { body: { content: 'lewat REST' } });
    expect(fake.messagesIn(FAKE_DISCORD_IDS.secondChannel).map((m) => m.content)).toEqual(['lewat REST']);

    // Forced fetch goes through GET /channels/{id}.
    const fetched = await client.channels.fetch(FAKE_DISCORD_IDS.secondChannel, { force: true });
    expect((fetched as TextChannel).name).toBe('umum');

    // Thread sends work too.
    const thread = await client.channels.fetch(FAKE_DISCORD_IDS.thread);
    if (!thread?.isSendable()) throw new Error('thread not sendable');
    await thread.send('di thread');
    expect(fake.messagesIn(FAKE_DISCORD_IDS.thread)).toHaveLength(1);
  });

  it('lets discord.js wait out and retry a 429', async () => {
    fake.failChannel(FAKE_DISCORD_IDS.channel, { status: 429, retryAfter: 0.2 });
    const channel = client.channels.cache.get(FAKE_DISCORD_IDS.channel) as TextChannel;
    const started = Date.now();
    const sent = await channel.send('setelah rate limit');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(sent.content).toBe('setelah rate limit');
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${FAKE_DISCORD_IDS.channel}/messages`);
    expect(posts.slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });

  it('surfaces injected 10003/50001/50013 as DiscordAPIError', async () => {
    const channel = client.channels.cache.get(FAKE_DISCORD_IDS.secondChannel) as TextChannel;
    fake.failChannel(FAKE_DISCORD_IDS.secondChannel, { status: 404, code: 10003, message: 'Unknown Channel' });
    const error = await channel.send('hilang').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 10003, status: 404, message: 'Unknown Channel' });
    // Unlimited by default.
    await expect(channel.send('hilang lagi')).rejects.toMatchObject({ code: 10003 });

    fake.failChannel(FAKE_DISCORD_IDS.secondChannel, { status: 403, code: 50013, message: 'Missing Permissions', times: 1 });
    await expect(channel.send('x')).rejects.toMatchObject({ code: 50013, status: 403 });
    await expect(channel.send('pulih')).resolves.toMatchObject({ content: 'pulih' });

    // Unknown channels are 10003 without injection.
    await expect(client.rest.post('/channels/999/messages', { body: { content: 'x' } })).rejects.toMatchObject({ code: 10003 });
    // Empty messages are refused like Discord does.
    await expect(channel.send({ content: '' })).rejects.toMatchObject({ code: 50006 });
  });

  it('answers interactions that come too late with 10062 and double acks with 40060', async () => {
    const late = await createFakeDiscord({ interactionDeadlineMs: 250 });
    const started = await startClient(late);
    try {
      const results: unknown[] = [];
      started.setHandler(async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        if (interaction.commandName === 'lambat') {
          await new Promise((r) => setTimeout(r, 350));
          results.push(await interaction.reply('terlambat').catch((e: unknown) => e));
        } else {
          await interaction.reply('pertama');
          results.push(
            await started.client.rest
              .post(`/interactions/${interaction.id}/${interaction.token}/callback`, { body: { type: 4, data: { content: 'kedua' } }, auth: false })
              .catch((e: unknown) => e),
          );
        }
      });
      const slow = late.runCommand({ name: 'lambat' });
      await late.waitUntil(() => slow.record.rejected[0]);
      await late.waitUntil(() => results.length === 1);
      expect(results[0]).toMatchObject({ code: 10062 });

      const twice = late.runCommand({ name: 'cepat' });
      await late.waitUntil(() => twice.record.rejected[0]);
      await late.waitUntil(() => results.length === 2);
      expect(results[1]).toMatchObject({ code: 40060 });
      expect((await twice.reply()).content).toBe('pertama');
    } finally {
      await started.client.destroy();
      await late.close();
    }
  });

  it('dispatches GUILD_DELETE and then refuses the guild channels with 50001', async () => {
    await withFake({}, async (f, c) => {
      const deleted = new Promise<string>((resolve) => c.once(Events.GuildDelete, (g) => resolve(g.id)));
      f.removeGuild(FAKE_DISCORD_IDS.guild);
      expect(await deleted).toBe(FAKE_DISCORD_IDS.guild);
      expect(c.guilds.cache.has(FAKE_DISCORD_IDS.guild)).toBe(false);
      await expect(c.rest.post(`/channels/${FAKE_DISCORD_IDS.channel}/messages`, { body: { content: 'x' } })).rejects.toMatchObject({
        code: 50001,
        status: 403,
      });

      const created = new Promise<string>((resolve) => c.once(Events.GuildCreate, (g) => resolve(g.name)));
      const newGuild = f.addGuild({ name: 'Guild Baru', channels: [{ name: 'alerts' }] });
      expect(await created).toBe('Guild Baru');
      expect(c.guilds.cache.get(newGuild)?.channels.cache.size).toBe(1);

      const channelDeleted = new Promise<string>((resolve) => c.once(Events.ChannelDelete, (ch) => resolve(ch.id)));
      const extra = f.addChannel(newGuild, { name: 'sementara' });
      await f.waitUntil(() => c.channels.cache.has(extra));
      f.deleteChannel(extra);
      expect(await channelDeleted).toBe(extra);
      await expect(c.rest.post(`/channels/${extra}/messages`, { body: { content: 'x' } })).rejects.toMatchObject({ code: 10003 });
    });
  });

  it('survives a gateway disconnect by resuming at resume_gateway_url', async () => {
    await withFake({}, async (f, c) => {
      const resumed = new Promise<void>((resolve) => c.once(Events.ShardResume, () => resolve()));
      f.disconnectAll(4000);
      await resumed;
      expect(f.gateway.resumes).toBe(1);
      expect(f.gateway.identifies).toBe(1);
      const names: string[] = [];
      c.on(Events.InteractionCreate, (i) => {
        if (i.isChatInputCommand()) {
          names.push(i.commandName);
          void i.reply('masih hidup');
        }
      });
      expect((await f.runCommand({ name: 'ping' }).reply()).content).toBe('masih hidup');
      expect(names).toEqual(['ping']);
    });
  });

  it('resolves channel options and runs in DMs', async () => {
    const got: unknown[] = [];
    setHandler(async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      if (interaction.guildId) {
        got.push(interaction.options.getChannel('kanal')?.id, interaction.options.getSubcommand());
      } else {
        got.push('dm', interaction.user.id, interaction.memberPermissions);
      }
      await interaction.reply('ok');
    });
    await fake.runCommand({ name: 'langganan', subcommand: 'tambah', options: [{ name: 'kanal', type: 7, value: FAKE_DISCORD_IDS.secondChannel }] }).response();
    await fake.runCommand({ name: 'status', guildId: null }).response();
    expect(got).toEqual([FAKE_DISCORD_IDS.secondChannel, 'tambah', 'dm', FAKE_DISCORD_IDS.user, null]);
  });

  it('answers heartbeats and can speak zlib-stream to raw gateway clients', async () => {
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    ws.binaryType = 'nodebuffer';
    const received: Buffer[] = [];
    const packets: Array<Record<string, unknown>> = [];
    let textSoFar = 0;
    ws.on('message', (data: Buffer) => {
      received.push(data);
      const all = zlib.inflateSync(Buffer.concat(received), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
      packets.push(JSON.parse(all.slice(textSoFar)) as Record<string, unknown>);
      textSoFar = all.length;
    });
    await fake.waitUntil(() => packets.length >= 1);
    expect(packets[0]).toMatchObject({ op: 10, d: { heartbeat_interval: 41250 } });
    ws.send(JSON.stringify({ op: 1, d: null }));
    await fake.waitUntil(() => packets.length >= 2);
    expect(packets[1]).toMatchObject({ op: 11 });
    ws.send(JSON.stringify({ op: 2, d: { token: 'fake-token', intents: 1, properties: {} } }));
    await fake.waitUntil(() => packets.some((p) => p['t'] === 'GUILD_CREATE'));
    expect(packets.find((p) => p['t'] === 'READY')).toMatchObject({ s: 1, d: { v: 10, session_id: expect.any(String) as unknown } });
    ws.close(1000);
    await fake.waitUntil(() => ws.readyState === WebSocket.CLOSED);
  });
});

describe('shutdown', () => {
  it('client.destroy() and fake.close() end promptly', async () => {
    const fake = await createFakeDiscord();
    const { client } = await startClient(fake);
    const started = Date.now();
    await client.destroy();
    await fake.waitUntil(() => fake.gateway.connections === 0);
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('close() stops a client that was not destroyed from reconnecting', async () => {
    const fake = await createFakeDiscord();
    const { client } = await startClient(fake);
    const disconnected = new Promise<number>((resolve) => client.once(Events.ShardDisconnect, (event) => resolve(event.code)));
    await fake.close();
    expect(await disconnected).toBe(4004);
    await client.destroy();
  });
});
