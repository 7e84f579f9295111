/**
 * What the bot says, independent of any chat platform: commands answer with a Reply and alerts are
 * rendered to one. Each platform's format.ts turns it into HTML (Telegram) or an embed (Discord).
 */

/**
 * A piece of formatted text; each platform's format.ts renders and escapes it. A `time` is shown as
 * its text, and platforms that can (Discord) add a relative time that readers see in their zone.
 */
export type Inline = string | { bold: string } | { italic: string } | { code: string } | { link: string; url: string } | { time: string; at: number };
export type Line = Inline[];

/** What a command or an alert says, independent of any chat platform. */
export interface Reply {
  tone?: 'info' | 'success' | 'error' | 'down' | 'up' | 'degraded';
  title?: Line;
  /** Where the title points, on platforms whose titles are links (Discord embeds). */
  url?: string;
  lines: Line[];
  /** Labelled facts: embed fields on Discord, `Label: value` lines on Telegram. */
  fields?: Array<{ name: string; value: Line; inline?: boolean }>;
  /** Each button runs a command line as if the user typed it (`/subscribe gresikkab`). */
  buttons?: Array<{ label: string; command: string }>;
  /** A file to attach; `url` is where the same file can be downloaded when attaching fails. */
  document?: { filename: string; content: string; caption: string; url?: string };
  /** Only the asker should see it (Discord); Telegram replies normally. */
  ephemeral?: boolean;
  /** When what it reports happened (an alert's transition), for platforms that show it. */
  timestamp?: string;
}

/** The visible text of one line, without markup (tests, logs, plain-text surfaces). */
export function plainText(line: Line): string {
  return line
    .map((part) => (typeof part === 'string' ? part : 'bold' in part ? part.bold : 'code' in part ? part.code : 'italic' in part ? part.italic : 'time' in part ? part.time : part.link))
    .join('');
}
