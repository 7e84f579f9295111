import { ButtonStyle, ComponentType, DiscordAPIError, HTTPError, type APIApplicationCommand } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createCatalog, loadBuiltInCatalog } from '../../../src/core/catalog/index.js';
import { DeliveryError } from '../../../src/core/notifier.js';
import type { Alert, Portal, Transition } from '../../../src/core/types.js';
import { portalChoices, sameCommands, slashCommands } from '../../../src/platforms/discord/commands.js';
import { parseCommandLine } from '../../../src/platforms/dispatch.js';
import { alertMessage, escapeMarkdown, renderLine, renderReply, replyButtons } from '../../../src/platforms/discord/format.js';
import { toDeliveryError } from '../../../src/platforms/discord/notifier.js';
import { commands } from '../../../commands/registry.js';

const catalog = createCatalog(loadBuiltInCatalog());

describe('Discord format', () => {
  it('never lets an echoed argument render as a masked link, a heading, a list or a mention', () => {
    const echoed = renderReply({ tone: 'error', lines: [['Portal "', '[Klik untuk verifikasi](https://evil.example/login)', '" tidak ditemukan.'], ['# PENGUMUMAN'], ['- item'], ['1. satu'], ['<@&123> <t:0:R>']] }, 'id');
    const description = echoed.embeds[0]!.description!;
    expect(description).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/);
    expect(description).toContain('\\[Klik untuk verifikasi\\]\\(https://evil.example/login\\)');
    expect(description).toContain('\\# PENGUMUMAN');
    expect(description).toContain('\\- item');
    expect(description).toContain('1\\. satu');
    expect(description).toContain('\\<@&123\\>');
  });

  it('escapes markdown in dynamic text only', () => {
    expect(escapeMarkdown('a*b_c~d|e>f`g\\h')).toBe('a\\*b\\_c\\~d\\|e\\>f\\`g\\\\h');
    expect(renderLine(['LPSE *Kota*_x ', { bold: 'Kab. A_B' }, ' ', { code: 'Kode `x`' }, ' ', { link: 'Buka [portal]', url: 'https://lpse.example.go.id/eproc4 (x)' }])).toBe(
      'LPSE \\*Kota\\*\\_x **Kab. A\\_B** `Kode ˋxˋ` [Buka \\[portal\\]](https://lpse.example.go.id/eproc4%20%28x%29)',
    );
    // A link to something that is not a web address is shown as text.
    expect(renderLine([{ link: 'x', url: 'javascript:alert(1)' }])).toBe('x');
  });

  it('renders a reply as one embed: title link, colour by tone, long lists cut with "…and N more"', () => {
    const lines = Array.from({ length: 400 }, (_, i) => [`🔴 portal nomor ${i} dengan nama yang agak panjang`]);
    const { embeds, files, components } = renderReply({ tone: 'down', title: [{ link: 'LPSE Kota_Bandung', url: 'https://spse.inaproc.id/bandungkota' }], lines }, 'en');
    expect(embeds[0]).toMatchObject({ color: 0xe74c3c, title: 'LPSE Kota\\_Bandung', url: 'https://spse.inaproc.id/bandungkota' });
    expect(embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
    expect(embeds[0]!.description).toMatch(/…and \d+ more$/);
    expect(files).toEqual([]);
    expect(components).toEqual([]);
  });

  it('attaches a reply document as a file, with its caption', () => {
    const { files, content } = renderReply({ lines: [['x']], document: { filename: 'pantau-lpse-gresikkab-incidents.csv', content: 'a,b\n1,2\n', caption: '1 incidents (CSV)' } }, 'en');
    expect(files[0]?.name).toBe('pantau-lpse-gresikkab-incidents.csv');
    expect(String(files[0]?.attachment)).toBe('a,b\n1,2\n');
    expect(content).toBe('1 incidents \\(CSV\\)');
  });

  it('turns reply buttons into buttons whose custom_id is the command line, within Discord limits', () => {
    const rows = replyButtons([
      { label: 'Gresik', command: '/subscribe gresikkab' },
      { label: 'Gresik again', command: '/subscribe gresikkab' },
      { label: 'Too long', command: `/subscribe ${'x'.repeat(100)}` },
      ...Array.from({ length: 30 }, (_, i) => ({ label: `P${i}`, command: `/status p${i}` })),
    ]);
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.components.length <= 5)).toBe(true);
    expect(rows[0]!.components[0]).toEqual({ type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Gresik', custom_id: '/subscribe gresikkab' });
    const ids = rows.flatMap((row) => row.components.map((b) => b.custom_id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.length <= 100)).toBe(true);
  });

  it('parses a button command line', () => {
    expect(parseCommandLine('/subscribe Jawa Timur --yes')).toEqual({ name: 'subscribe', rest: 'Jawa Timur --yes' });
    expect(parseCommandLine('/HELP')).toEqual({ name: 'help', rest: '' });
    expect(parseCommandLine('subscribe x')).toBeNull();
  });

  it('renders a digest as one embed coloured by the worst change', () => {
    const portal = (id: string, name: string): Portal => ({ id, name, url: `https://spse.inaproc.id/${id}`, aliases: [], kind: null, province: null, legacyUrl: null, lkppRepoId: null, instansi: [] });
    const transition = (portalId: string, kind: Transition['kind']): Transition => ({
      id: `${portalId}-${kind}`, portalId, from: kind === 'down' ? 'up' : 'down', to: kind === 'down' ? 'down' : 'up', at: '2024-05-01T03:00:00.000Z', kind,
      cause: kind === 'down' ? 'spse_error' : 'ok', httpStatus: null, errorCode: kind === 'down' ? 'abc123' : null, errorCodeEstimate: null, detail: '',
      outageStartedAt: null, outageDurationMs: kind === 'up' ? 600_000 : null, outageCause: null, outageErrorCode: null,
    });
    const alert: Alert = {
      chat: { platform: 'discord', chatId: '1', threadId: null, guildId: '2' },
      language: 'en',
      timezone: 'Asia/Jakarta',
      publicUrl: null,
      items: [
        { portal: portal('a', 'LPSE Kota *A*'), transition: transition('a', 'up'), uptime: null },
        { portal: portal('b', 'LPSE Kota B'), transition: transition('b', 'down'), uptime: null },
      ],
    };
    const { embeds } = alertMessage(alert);
    expect(embeds).toHaveLength(1);
    expect(embeds[0]).toMatchObject({ color: 0xe74c3c, title: expect.stringContaining('1 portals down, 1 back up') as unknown });
    expect(embeds[0]!.description!.split('\n')[0]).toContain('**Kota B**');
    expect(embeds[0]!.description).toContain('**Kota \\*A\\***');
  });
});

