import type { Inline, Line, Reply } from '../../core/reply.js';
import type { Language } from '../../core/types.js';

/** Telegram's limit on a message's text. */
export const TELEGRAM_MAX_TEXT = 4096;

/** Escapes text for Telegram's HTML parse mode: the only place dynamic text is escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const escapeAttribute = (text: string) => escapeHtml(text).replace(/"/g, '&quot;');

function renderInline(part: Inline): string {
  if (typeof part === 'string') return escapeHtml(part);
  if ('bold' in part) return `<b>${escapeHtml(part.bold)}</b>`;
  if ('italic' in part) return `<i>${escapeHtml(part.italic)}</i>`;
  if ('code' in part) return `<code>${escapeHtml(part.code)}</code>`;
  if ('time' in part) return escapeHtml(part.time);
  return /^https?:\/\//.test(part.url) ? `<a href="${escapeAttribute(part.url)}">${escapeHtml(part.link)}</a>` : escapeHtml(part.link);
}

export const renderLine = (line: Line) => line.map(renderInline).join('');

/** Visible length, as Telegram counts the 4,096 limit: after entities are parsed. */
const visibleLength = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&(amp|lt|gt|quot);/g, '_').length;

export interface TelegramMessage {
  text: string;
  buttons: Array<Array<{ text: string; callback_data: string }>>;
}

/**
 * Renders a Reply as Telegram HTML within the length limit: lines that do not fit are replaced by
 * "…dan N lainnya" / "…and N more" so a digest of 600 portals still arrives as one message.
 */
export function renderReply(reply: Reply, language: Language, limit = TELEGRAM_MAX_TEXT): TelegramMessage {
  const head: string[] = [];
  if (reply.title) head.push(renderLine(reply.title));
  const body = reply.lines.map(renderLine);
  // A field of several lines (an alert's tender stages) starts them under its name.
  const fields = (reply.fields ?? []).map((f) => {
    const value = renderLine(f.value);
    return `<b>${escapeHtml(f.name)}</b>:${value.includes('\n') ? '\n' : ' '}${value}`;
  });
  const all = [...head, ...body, ...fields];
  let text = all.join('\n');
  if (visibleLength(text) > limit) {
    const kept: string[] = [...head];
    let used = visibleLength(kept.join('\n'));
    const rest = [...body, ...fields];
    const reserve = 40;
    let index = 0;
    for (; index < rest.length; index++) {
      const size = visibleLength(rest[index]!) + 1;
      if (used + size > limit - reserve) break;
      kept.push(rest[index]!);
      used += size;
    }
    const more = rest.length - index;
    kept.push(escapeHtml(language === 'id' ? `…dan ${more} lainnya` : `…and ${more} more`));
    text = kept.join('\n');
  }
  // callback_data is limited to 64 bytes: longer command lines cannot be buttons.
  const buttons = (reply.buttons ?? [])
    .filter((b) => Buffer.byteLength(b.command) <= 64)
    .slice(0, 10)
    .map((b) => [{ text: b.label.slice(0, 60), callback_data: b.command }]);
  return { text, buttons };
}
