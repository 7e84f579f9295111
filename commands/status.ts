import { uptimeText } from '../src/core/alert-text.js';
import { causeText, STATE_EMOJI, stateText } from '../src/core/i18n.js';
import { portalPageUrl } from '../src/core/links.js';
import type { PortalDetailView } from '../src/core/status-service.js';
import { formatDuration } from '../src/core/time.js';
import type { Language } from '../src/core/types.js';
import { resolveOnePortal } from './portal-query.js';
import { incidentLine, sparkline, stateLine, when } from './reply-parts.js';
import { EVERYWHERE, t, type CommandDefinition, type CommandDeps, type Line, type Reply } from './types.js';

const ORDER = { down: 0, degraded: 1, blocked: 2, maintenance: 3, unknown: 4, up: 5 } as const;

function detailReply(view: PortalDetailView, deps: CommandDeps, language: Language): Reply {
  const now = deps.clock.now();
  const lines: Line[] = [];
  lines.push([`${STATE_EMOJI[view.state]} `, { bold: stateText(view.state, language) }, view.state === 'up' ? '' : ` — ${causeText(view.cause, language, view.httpStatus)}`]);
  if (view.errorCode) {
    lines.push(['Kode Error: ', { code: view.errorCode }]);
    if (view.errorCodeEstimate) {
      lines.push([t(language, { id: 'Perkiraan aplikasi mulai gagal (dari kode): ', en: 'Estimated start of the failing instance (from the code): ' }), when(view.errorCodeEstimate, deps.timezone, language)]);
    }
  }
  lines.push([t(language, { id: 'Sejak: ', en: 'Since: ' }), `${when(view.since, deps.timezone, language)} (${formatDuration(now - Date.parse(view.since), language)})`]);
  if (view.lastCheckedAt) {
    const latency = view.latencyMs === null ? '' : `, ${view.latencyMs} ms`;
    lines.push([t(language, { id: 'Cek terakhir: ', en: 'Last check: ' }), `${when(view.lastCheckedAt, deps.timezone, language)}${latency}`]);
  }
  lines.push(['Uptime: ', uptimeText(view.uptime, language)]);
  if (view.vantages.length > 1) {
    const voting = view.vantages.filter((v) => v.voting);
    const seen = voting.map((v) => `${v.id} ${stateText(v.state, language).toLowerCase()}`).join(', ');
    lines.push([t(language, { id: `Terlihat dari ${voting.length} titik pantau`, en: `Seen from ${voting.length} vantage points` }), voting.length ? `: ${seen}` : '']);
  }
  const spark = sparkline(view.latency.hourly);
  if (spark.trim()) {
    const p95 = view.latency.p95 === null ? '' : ` p95 ≤ ${view.latency.p95} ms`;
    lines.push([t(language, { id: 'Latensi 24 jam: ', en: 'Latency 24 h: ' }), { code: spark }, p95]);
  }
  const recent = view.incidents.slice(0, 5);
  lines.push([{ bold: t(language, { id: 'Gangguan terakhir', en: 'Recent incidents' }) }]);
  if (recent.length === 0) lines.push([t(language, { id: 'Tidak ada gangguan tercatat.', en: 'No incidents recorded.' })]);
  for (const incident of recent) lines.push(incidentLine(incident, deps.timezone, language));
  const page = portalPageUrl(deps.publicUrl, view.id);
  const link: Line[] = page ? [[{ link: t(language, { id: 'Halaman status', en: 'Status page' }), url: page }]] : [];
  return {
    tone: view.state === 'down' ? 'down' : view.state === 'degraded' ? 'degraded' : view.state === 'up' ? 'up' : 'info',
    title: [{ link: view.name, url: view.url }],
    lines: [...lines, ...link],
  };
}

/** `/status [portal]`: one portal in detail, or this chat's subscriptions, down ones first. */
export const status: CommandDefinition = {
  name: 'status',
  aliases: [],
  description: { id: 'Kondisi portal sekarang', en: 'Current state of a portal' },
  usage: { id: '/status [portal]', en: '/status [portal]' },
  options: [{ name: 'portal', kind: 'portal', required: false, description: { id: 'Nama portal (kosongkan untuk langganan chat ini)', en: "Portal name (empty for this chat's subscriptions)" } }],
  access: 'anyone',
  contexts: EVERYWHERE,
  examples: [{ example: '/status {portal}', text: { id: 'kondisi sekarang, uptime, dan gangguan terakhir', en: 'current state, uptime and recent incidents' } }],
  async run({ args, context, language }, deps) {
    const query = args.portal?.trim() ?? '';
    const now = deps.clock.now();
    if (query) {
      const resolved = resolveOnePortal(query, deps.catalog, language, 'status');
      if ('reply' in resolved) return resolved.reply;
      return detailReply(await deps.status.detail(resolved.portal, 5), deps, language);
    }
    const record = deps.subscriptions.get(context.chat);
    const portals = (record?.portals ?? []).map((id) => deps.catalog.get(id)).filter((p) => p !== undefined);
    if (portals.length === 0) {
      const all = await deps.status.list();
      const down = all.filter((v) => v.state === 'down').length;
      const known = all.filter((v) => v.state !== 'unknown').length;
      return {
        tone: 'info',
        lines: [
          [t(language, { id: 'Chat ini belum berlangganan portal. Contoh: ', en: 'This chat has no subscriptions. Example: ' }), { code: '/subscribe gresik' }, t(language, { id: ' atau ', en: ' or ' }), { code: '/status gresik' }],
          [t(language, {
            id: `Nasional: ${down} dari ${all.length} portal down saat ini (${known} sudah diperiksa).`,
            en: `Nationally: ${down} of ${all.length} portals are down now (${known} checked so far).`,
          })],
        ],
      };
    }
    const views = (await deps.status.views(portals)).sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.name.localeCompare(b.name));
    const down = views.filter((v) => v.state === 'down').length;
    return {
      tone: down ? 'down' : 'up',
      title: [{ bold: t(language, { id: `${down} dari ${views.length} portal down`, en: `${down} of ${views.length} portals down` }) }],
      lines: views.map((v) => stateLine(v, language, now)),
    };
  },
};
