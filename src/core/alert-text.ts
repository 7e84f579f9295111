/**
 * Every word of an alert, for every platform: one portal in detail, or a cycle's digest. Platforms
 * only render the Reply this returns (Telegram as HTML, Discord as an embed).
 */
import { causeText, t } from './i18n.js';
import { portalPageUrl } from './links.js';
import type { Line, Reply } from './reply.js';
import { formatDateTime, formatDuration, formatPercent } from './time.js';
import { linesOf } from './tenders/digest.js';
import type { Alert, AlertItem, AlertTenders, Language, Transition, Uptime } from './types.js';

const shortName = (name: string) => name.replace(/^LPSE\s+/, '');

/** A gap of checks at least this long before the recovery is told, with the duration's honest range. */
const UNOBSERVED_TOLD_MS = 5 * 60_000;

/**
 * When no check ran for a while before the portal was seen back (no lease holder for a few
 * minutes, a paused monitor), the outage ended somewhere in that gap: the duration is a range.
 */
export function unobservedEnd(startedAt: string | null, durationMs: number, lastFailedAt: string | null): { gapMs: number; shortestMs: number } | null {
  if (!startedAt || !lastFailedAt) return null;
  const start = Date.parse(startedAt);
  const gapMs = start + durationMs - Date.parse(lastFailedAt);
  return gapMs >= UNOBSERVED_TOLD_MS ? { gapMs, shortestMs: Date.parse(lastFailedAt) - start } : null;
}

function headline(item: AlertItem, language: Language): Line {
  const { transition: tr, portal } = item;
  const name = { bold: portal.name };
  switch (tr.kind) {
    case 'down':
      return ['🔴 ', name, t(language, { id: ' DOWN', en: ' is DOWN' })];
    case 'up':
      return ['🟢 ', name, t(language, { id: ' pulih', en: ' is back UP' })];
    case 'degraded':
      return ['🟡 ', name, t(language, { id: ' terganggu', en: ' is degraded' })];
    default:
      return ['🟢 ', name, t(language, { id: ' normal kembali', en: ' is back to normal' })];
  }
}

/** `24 jam 99,95% · 7 hari 99,90% · 30 hari 99,80%`: the same line in alerts, /status and pages. */
export function uptimeText(uptime: Uptime, language: Language): string {
  const day = t(language, { id: 'hari', en: 'd' });
  return `24 ${t(language, { id: 'jam', en: 'h' })} ${formatPercent(uptime.h24, language)} · 7 ${day} ${formatPercent(uptime.d7, language)} · 30 ${day} ${formatPercent(uptime.d30, language)}`;
}

/** "Open portal · Status page": the portal itself and, when configured, its status page. */
export function portalLinks(portal: { id: string; url: string }, publicUrl: string | null, language: Language): Line {
  const links: Line = [{ link: t(language, { id: 'Buka portal', en: 'Open portal' }), url: portal.url }];
  const page = portalPageUrl(publicUrl, portal.id);
  if (page) links.push(' · ', { link: t(language, { id: 'Halaman status', en: 'Status page' }), url: page });
  return links;
}

