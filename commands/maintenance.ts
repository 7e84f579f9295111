import { resolveOnePortal } from './portal-query.js';
import { usageReply, when } from './reply-parts.js';
import { ALERT_CHATS, t, type CommandDefinition } from './types.js';

const DURATION = /^(\d+)\s*(m|menit|min|h|j|jam|d|hari)$/i;

function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const n = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  const minutes = unit.startsWith('m') ? n : unit === 'd' || unit === 'hari' ? n * 1440 : n * 60;
  return minutes > 0 && minutes <= 30 * 1440 ? minutes * 60_000 : null;
}

/** `/maintenance <portal> <duration|off> [reason]` — owners only: suppress alerts, show maintenance. */
export const maintenance: CommandDefinition = {
  name: 'maintenance',
  aliases: ['pemeliharaan'],
  description: { id: 'Nyatakan pemeliharaan portal (pemilik bot)', en: 'Declare portal maintenance (bot owners)' },
  usage: { id: '/maintenance <portal> <2h|30m|off> [alasan]', en: '/maintenance <portal> <2h|30m|off> [reason]' },
  options: [{ name: 'args', kind: 'text', required: true, description: { id: 'portal, durasi, alasan', en: 'portal, duration, reason' } }],
  access: 'owner',
  contexts: ALERT_CHATS,
  async run(input, deps) {
    const { language } = input;
    const words = (input.args.args ?? '').trim().split(/\s+/).filter(Boolean);
    if (words.length < 2) return usageReply(maintenance, language);
    const [query, durationText, ...reasonWords] = words as [string, string, ...string[]];
    const resolved = resolveOnePortal(query, deps.catalog, language, 'maintenance');
    if ('reply' in resolved) return resolved.reply;
    const { portal } = resolved;
    const now = deps.clock.now();
    if (/^(off|selesai|end)$/i.test(durationText)) {
      const ended = await deps.maintenance.end(portal.id, now);
      return { tone: 'success', lines: [[ended ? t(language, { id: `Pemeliharaan ${portal.name} diakhiri.`, en: `Maintenance of ${portal.name} ended.` }) : t(language, { id: 'Tidak ada pemeliharaan aktif.', en: 'No active maintenance.' })]] };
    }
    const durationMs = parseDuration(durationText);
    if (durationMs === null) return usageReply(maintenance, language, t(language, { id: `Durasi "${durationText}" tidak dikenal.`, en: `Unknown duration "${durationText}".` }));
    const until = new Date(now + durationMs).toISOString();
    await deps.maintenance.declare({ portalId: portal.id, until, reason: reasonWords.join(' '), by: input.context.userId }, now);
    return {
      tone: 'success',
      lines: [[t(language, { id: `${portal.name} dalam pemeliharaan sampai ${when(until, deps.timezone, language)}. Peringatan ditahan.`, en: `${portal.name} is in maintenance until ${when(until, deps.timezone, language)}. Alerts are held.` })]],
    };
  },
};
