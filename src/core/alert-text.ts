import type { Line, Reply } from './reply.js';
import type { Alert, AlertItem, Language } from './delivery.js';
import { causeText } from './i18n.js';
import { formatDateTime, formatDuration } from './time.js';

const tr = (language: Language, id: string, en: string) => (language === 'id' ? id : en);
const shortName = (name: string) => name.replace(/^LPSE\s+/, '');

function headline(item: AlertItem, language: Language): Line {
  const { transition: t, portal } = item;
  switch (t.kind) {
    case 'down':
      return ['🔴 ', { bold: portal.name }, tr(language, ' DOWN', ' is DOWN')];
    case 'up':
      return ['🟢 ', { bold: portal.name }, tr(language, ' pulih', ' is back UP')];
    case 'degraded':
      return ['🟡 ', { bold: portal.name }, tr(language, ' terganggu', ' is degraded')];
    default:
      return ['🟢 ', { bold: portal.name }, tr(language, ' normal kembali', ' is back to normal')];
  }
}

function causeLine(item: AlertItem, language: Language, zone: string): Line[] {
  const t = item.transition;
  const when = (iso: string) => formatDateTime(Date.parse(iso), zone, language);
  if (t.kind === 'up') {
    const lines: Line[] = [];
    if (t.outageDurationMs !== null && t.outageStartedAt) {
      lines.push([tr(language, 'Down selama ', 'Down for '), { bold: formatDuration(t.outageDurationMs, language) }, tr(language, ` (sejak ${when(t.outageStartedAt)})`, ` (since ${when(t.outageStartedAt)})`)]);
    }
    if (t.outageCause) {
      const code: Line = t.outageErrorCode ? [', ', { code: `Kode Error ${t.outageErrorCode}` }] : [];
      lines.push([tr(language, 'Penyebab: ', 'Cause: '), causeText(t.outageCause, language), ...code]);
    }
    return lines;
  }
  const lines: Line[] = [[tr(language, 'Penyebab: ', 'Cause: '), causeText(t.cause, language, t.httpStatus)]];
  if (t.errorCode) {
    const estimate = t.errorCodeEstimate ? tr(language, ` (perkiraan aplikasi mulai gagal: ${when(t.errorCodeEstimate)})`, ` (estimated start of the failing instance: ${when(t.errorCodeEstimate)})`) : '';
    lines.push([{ code: `Kode Error : ${t.errorCode}` }, estimate]);
  }
  const since = t.kind === 'down' ? (t.outageStartedAt ?? t.at) : t.at;
  lines.push([tr(language, 'Sejak: ', 'Since: '), when(since)]);
  return lines;
}

/** One line per portal for digests. */
function digestLine(item: AlertItem, language: Language): Line {
  const t = item.transition;
  const name = { bold: shortName(item.portal.name) };
  switch (t.kind) {
    case 'down':
      return ['🔴 ', name, ` — ${causeText(t.cause, language, t.httpStatus)}`, ...(t.errorCode ? [' ', { code: t.errorCode }] : [])];
    case 'up':
      return ['🟢 ', name, tr(language, ' pulih', ' back up'), t.outageDurationMs !== null ? tr(language, ` setelah ${formatDuration(t.outageDurationMs, language)}`, ` after ${formatDuration(t.outageDurationMs, language)}`) : ''];
    case 'degraded':
      return ['🟡 ', name, ` — ${causeText(t.cause, language)}`];
    default:
      return ['🟢 ', name, tr(language, ' normal kembali', ' back to normal')];
  }
}

/**
 * Renders an alert as a neutral Reply: one portal in detail, or a digest (down ones first) when a
 * cycle changed several portals for this chat. Platforms cut digests to their size limits.
 */
export function alertReply(alert: Alert): Reply {
  const { language, timezone, items } = alert;
  const link = (portalId: string, url: string): Line =>
    alert.publicUrl ? [{ link: tr(language, 'Buka portal', 'Open portal'), url }, ' · ', { link: tr(language, 'Halaman status', 'Status page'), url: `${alert.publicUrl.replace(/\/$/, '')}/portal/${portalId}` }] : [{ link: tr(language, 'Buka portal', 'Open portal'), url }];
  const tone = (kind: string): NonNullable<Reply['tone']> => (kind === 'down' ? 'down' : kind === 'degraded' ? 'degraded' : 'up');

  if (items.length === 1) {
    const item = items[0]!;
    return {
      tone: tone(item.transition.kind),
      title: headline(item, language),
      lines: [...causeLine(item, language, timezone), link(item.portal.id, item.portal.url)],
    };
  }
  const order = { down: 0, degraded: 1, up: 2, recovered: 3, silent: 4 } as const;
  const sorted = [...items].sort((a, b) => order[a.transition.kind] - order[b.transition.kind] || a.portal.name.localeCompare(b.portal.name));
  const count = (kind: string) => items.filter((i) => i.transition.kind === kind).length;
  const parts = [
    count('down') ? tr(language, `${count('down')} portal down`, `${count('down')} portals down`) : '',
    count('up') ? tr(language, `${count('up')} pulih`, `${count('up')} back up`) : '',
    count('degraded') ? tr(language, `${count('degraded')} terganggu`, `${count('degraded')} degraded`) : '',
    count('recovered') ? tr(language, `${count('recovered')} normal kembali`, `${count('recovered')} back to normal`) : '',
  ].filter(Boolean);
  const at = formatDateTime(Date.parse(items[0]!.transition.at), timezone, language);
  return {
    tone: count('down') ? 'down' : count('degraded') ? 'degraded' : 'up',
    title: [{ bold: parts.join(', ') }, ` — ${at}`],
    lines: sorted.map((item) => digestLine(item, language)),
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
