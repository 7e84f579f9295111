import { moreStagesLine, tenderLine } from '../src/core/tenders/digest.js';
import { formatDateTime } from '../src/core/time.js';
import type { Language, Portal } from '../src/core/types.js';
import { resolveOnePortal } from './portal-query.js';
import { usageReply } from './reply-parts.js';
import { EVERYWHERE, t, type CommandDefinition, type CommandDeps, type Line, type Reply } from './types.js';

/** `/tender <portal>` looks this far ahead. */
const AHEAD_HOURS = 72;
const LINES = 20;

/** Typed on Telegram as one text: `gresik 10012345064` is a portal and a kode. */
function splitKode(portalText: string, kodeText: string | undefined): { query: string; kode: string | null } {
  if (kodeText?.trim()) return { query: portalText.trim(), kode: kodeText.trim() };
  const words = portalText.trim().split(/\s+/);
  const last = words.at(-1) ?? '';
  return words.length > 1 && /^\d{4,24}$/.test(last) ? { query: words.slice(0, -1).join(' '), kode: last } : { query: portalText.trim(), kode: null };
}

function collectionNote(portal: Portal, deps: CommandDeps, language: Language, empty: boolean): Line[] {
  if (deps.tenders.view.blocked(portal.id)) {
    return [[t(language, {
      id: '⚠️ Portal ini menolak pemantau di halaman tender (403/tantangan/429); pengumpulan data tender dijeda dan dicoba lagi nanti.',
      en: '⚠️ This portal refuses the monitor on its tender pages (403/challenge/429); tender collection is paused and tried again later.',
    })]];
  }
  if (!empty) return [];
  return [[t(language, {
    id: 'Belum ada data tender untuk portal ini: data dikumpulkan dari daftar tender publiknya saat portal sedang normal, untuk portal yang dilanggan.',
    en: 'No tender data for this portal yet: it is collected from its public tender lists while the portal is up, for subscribed portals.',
  })]];
}

async function upcoming(portal: Portal, deps: CommandDeps, language: Language): Promise<Reply> {
  const index = await deps.tenders.view.index();
  const now = deps.clock.now();
  const summary = index.stagesEndingBetweenMany([portal.id], now, now + AHEAD_HOURS * 3_600_000, { activeOnly: true, limit: LINES }).get(portal.id);
  const total = summary?.total ?? 0;
  const lines: Line[] = [];
  if (summary && total > 0) {
    for (const occurrence of summary.occurrences) lines.push(tenderLine(occurrence, { language, timezone: deps.timezone, now }));
    if (total > summary.occurrences.length) lines.push(moreStagesLine(total - summary.occurrences.length, language));
    lines.push([t(language, { id: '📥 = tahap pemasukan/upload penawaran. Jadwal lengkap: ', en: '📥 = bid submission stage. Whole schedule: ' }), { code: `/tender ${portal.id} <kode>` }]);
  } else {
    lines.push([t(language, { id: `Tidak ada tahap yang berakhir dalam ${AHEAD_HOURS} jam.`, en: `No stage ends within ${AHEAD_HOURS} hours.` })]);
  }
  lines.push(...collectionNote(portal, deps, language, index.packages(portal.id).length === 0));
  return {
    tone: 'info',
    title: [{ bold: t(language, { id: `Tahap berakhir dalam ${AHEAD_HOURS} jam (${total}) — ${portal.name}`, en: `Stages ending within ${AHEAD_HOURS} h (${total}) — ${portal.name}` }) }],
    lines,
  };
}

async function schedule(portal: Portal, kode: string, deps: CommandDeps, language: Language): Promise<Reply> {
  const index = await deps.tenders.view.index();
  const pkg = index.package(portal.id, kode);
  if (!pkg) {
    return {
      tone: 'error',
      lines: [[t(language, { id: `Paket dengan kode ${kode} tidak dikenal di ${portal.name}.`, en: `No package with kode ${kode} is known at ${portal.name}.` })], ...collectionNote(portal, deps, language, index.packages(portal.id).length === 0)],
    };
  }
  const outages = await deps.status.incidents(portal, 50);
  const extended = index.extensions(portal.id, pkg.kode, outages, pkg.kind);
  const when = (ms: number | null) => (ms === null ? '–' : formatDateTime(ms, deps.timezone, language));
  const lines: Line[] = [
    [t(language, { id: 'Instansi: ', en: 'Agency: ' }), pkg.agency],
    [t(language, { id: 'Tahap sekarang: ', en: 'Current stage: ' }), pkg.stageText],
    [t(language, { id: 'Perubahan jadwal: ', en: 'Schedule changes: ' }), String(pkg.scheduleChanges ?? 0)],
  ];
  for (const stage of pkg.schedule) {
    const extension = extended.find((e) => e.stage === stage.stage && e.end === stage.end);
    lines.push([
      stage.bidSubmission ? '📥 ' : '• ',
      { bold: stage.stage },
      ` — ${when(stage.start)} → ${when(stage.end)}`,
      ...(extension
        ? [t(language, { id: ` (diperpanjang dari ${when(extension.previousEnd)}, setelah gangguan)`, en: ` (extended from ${when(extension.previousEnd)}, after an outage)` })]
        : []),
    ]);
  }
  if (pkg.schedule.length === 0) lines.push([t(language, { id: 'Jadwal belum terbaca.', en: 'The schedule has not been read yet.' })]);
  return {
    tone: 'info',
    title: [{ bold: `${pkg.kind === 'tender' ? 'Tender' : 'Non-tender'} ${pkg.kode}` }, ` — ${pkg.name}`],
    lines,
  };
}

/** `/tender <portal> [kode]` (`/paket`, `/jadwal`): stages ending in the next 72 hours, or one package's whole schedule. */
export const tender: CommandDefinition = {
  name: 'tender',
  aliases: ['paket', 'jadwal'],
  description: { id: 'Jadwal tender: tahap yang segera berakhir', en: 'Tender schedules: stages ending soon' },
  usage: { id: '/tender <portal> [kode]', en: '/tender <portal> [kode]' },
  options: [
    { name: 'portal', kind: 'portal', required: true, description: { id: 'Nama portal', en: 'Portal name' } },
    { name: 'kode', kind: 'text', required: false, description: { id: 'Kode paket (jadwal lengkapnya)', en: 'Package kode (its whole schedule)' } },
  ],
  access: 'anyone',
  contexts: EVERYWHERE,
  examples: [{ example: '/tender {portal}', text: { id: 'tahap tender yang berakhir dalam 72 jam', en: 'tender stages ending within 72 hours' } }],
  async run({ args, language }, deps) {
    const { query, kode } = splitKode(args.portal ?? '', args.kode);
    if (!query) return usageReply(tender, language);
    const resolved = resolveOnePortal(query, deps.catalog, language, 'tender');
    if ('reply' in resolved) return resolved.reply;
    return kode ? schedule(resolved.portal, kode, deps, language) : upcoming(resolved.portal, deps, language);
  },
};
