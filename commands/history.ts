import { incidentsCsv } from '../src/core/incidents-csv.js';
import { incidentsCsvUrl } from '../src/core/links.js';
import { resolveOnePortal } from './portal-query.js';
import { incidentLine, usageReply } from './reply-parts.js';
import { EVERYWHERE, t, type CommandDefinition } from './types.js';

/** `/history <portal>` (`/riwayat`): the last 20 incidents, and the whole history as CSV evidence. */
export const history: CommandDefinition = {
  name: 'history',
  aliases: ['riwayat'],
  description: { id: 'Riwayat gangguan portal (dengan CSV)', en: 'Incident history of a portal (with CSV)' },
  usage: { id: '/history <portal>', en: '/history <portal>' },
  options: [{ name: 'portal', kind: 'portal', required: true, description: { id: 'Nama portal', en: 'Portal name' } }],
  access: 'anyone',
  contexts: EVERYWHERE,
  examples: [{ example: '/history {portal}', text: { id: 'riwayat gangguan dan berkas CSV', en: 'incident history and a CSV file' } }],
  async run({ args, language }, deps) {
    const query = args.portal?.trim() ?? '';
    if (!query) return usageReply(history, language);
    const resolved = resolveOnePortal(query, deps.catalog, language, 'history');
    if ('reply' in resolved) return resolved.reply;
    const { portal } = resolved;
    const incidents = await deps.status.incidents(portal);
    const csvUrl = incidentsCsvUrl(deps.publicUrl, portal.id);
    const affected = await deps.tenders.evidence.counts(portal.id, incidents, deps.clock.now());
    const lines = incidents.slice(0, 20).map((incident) => {
      const stages = affected.get(incident.id) ?? 0;
      return stages > 0 ? [...incidentLine(incident, deps.timezone, language), t(language, { id: ` — ${stages} tahap tender terdampak`, en: ` — ${stages} tender stage${stages === 1 ? '' : 's'} hit` })] : incidentLine(incident, deps.timezone, language);
    });
    return {
      tone: 'info',
      title: [{ bold: t(language, { id: `Riwayat gangguan ${portal.name}`, en: `Incident history of ${portal.name}` }) }],
      lines: lines.length ? lines : [[t(language, { id: 'Belum ada gangguan tercatat.', en: 'No incidents recorded yet.' })]],
      ...(incidents.length
        ? {
            document: {
              filename: `pantau-lpse-${portal.id}-incidents.csv`,
              content: incidentsCsv(portal, incidents, deps.timezone, affected),
              caption: t(language, {
                id: `${incidents.length} gangguan (CSV, waktu dengan zona)`,
                en: `${incidents.length} ${incidents.length === 1 ? 'incident' : 'incidents'} (CSV, times with offset)`,
              }),
              ...(csvUrl ? { url: csvUrl } : {}),
            },
          }
        : {}),
    };
  },
};
