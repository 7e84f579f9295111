import { EVERYWHERE, t, type CommandDefinition } from './types.js';

/** `/portals [search]` (`/portal`): search the catalog by name, slug or province. */
export const portals: CommandDefinition = {
  name: 'portals',
  aliases: ['portal', 'cari'],
  description: { id: 'Cari portal LPSE', en: 'Search LPSE portals' },
  usage: { id: '/portals [kata kunci]', en: '/portals [search]' },
  options: [{ name: 'search', kind: 'text', required: false, description: { id: 'Nama, kode, atau provinsi', en: 'Name, id or province' } }],
  access: 'anyone',
  contexts: EVERYWHERE,
  ephemeral: true,
  examples: [{ example: '/portals bandung', text: { id: 'cari portal', en: 'search portals' } }],
  async run({ args, language }, deps) {
    const query = args.search?.trim() ?? '';
    if (!query) {
      return {
        tone: 'info',
        ephemeral: true,
        lines: [
          [t(language, { id: `Ada ${deps.catalog.all().length} portal. Cari dengan nama, mis. `, en: `There are ${deps.catalog.all().length} portals. Search by name, e.g. ` }), { code: '/portals bandung' }],
          [t(language, { id: 'Provinsi: ', en: 'Provinces: ' }), deps.catalog.provinces().join(', ')],
        ],
      };
    }
    const province = deps.catalog.resolveProvince(query);
    const found = province && province.portals.length ? province.portals : deps.catalog.search(query, 25);
    if (found.length === 0) return { tone: 'error', ephemeral: true, lines: [[t(language, { id: `Tidak ada portal yang cocok dengan "${query}".`, en: `No portal matches "${query}".` })]] };
    const shown = found.slice(0, 25);
    return {
      tone: 'info',
      ephemeral: true,
      title: [{ bold: province ? province.province : t(language, { id: `Hasil untuk "${query}"`, en: `Results for "${query}"` }) }],
      lines: [
        ...shown.map((p) => [{ code: p.id }, ` ${p.name}${p.province && !province ? ` — ${p.province}` : ''}`]),
        ...(found.length > shown.length ? [[t(language, { id: `…dan ${found.length - shown.length} lainnya.`, en: `…and ${found.length - shown.length} more.` })]] : []),
      ],
    };
  },
};