function singleAlert(alert: Alert, item: AlertItem): Reply {
  const { language, timezone } = alert;
  const { transition: tr, portal } = item;
  const time = (iso: string): Line[number] => ({ time: formatDateTime(Date.parse(iso), timezone, language), at: Date.parse(iso) });
  const recovering = tr.kind === 'up' || tr.kind === 'recovered';
  const cause = recovering ? tr.outageCause : tr.cause;
  const code = recovering ? tr.outageErrorCode : tr.errorCode;
  const since = recovering ? tr.outageStartedAt : tr.kind === 'down' ? (tr.outageStartedAt ?? tr.at) : tr.at;
  const fields: NonNullable<Reply['fields']> = [];
  if (recovering && tr.outageDurationMs !== null) {
    fields.push({ name: t(language, { id: 'Durasi', en: 'Duration' }), value: [{ bold: formatDuration(tr.outageDurationMs, language) }], inline: true });
    const unobserved = unobservedEnd(tr.outageStartedAt, tr.outageDurationMs, tr.outageLastFailedAt ?? null);
    if (unobserved) {
      const [shortest, gap] = [formatDuration(unobserved.shortestMs, language), formatDuration(unobserved.gapMs, language)];
      fields.push({
        name: t(language, { id: 'Tidak teramati', en: 'Not observed' }),
        value: [t(language, {
          id: `${gap} sebelum terlihat pulih (tanpa pemeriksaan); gangguan berlangsung antara ${shortest} dan ${formatDuration(tr.outageDurationMs, language)}`,
          en: `${gap} before it was seen back up (no checks ran); the outage lasted between ${shortest} and ${formatDuration(tr.outageDurationMs, language)}`,
        })],
      });
    }
  }
  if (since) fields.push({ name: t(language, { id: 'Sejak', en: 'Since' }), value: [time(since)], inline: true });
  if (cause) fields.push({ name: t(language, { id: 'Penyebab', en: 'Cause' }), value: [causeText(cause, language, recovering ? null : tr.httpStatus)] });
  if (tr.vantages) fields.push({ name: t(language, { id: 'Titik pantau', en: 'Vantage points' }), value: [vantageText(tr, language)] });
  if (code) {
    const estimate: Line =
      !recovering && tr.errorCodeEstimate
        ? [t(language, { id: ' — perkiraan aplikasi mulai gagal: ', en: ' — estimated start of the failing instance: ' }), time(tr.errorCodeEstimate)]
        : [];
    fields.push({ name: t(language, { id: 'Kode Error', en: 'Error code' }), value: [{ code }, ...estimate] });
  }
  if (item.uptime && (item.uptime.h24 !== null || item.uptime.d7 !== null || item.uptime.d30 !== null)) {
    fields.push({ name: 'Uptime', value: [uptimeText(item.uptime, language)] });
  }
  if (item.tenders && item.tenders.summary.total > 0) fields.push(tenderField(item.tenders, alert));
  fields.push({ name: t(language, { id: 'Tautan', en: 'Link' }), value: portalLinks(portal, alert.publicUrl, language) });
  return {
    tone: tr.kind === 'down' ? 'down' : tr.kind === 'degraded' ? 'degraded' : 'up',
    title: headline(item, language),
    url: portal.url,
    lines: [],
    fields,
    timestamp: tr.at,
  };
}

/** "down from 2 of 3 vantage points (hub, surabaya-1)": where an outage was seen from. */
export function vantageText(tr: Transition, language: Language): string {
  const v = tr.vantages!;
  const down = tr.kind === 'down';
  const where = v.agreeing.join(', ');
  return t(language, {
    id: `${down ? 'down' : 'normal'} menurut ${v.agreeing.length} dari ${v.voting} titik pantau (${where})`,
    en: `${down ? 'down' : 'up'} from ${v.agreeing.length} of ${v.voting} vantage points (${where})`,
  });
}

/** The tender stages a DOWN puts at risk, or an UP's outage hit: the soonest five, then how many more. */
function tenderField(tenders: AlertTenders, alert: Alert): NonNullable<Reply['fields']>[number] {
  const { language, timezone } = alert;
  const total = tenders.summary.total;
  const name =
    tenders.window === 'ahead'
      ? t(language, { id: `Tahap berakhir dalam ${tenders.hours} jam (${total})`, en: `Stages ending within ${tenders.hours} h (${total})` })
      : t(language, { id: `Tahap yang berakhir selama gangguan (${total})`, en: `Stages that ended during the outage (${total})` });
  const { lines } = linesOf(tenders.summary, { language, timezone });
  const value: Line = lines.flatMap((line, i) => (i ? ['\n', ...line] : line));
  if (tenders.evidenceUrl) value.push('\n', { link: t(language, { id: 'Bukti (CSV)', en: 'Evidence (CSV)' }), url: tenders.evidenceUrl });
  return { name, value };
}

/** One line per portal for digests. */
function digestLine(item: AlertItem, language: Language): Line {
  const tr = item.transition;
  const name = { bold: shortName(item.portal.name) };
  switch (tr.kind) {
    case 'down':
      return [
        '🔴 ',
        name,
        ` — ${causeText(tr.cause, language, tr.httpStatus)}`,
        ...(tr.errorCode ? [' ', { code: tr.errorCode }] : []),
        ...(tr.vantages ? [` (${tr.vantages.agreeing.length}/${tr.vantages.voting} ${t(language, { id: 'titik pantau', en: 'vantage points' })})`] : []),
        ...tenderCount(item, language),
      ];
    case 'up':
      return ['🟢 ', name, t(language, { id: ' pulih', en: ' back up' }), tr.outageDurationMs !== null ? t(language, { id: ' setelah ', en: ' after ' }) + formatDuration(tr.outageDurationMs, language) : '', ...tenderCount(item, language)];
    case 'degraded':
      return ['🟡 ', name, ` — ${causeText(tr.cause, language)}`];
    default:
      return ['🟢 ', name, t(language, { id: ' normal kembali', en: ' back to normal' })];
  }
}

