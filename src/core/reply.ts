/**
 * What the bot says, independent of any chat platform: commands answer with a Reply and alerts are
 * rendered to one. Each platform's format.ts turns it into HTML (Telegram) or an embed (Discord).
 */

/** A piece of formatted text; each platform's format.ts renders and escapes it. */
export type Inline = string | { bold: string } | { italic: string } | { code: string } | { link: string; url: string };
export type Line = Inline[];

/** What a command answers, independent of any chat platform. */
export interface Reply {
  tone?: 'info' | 'success' | 'error' | 'down' | 'up' | 'degraded';
  title?: Line;
  lines: Line[];
  fields?: Array<{ name: string; value: Line; inline?: boolean }>;
  /** Each button runs a command line as if the user typed it (`/subscribe gresikkab`). */
  buttons?: Array<{ label: string; command: string }>;
  document?: { filename: string; content: string; caption: string };
  /** Only the asker should see it (Discord); Telegram replies normally. */
  ephemeral?: boolean;
}

