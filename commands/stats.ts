import { ALERT_CHATS, type CommandDefinition } from './types.js';

/** `/stats` — owners only: bot statistics. */
export const stats: CommandDefinition = {
  name: 'stats',
  aliases: ['statistik'],
  description: { id: 'Statistik bot (pemilik bot)', en: 'Bot statistics (bot owners)' },
  usage: { id: '/stats', en: '/stats' },
  options: [],
  access: 'owner',
  contexts: ALERT_CHATS,
  ephemeral: true,
  async run(_input, deps) {
    const figures = await deps.stats();
    return { tone: 'info', ephemeral: true, title: [{ bold: 'Pantau LPSE' }], lines: Object.entries(figures).map(([name, value]) => [`${name}: `, { bold: String(value) }]) };
  },
};
