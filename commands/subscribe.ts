import { resolvePortalQuery, unresolvedReply } from './portal-query.js';
import { listNames, usageReply } from './reply-parts.js';
import type { ChatRef, Language } from '../src/core/types.js';
import { ALERT_CHATS, t, type CommandDefinition, type CommandDeps, type Reply } from './types.js';

/**
 * Each subscribed portal is checked often, so what one chat and all chats together may subscribe
 * to is bounded (`subscriptions.*` in the config): a stranger's private chat cannot make the bot
 * check the whole national catalog every minute.
 */
function beyondLimits(chat: ChatRef, portalIds: string[], deps: CommandDeps, language: Language): Reply | null {
  const current = new Set(deps.subscriptions.get(chat)?.portals ?? []);
  const adding = new Set(portalIds.filter((id) => !current.has(id))).size;
  if (adding === 0) return null;
  const { maxPortalsPerChat, maxTotal } = deps.limits;
  if (current.size + adding > maxPortalsPerChat) {
    return {
      tone: 'error',
      lines: [[t(language, {
        id: `Satu chat dapat berlangganan paling banyak ${maxPortalsPerChat} portal. Chat ini sudah berlangganan ${current.size}; permintaan ini menambah ${adding}. Berhenti langganan beberapa portal dulu (/unsubscribe) atau pilih lebih sedikit.`,
        en: `One chat can subscribe to at most ${maxPortalsPerChat} portals. This chat has ${current.size}; this would add ${adding}. Unsubscribe from some first (/unsubscribe) or pick fewer.`,
      })]],
    };
  }
  const total = deps.subscriptions.all().reduce((sum, record) => sum + record.portals.length, 0);
  if (total + adding > maxTotal) {
    return {
      tone: 'error',
      lines: [[t(language, {
        id: `Bot ini sudah mencapai batas langganan (${maxTotal} untuk semua chat). Hubungi pemilik bot.`,
        en: `This bot has reached its subscription limit (${maxTotal} over all chats). Please contact the bot's owner.`,
      })]],
    };
  }
  return null;
}

const CONFIRM = /\s+(--yes|ya|yes)$/i;

/** `/subscribe <portal…|province>` (`/langganan`): alerts for one or several portals, or a province after confirming. */
export const subscribe: CommandDefinition = {
  name: 'subscribe',
  aliases: ['langganan'],
  description: { id: 'Langganan peringatan portal LPSE', en: 'Get alerts for LPSE portals' },
  usage: { id: '/subscribe <portal…> — mis. /subscribe gresik, surabaya', en: '/subscribe <portal…> — e.g. /subscribe gresik, surabaya' },
  options: [{ name: 'portal', kind: 'portals', required: true, description: { id: 'Portal, beberapa portal, atau provinsi', en: 'Portal, several portals, or a province' } }],
  access: 'admin',
  contexts: ALERT_CHATS,
  examples: [
    { example: '/subscribe {portal}', text: { id: 'langganan peringatan portal ini', en: 'get alerts for this portal' } },
    { example: '/subscribe {province}', text: { id: 'semua portal di provinsi ini', en: 'every portal in this province' } },
  ],
  async run(input, deps) {
    const { language } = input;
    const raw = input.args.portal?.trim() ?? '';
    if (!raw) return usageReply(subscribe, language);
    const confirmed = CONFIRM.test(raw);
    const query = raw.replace(CONFIRM, '');
    const result = resolvePortalQuery(query, deps.catalog, true);

    if (result.province) {
      const { province, portals } = result.province;
      const provincial = portals.filter((p) => p.kind === 'provinsi');
      const overLimit = beyondLimits(input.context.chat, portals.map((p) => p.id), deps, language);
      if (overLimit) return { ...overLimit, buttons: provincial.map((p) => ({ label: t(language, { id: `Hanya ${p.name}`, en: `Only ${p.name}` }), command: `/subscribe ${p.id}` })) };
      if (!confirmed) {
        return {
          tone: 'info',
          lines: [[t(language, {
            id: `Langganan semua ${portals.length} portal di ${province}? Setiap perubahan tetap dikirim sebagai satu pesan per putaran pemeriksaan.`,
            en: `Subscribe to all ${portals.length} portals in ${province}? Changes still arrive as one message per check cycle.`,
          })]],
          buttons: [
            { label: t(language, { id: `Ya, langganan ${portals.length} portal`, en: `Yes, subscribe to ${portals.length}` }), command: `/subscribe ${query} --yes` },
            ...provincial.map((p) => ({ label: t(language, { id: `Hanya ${p.name}`, en: `Only ${p.name}` }), command: `/subscribe ${p.id}` })),
          ],
        };
      }
      result.found.push(...portals);
    }
    if (result.found.length === 0) {
      return { tone: 'error', ...unresolvedReply(result, language, 'subscribe') };
    }
    const overLimit = beyondLimits(input.context.chat, result.found.map((p) => p.id), deps, language);
    if (overLimit) return overLimit;
    const { added, already } = await deps.subscriptions.subscribe(input.context.chat, result.found.map((p) => p.id), input.context.title);
    const names = (ids: string[]) => ids.map((id) => deps.catalog.get(id)?.name ?? id);
    const lines: Reply['lines'] = [];
    if (added.length) {
      lines.push([t(language, { id: '✅ Berlangganan: ', en: '✅ Subscribed: ' }), ...listNames(names(added))]);
    }
    if (already.length) lines.push([t(language, { id: 'Sudah berlangganan: ', en: 'Already subscribed: ' }), ...listNames(names(already))]);
    const rest = unresolvedReply(result, language, 'subscribe');
    lines.push(...rest.lines);
    if (added.length) {
      lines.push([t(language, { id: 'Peringatan akan dikirim ke sini saat portal down dan saat pulih.', en: 'Alerts will be sent here when a portal goes down and when it recovers.' })]);
    }
    return { tone: added.length ? 'success' : 'info', lines, ...(rest.buttons?.length ? { buttons: rest.buttons } : {}) };
  },
};
