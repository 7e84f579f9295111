import { t, type CommandDefinition, type CommandDeps, type Line } from './types.js';

/** A portal and a province of the catalog that examples can name (Gresik when the catalog has it). */
function examplesFor(deps: CommandDeps): { portal: string | null; province: string | null } {
  const gresik = deps.catalog.get('gresikkab');
  const portal = gresik ? 'gresik' : (deps.catalog.all()[0]?.id ?? null);
  const [province] = deps.catalog.provinces();
  return { portal, province: gresik ? 'jatim' : (province?.toLowerCase() ?? null) };
}

/** `/help` (`/start`, `/bantuan`): what the bot does, with an example of every listed command. */
export const help: CommandDefinition = {
  name: 'help',
  aliases: ['start', 'bantuan'],
  description: { id: 'Apa yang bisa dilakukan bot ini', en: 'What this bot does' },
  usage: { id: '/help', en: '/help' },
  options: [],
  access: 'anyone',
  contexts: ['group', 'private', 'guild', 'dm'],
  async run({ language, context }, deps) {
    const { portal, province } = examplesFor(deps);
    const here = context.kind === 'group' || context.kind === 'guild' ? { id: 'grup ini', en: 'this chat' } : { id: 'Anda', en: 'you' };
    const examples: Line[] = [];
    for (const definition of deps.commands) {
      if (definition.access === 'owner') continue;
      for (const example of definition.examples ?? []) {
        if ((example.example.includes('{portal}') && !portal) || (example.example.includes('{province}') && !province)) continue;
        const line = example.example.replace('{portal}', portal ?? '').replace('{province}', province ?? '');
        examples.push([{ code: line }, ` — ${t(language, example.text)}`]);
      }
    }
    return {
      tone: 'info',
      title: [{ bold: 'Pantau LPSE' }],
      lines: [
        [t(language, {
          id: `Bot ini memantau portal LPSE (SPSE) dan memberi tahu ${t('id', here)} saat portal down dan saat pulih kembali, lengkap dengan penyebab dan Kode Error.`,
          en: `This bot watches LPSE (SPSE) procurement portals and tells ${t('en', here)} when a portal goes down and when it comes back, with the cause and the error code.`,
        })],
        ...examples,
        [t(language, {
          id: 'Di grup, hanya admin yang dapat mengubah langganan. Waktu dalam WIB.',
          en: 'In groups only admins can change subscriptions. Times are in WIB (UTC+7).',
        })],
      ],
    };
  },
};
