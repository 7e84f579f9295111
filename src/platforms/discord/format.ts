import {
  AttachmentBuilder,
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
} from 'discord.js';
import { alertReply } from '../../core/alert-text.js';
import type { Inline, Line, Reply } from '../../core/reply.js';
import type { Alert, Language } from '../../core/types.js';

/** Discord's limits that a rendered message has to respect. */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  content: 2000,
  customId: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
} as const;

/** Embed colours: red for down, green for up, amber for degraded. */
export const TONE_COLORS: Record<NonNullable<Reply['tone']>, number> = {
  info: 0x5865f2,
  success: 0x2ecc71,
  error: 0xe74c3c,
  down: 0xe74c3c,
  up: 0x2ecc71,
  degraded: 0xffbf00,
};

/**
 * Escapes dynamic text for Discord markdown: the only place where that happens. Discord accepts a
 * backslash before any punctuation, so escaping a character that would not have been markup is
 * harmless. Besides emphasis and code, this covers masked links (`[text](url)`: an echoed argument
 * must never render as a clickable link that hides its target), headings, list and quote markers
 * (`#`, `-`, `>`, `1.` at a line start), and `<…>` (mentions, channels, timestamps).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~|>`[\]()#<-]/g, '\\$&').replace(/^(\s*\d+)\./gm, '$1\\.');
}

// A code span cannot contain its own delimiter and backslashes are literal inside it: a backtick
// in dynamic text becomes a look-alike instead.
const codeSpan = (text: string) => `\`${text.replace(/`/g, 'ˋ') || ' '}\``;
const linkTarget = (url: string) => url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

function renderInline(part: Inline): string {
  if (typeof part === 'string') return escapeMarkdown(part);
  if ('bold' in part) return part.bold ? `**${escapeMarkdown(part.bold)}**` : '';
  if ('italic' in part) return part.italic ? `*${escapeMarkdown(part.italic)}*` : '';
  if ('code' in part) return codeSpan(part.code);
  // Discord shows `<t:…:R>` as "3 hours ago" in the reader's own clock and language.
  if ('time' in part) return `${escapeMarkdown(part.time)} (<t:${Math.floor(part.at / 1000)}:R>)`;
  const text = escapeMarkdown(part.link);
  return /^https?:\/\//.test(part.url) ? `[${text}](${linkTarget(part.url)})` : text;
}

export const renderLine = (line: Line) => line.map(renderInline).join('');

/** A title line: embed titles are bold already and cannot hold links, so only code stays markup. */
const titleLine = (line: Line) =>
  line
    .map((part) =>
      typeof part === 'string'
        ? escapeMarkdown(part)
        : 'bold' in part
          ? escapeMarkdown(part.bold)
          : 'italic' in part
            ? escapeMarkdown(part.italic)
            : 'code' in part
              ? codeSpan(part.code)
              : 'time' in part
                ? escapeMarkdown(part.time)
                : escapeMarkdown(part.link),
    )
    .join('');

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const more = (language: Language, count: number) => (language === 'id' ? `…dan ${count} lainnya` : `…and ${count} more`);

/** Joins lines up to `max` characters; the lines that do not fit become "…and N more". */
function joinLines(lines: string[], max: number, language: Language): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  const kept: string[] = [];
  let used = 0;
  const reserve = 40;
  for (const line of lines) {
    if (used + line.length + 1 > max - reserve) break;
    kept.push(line);
    used += line.length + 1;
  }
  kept.push(escapeMarkdown(more(language, lines.length - kept.length)));
  return kept.join('\n');
}

function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

/** A Reply's title: a lone link becomes the embed's title link, anything else is rendered text. */
function titleOf(title: Line): Pick<APIEmbed, 'title' | 'url'> {
  const [only] = title;
  if (title.length === 1 && only && typeof only !== 'string' && 'link' in only && /^https?:\/\//.test(only.url)) {
    return { title: clip(escapeMarkdown(only.link), DISCORD_LIMITS.title), url: only.url };
  }
  return { title: clip(titleLine(title), DISCORD_LIMITS.title) };
}