describe('Discord slash commands', () => {
  const desired = slashCommands(commands);

  it('builds every registry command with English descriptions and Indonesian localisations', () => {
    expect(desired.map((c) => c.name)).toEqual(commands.all.map((c) => c.name));
    for (const command of desired) {
      expect(command.description.length).toBeLessThanOrEqual(100);
      expect(command.description_localizations?.id).toBeTruthy();
    }
    expect(desired.find((c) => c.name === 'help')?.contexts).toEqual([0, 1]);
    expect(desired.find((c) => c.name === 'subscribe')?.contexts).toEqual([0]);
  });

  it('counts a registration Discord echoes back with its own defaults as unchanged', () => {
    const echoed = desired.map((command, i) => ({
      ...command,
      id: String(1000 + i),
      application_id: '1',
      version: '1',
      nsfw: false,
      name_localizations: null,
      // Discord leaves out `required: false` and lists choices unchanged.
      options: command.options?.map((o) => {
        const { required, ...rest } = o as typeof o & { required?: boolean };
        return required ? o : rest;
      }),
    })) as unknown as APIApplicationCommand[];
    expect(sameCommands(echoed.reverse(), desired)).toBe(true);
    const changed = echoed.map((c) => (c.name === 'status' ? { ...c, description: 'Old text' } : c));
    expect(sameCommands(changed, desired)).toBe(false);
    expect(sameCommands(echoed.slice(1), desired)).toBe(false);
  });

  it('autocompletes portals by name, slug and province, and the last of several', () => {
    expect(portalChoices(catalog, 'gre', { multiple: false, language: 'id' })[0]).toMatchObject({ value: 'gresikkab' });
    const province = portalChoices(catalog, 'jatim', { multiple: true, language: 'id' });
    expect(province[0]).toEqual({ name: 'Semua 39 portal di Jawa Timur', value: 'Jawa Timur' });
    expect(province.length).toBeLessThanOrEqual(25);
    const second = portalChoices(catalog, 'gresikkab, surab', { multiple: true, language: 'en' });
    expect(second[0]?.value).toMatch(/^gresikkab, surabaya/);
    expect(portalChoices(catalog, '', { multiple: false, language: 'en' })).toHaveLength(25);
  });
});

describe('Discord delivery errors', () => {
  const apiError = (status: number, code: number, message: string, extra: Record<string, unknown> = {}) =>
    new DiscordAPIError({ code, message, ...extra }, code, status, 'POST', 'https://discord.com/api/v10/channels/1/messages', { body: undefined, files: undefined });

  it('maps Discord failures onto what the outbox does', () => {
    expect(toDeliveryError(apiError(404, 10003, 'Unknown Channel')).kind).toBe('gone');
    expect(toDeliveryError(apiError(403, 50001, 'Missing Access')).kind).toBe('gone');
    expect(toDeliveryError(apiError(403, 50013, 'Missing Permissions')).kind).toBe('gone');
    expect(toDeliveryError(apiError(400, 50035, 'Invalid Form Body')).kind).toBe('rejected');
    expect(toDeliveryError(apiError(429, 0, 'You are being rate limited.', { retry_after: 2.5 })).details.retryAfterMs).toBe(2500);
    expect(toDeliveryError(new HTTPError(502, 'Bad Gateway', 'POST', 'x', { body: undefined, files: undefined })).kind).toBe('transient');
    expect(toDeliveryError(new TypeError('fetch failed')).kind).toBe('transient');
    const same = new DeliveryError('gone', 'x');
    expect(toDeliveryError(same)).toBe(same);
  });
});
