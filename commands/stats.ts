import { t, type CommandDefinition } from './types.js';

/** `/stats` — owners only: bot statistics. */
export const stats: CommandDefinition = {
  name: 'stats',
  aliases: ['statistik'],
  hidden: true,
  description: { id: 'Statistik bot (pemilik bot)', en: 'Bot statistics (bot owners)' },
  usage: { id: '/stats', en: '/stats' },
  options: [],
  async run({ context, language }, deps) {
    if (!context.isOwner) return { tone: 'error', ephemeral: true, lines: [[t(language, { id: 'Perintah ini hanya untuk pemilik bot.', en: 'This command is for bot owners only.' })]] };
    const figures = await deps.stats();
    return { tone: 'info', ephemeral: true, title: [{ bold: 'Pantau LPSE' }], lines: Object.entries(figures).map(([name, value]) => [`${name}: `, { bold: String(value) }]) };
  },
};
