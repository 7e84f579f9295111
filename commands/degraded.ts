import { usageReply } from './reply-parts.js';
import { ALERT_CHATS, t, type CommandDefinition } from './types.js';

/** `/degraded on|off` (`/lambat`): also announce up ↔ degraded to this chat (off by default). */
export const degraded: CommandDefinition = {
  name: 'degraded',
  aliases: ['lambat'],
  description: { id: 'Kabari juga saat portal terganggu/lambat', en: 'Also announce when a portal is degraded/slow' },
  usage: { id: '/degraded on|off', en: '/degraded on|off' },
  options: [{ name: 'setting', kind: 'choice', choices: ['on', 'off'], required: true, description: { id: 'on atau off', en: 'on or off' } }],
  access: 'admin',
  contexts: ALERT_CHATS,
  examples: [{ example: '/degraded on', text: { id: 'juga kabari saat portal melambat/terganggu', en: 'also tell when a portal is slow/degraded' } }],
  async run(input, deps) {
    const setting = input.args.setting?.trim().toLowerCase();
    const on = setting === 'on' || setting === 'ya';
    if (!on && setting !== 'off' && setting !== 'tidak') return usageReply(degraded, input.language);
    await deps.subscriptions.update(input.context.chat, { notifyDegraded: on });
    return {
      tone: 'success',
      lines: [[on
        ? t(input.language, { id: 'Chat ini juga akan dikabari saat portal terganggu (lambat, bukan halaman SPSE) dan saat normal kembali.', en: 'This chat will also hear when a portal is degraded (slow, not an SPSE page) and when it is back to normal.' })
        : t(input.language, { id: 'Hanya down dan pulih yang dikabarkan.', en: 'Only down and recovery are announced.' })]],
    };
  },
};