/** " · 📥 3 tahap ≤24 jam" on a digest line: how many tender stages the change concerns. */
function tenderCount(item: AlertItem, language: Language): string[] {
  const tenders = item.tenders;
  if (!tenders || tenders.summary.total === 0) return [];
  const n = tenders.summary.total;
  return [
    tenders.window === 'ahead'
      ? t(language, { id: ` · 📥 ${n} tahap berakhir ≤${tenders.hours} jam`, en: ` · 📥 ${n} stage${n === 1 ? '' : 's'} ending ≤${tenders.hours} h` })
      : t(language, { id: ` · ${n} tahap berakhir selama gangguan`, en: ` · ${n} stage${n === 1 ? '' : 's'} ended during the outage` }),
  ];
}

const KIND_ORDER = { down: 0, degraded: 1, up: 2, recovered: 3, silent: 4 } as const;

/**
 * Renders an alert as a neutral Reply: one portal in detail, or a digest (down ones first) when a
 * cycle changed several portals for this chat. Platforms cut digests to their size limits.
 */
export function alertReply(alert: Alert): Reply {
  const { language, timezone, items } = alert;
  if (items.length === 1) return singleAlert(alert, items[0]!);
  const sorted = [...items].sort((a, b) => KIND_ORDER[a.transition.kind] - KIND_ORDER[b.transition.kind] || a.portal.name.localeCompare(b.portal.name));
  const count = (kind: string) => items.filter((i) => i.transition.kind === kind).length;
  const down = count('down');
  const up = count('up');
  const degraded = count('degraded');
  const recovered = count('recovered');
  const parts = [
    down ? t(language, { id: `${down} portal down`, en: `${down} portals down` }) : '',
    up ? t(language, { id: `${up} pulih`, en: `${up} back up` }) : '',
    degraded ? t(language, { id: `${degraded} terganggu`, en: `${degraded} degraded` }) : '',
    recovered ? t(language, { id: `${recovered} normal kembali`, en: `${recovered} back to normal` }) : '',
  ].filter(Boolean);
  const at = formatDateTime(Date.parse(items[0]!.transition.at), timezone, language);
  return {
    tone: down ? 'down' : degraded ? 'degraded' : 'up',
    title: [{ bold: parts.join(', ') }, ` — ${at}`],
    lines: sorted.map((item) => digestLine(item, language)),
    timestamp: items[0]!.transition.at,
  };
}

/** Renderings kept per batch: enough for the few distinct alerts most chats of a burst share. */
const RENDERINGS_PER_BATCH = 16;

/**
 * Wraps a platform's rendering of alerts so that the chats of one batch that get the same alert
 * (one portal down, 10,000 subscribers) share one rendering instead of 10,000. Keyed by the batch's
 * own transition objects (the outbox hands every chat of a batch the same ones), so a rendering
 * lives exactly as long as its batch.
 */
export function rememberRenderings<T>(render: (alert: Alert) => T): (alert: Alert) => T {
  const byFirstTransition = new WeakMap<object, Map<string, T>>();
  return (alert) => {
    const first = alert.items[0]?.transition;
    if (!first) return render(alert);
    let renderings = byFirstTransition.get(first);
    if (!renderings) byFirstTransition.set(first, (renderings = new Map()));
    let key = `${alert.language}|${alert.timezone}|${alert.publicUrl ?? ''}`;
    // Transition ids are unique within a batch.
    for (let i = 1; i < alert.items.length; i++) key += `|${alert.items[i]!.transition.id}`;
    const known = renderings.get(key);
    if (known !== undefined) return known;
    const rendered = render(alert);
    if (renderings.size < RENDERINGS_PER_BATCH) renderings.set(key, rendered);
    return rendered;
  };
}