/** Renders a neutral Reply as one embed, within Discord's size limits. */
export function replyEmbed(reply: Reply, language: Language): APIEmbed {
  const embed: APIEmbed = { color: TONE_COLORS[reply.tone ?? 'info'] };
  if (reply.title?.length) Object.assign(embed, titleOf(reply.title));
  if (reply.url && /^https?:\/\//.test(reply.url)) embed.url = reply.url;
  if (reply.timestamp) embed.timestamp = new Date(Date.parse(reply.timestamp)).toISOString();
  const fields: APIEmbedField[] = (reply.fields ?? []).slice(0, DISCORD_LIMITS.fields).map((field) => ({
    name: clip(escapeMarkdown(field.name), DISCORD_LIMITS.fieldName) || '\u200b',
    value: clip(renderLine(field.value), DISCORD_LIMITS.fieldValue) || '\u200b',
    ...(field.inline ? { inline: true } : {}),
  }));
  if (fields.length) embed.fields = fields;
  const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedTotal - embedSize(embed));
  const description = joinLines(reply.lines.map(renderLine), room, language);
  if (description) embed.description = description;
  return embed;
}

/** What the adapter sends for a Reply: fits interaction replies, edits and follow-ups. */
export interface DiscordReplyMessage {
  content?: string;
  embeds: APIEmbed[];
  components: Array<APIActionRowComponent<APIButtonComponentWithCustomId>>;
  files: AttachmentBuilder[];
}

/**
 * Reply buttons as Discord buttons whose custom_id is the command line they run (`/subscribe
 * gresikkab`). Longer lines than custom_id allows, and repeats (Discord refuses duplicate ids in
 * one message), are left out.
 */
export function replyButtons(buttons: Reply['buttons']): Array<APIActionRowComponent<APIButtonComponentWithCustomId>> {
  const seen = new Set<string>();
  const usable = (buttons ?? []).filter((button) => {
    if (button.command.length > DISCORD_LIMITS.customId || seen.has(button.command)) return false;
    seen.add(button.command);
    return true;
  });
  const rows: Array<APIActionRowComponent<APIButtonComponentWithCustomId>> = [];
  const max = DISCORD_LIMITS.buttonsPerRow * DISCORD_LIMITS.rows;
  usable.slice(0, max).forEach((button, index) => {
    if (index % DISCORD_LIMITS.buttonsPerRow === 0) rows.push({ type: ComponentType.ActionRow, components: [] });
    rows.at(-1)!.components.push({
      type: ComponentType.Button,
      style: rows.length === 1 && index === 0 ? ButtonStyle.Primary : ButtonStyle.Secondary,
      label: clip(button.label, DISCORD_LIMITS.buttonLabel) || button.command.slice(0, DISCORD_LIMITS.buttonLabel),
      custom_id: button.command,
    });
  });
  return rows;
}

/** Renders a Reply as an embed with its buttons and, for /history, the CSV as an attached file. */
export function renderReply(reply: Reply, language: Language): DiscordReplyMessage {
  const message: DiscordReplyMessage = { embeds: [replyEmbed(reply, language)], components: replyButtons(reply.buttons), files: [] };
  if (reply.document) {
    const { filename, content, caption } = reply.document;
    message.files.push(new AttachmentBuilder(Buffer.from(content, 'utf8'), { name: filename, description: clip(caption, 1024) }));
    message.content = clip(escapeMarkdown(caption), DISCORD_LIMITS.content);
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// Alerts

/**
 * An alert as a channel message: one portal in detail, or the cycle's digest (down ones first) as
 * one embed coloured by the worst change. Either way one message per channel per cycle.
 */
export function alertMessage(alert: Alert): { embeds: APIEmbed[]; allowed_mentions: { parse: [] } } {
  return { embeds: [{ ...replyEmbed(alertReply(alert), alert.language), footer: { text: 'Pantau LPSE' } }], allowed_mentions: { parse: [] } };
}
