import { stateLine } from './reply-parts.js';
import { ALERT_CHATS, t, type CommandDefinition } from './types.js';

const ORDER = { down: 0, degraded: 1, blocked: 2, maintenance: 3, unknown: 4, up: 5 } as const;

/** `/list` (`/daftar`): this chat's subscriptions with their current state, down ones first. */
export const list: CommandDefinition = {
  name: 'list',
  aliases: ['daftar'],
  description: { id: 'Daftar langganan chat ini', en: "This chat's subscriptions" },
  usage: { id: '/list', en: '/list' },
  options: [],
  access: 'anyone',
  contexts: ALERT_CHATS,
  ephemeral: true,
  examples: [{ example: '/list', text: { id: 'langganan chat ini', en: "this chat's subscriptions" } }],
  async run({ context, language }, deps) {
    const record = deps.subscriptions.get(context.chat);
    const portals = (record?.portals ?? []).map((id) => deps.catalog.get(id)).filter((p) => p !== undefined);
    if (portals.length === 0) {
      return {
        tone: 'info',
        ephemeral: true,
        lines: [[t(language, { id: 'Chat ini belum berlangganan. Contoh: ', en: 'No subscriptions yet. Example: ' }), { code: '/subscribe gresik' }]],
      };
    }
    const views = (await deps.status.views(portals)).sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.name.localeCompare(b.name));
    const now = deps.clock.now();
    return {
      tone: 'info',
      ephemeral: true,
      title: [{ bold: t(language, { id: `Langganan (${views.length})`, en: `Subscriptions (${views.length})` }) }],
      lines: views.map((v) => stateLine(v, language, now)),
    };
  },
};
