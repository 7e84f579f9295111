import { usageReply } from './reply-parts.js';
import { ALERT_CHATS, type CommandDefinition } from './types.js';

/** `/lang id|en` (`/bahasa`): the chat's language. */
export const lang: CommandDefinition = {
  name: 'lang',
  aliases: ['bahasa'],
  description: { id: 'Ganti bahasa bot (id/en)', en: 'Change the bot language (id/en)' },
  usage: { id: '/lang id|en', en: '/lang id|en' },
  options: [{ name: 'language', kind: 'choice', choices: ['id', 'en'], required: true, description: { id: 'id = Indonesia, en = English', en: 'id = Indonesian, en = English' } }],
  access: 'anyone',
  contexts: ALERT_CHATS,
  examples: [{ example: '/lang en', text: { id: 'ganti bahasa (id/en)', en: 'change language (id/en)' } }],
  async run(input, deps) {
    const choice = input.args.language?.trim().toLowerCase();
    if (choice !== 'id' && choice !== 'en') return usageReply(lang, input.language);
    await deps.subscriptions.update(input.context.chat, { language: choice });
    return { tone: 'success', lines: [[choice === 'id' ? 'Bahasa diganti ke Bahasa Indonesia.' : 'Language set to English.']] };
  },
};
