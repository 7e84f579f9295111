import { resolvePortalQuery, unresolvedReply } from './portal-query.js';
import { listNames, usageReply } from './reply-parts.js';
import { ALERT_CHATS, t, type CommandDefinition } from './types.js';

/** `/unsubscribe <portal…|all>` (`/berhenti`). */
export const unsubscribe: CommandDefinition = {
  name: 'unsubscribe',
  aliases: ['berhenti'],
  description: { id: 'Berhenti langganan peringatan', en: 'Stop alerts' },
  usage: { id: '/unsubscribe <portal…|all>', en: '/unsubscribe <portal…|all>' },
  options: [{ name: 'portal', kind: 'portals', required: true, description: { id: 'Portal, atau "all" untuk semua', en: 'Portal, or "all" for every one' } }],
  access: 'admin',
  contexts: ALERT_CHATS,
  examples: [{ example: '/unsubscribe {portal}', text: { id: 'berhenti langganan', en: 'stop alerts' } }],
  async run(input, deps) {
    const { language } = input;
    const raw = input.args.portal?.trim() ?? '';
    if (!raw) return usageReply(unsubscribe, language);
    const chat = input.context.chat;
    if (/^(all|semua)$/i.test(raw)) {
      const { removed } = await deps.subscriptions.unsubscribe(chat, 'all');
      return {
        tone: 'success',
        lines: [[removed.length
          ? t(language, { id: `Berhenti langganan ${removed.length} portal.`, en: `Unsubscribed from ${removed.length} portals.` })
          : t(language, { id: 'Chat ini belum berlangganan apa pun.', en: 'This chat has no subscriptions.' })]],
      };
    }
    const result = resolvePortalQuery(raw, deps.catalog, true);
    if (result.province) result.found.push(...result.province.portals);
    if (result.found.length === 0) return { tone: 'error', ...unresolvedReply(result, language, 'unsubscribe') };
    const { removed } = await deps.subscriptions.unsubscribe(chat, result.found.map((p) => p.id));
    const notSubscribed = result.found.filter((p) => !removed.includes(p.id));
    const lines = [];
    if (removed.length) lines.push([t(language, { id: 'Berhenti langganan: ', en: 'Unsubscribed: ' }), ...listNames(removed.map((id) => deps.catalog.get(id)?.name ?? id))]);
    if (notSubscribed.length) lines.push([t(language, { id: 'Tidak berlangganan: ', en: 'Not subscribed: ' }), ...listNames(notSubscribed.map((p) => p.name))]);
    return { tone: removed.length ? 'success' : 'info', lines };
  },
};
