import { t, type CommandDefinition } from './types.js';

/** `/help` (`/start`, `/bantuan`): what the bot does, with examples. */
export const help: CommandDefinition = {
  name: 'help',
  aliases: ['start', 'bantuan'],
  description: { id: 'Apa yang bisa dilakukan bot ini', en: 'What this bot does' },
  usage: { id: '/help', en: '/help' },
  options: [],
  async run({ language }) {
    return {
      tone: 'info',
      title: [{ bold: 'Pantau LPSE' }],
      lines: [
        [t(language, {
          id: 'Bot ini memantau portal LPSE (SPSE) dan memberi tahu grup ini saat portal down dan saat pulih kembali, lengkap dengan penyebab dan Kode Error.',
          en: 'This bot watches LPSE (SPSE) procurement portals and tells this chat when a portal goes down and when it comes back, with the cause and the error code.',
        })],
        [{ code: '/subscribe gresik' }, t(language, { id: ' — langganan peringatan LPSE Kabupaten Gresik', en: ' — get alerts for LPSE Kabupaten Gresik' })],
        [{ code: '/subscribe jatim' }, t(language, { id: ' — semua portal di Jawa Timur', en: ' — every portal in Jawa Timur' })],
        [{ code: '/status gresik' }, t(language, { id: ' — kondisi sekarang, uptime, dan gangguan terakhir', en: ' — current state, uptime and recent incidents' })],
        [{ code: '/history gresik' }, t(language, { id: ' — riwayat gangguan dan berkas CSV', en: ' — incident history and a CSV file' })],
        [{ code: '/list' }, t(language, { id: ' — langganan chat ini', en: " — this chat's subscriptions" })],
        [{ code: '/portals bandung' }, t(language, { id: ' — cari portal', en: ' — search portals' })],
        [{ code: '/unsubscribe gresik' }, t(language, { id: ' — berhenti langganan', en: ' — stop alerts' })],
        [{ code: '/lang en' }, t(language, { id: ' — ganti bahasa (id/en)', en: ' — change language (id/en)' })],
        [{ code: '/degraded on' }, t(language, { id: ' — juga kabari saat portal melambat/terganggu', en: ' — also tell when a portal is slow/degraded' })],
        [t(language, {
          id: 'Di grup, hanya admin yang dapat mengubah langganan. Waktu dalam WIB.',
          en: 'In groups only admins can change subscriptions. Times are in WIB (UTC+7).',
        })],
      ],
    };
  },
};
