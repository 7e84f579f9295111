import type { Incident, Language, Portal } from '../../core/types.js';
import { causeText, t } from '../../core/i18n.js';
import { statusPageBase } from '../../core/links.js';
import { formatDuration } from '../../core/time.js';
import type { HttpContext } from '../server.js';
import type { PageDeps } from './deps.js';
import { esc, PAGE_TEXT, pickLanguage } from './html.js';

/** Entries in the feed; readers keep what they have seen, so the newest are enough. */
const FEED_ENTRIES = 100;
/** Incidents read per portal: no portal can have more entries than this among the newest. */
const PER_PORTAL = FEED_ENTRIES / 2;

/**
 * Entry ids are tag URIs built from the incident id (`<portalId>:<seq>`, stable across restarts)
 * and the edge, so a reader never sees one event twice, whatever the feed's address.
 */
const entryId = (incident: Incident, edge: 'start' | 'end') => `tag:pantau-lpse,2024:incident/${encodeURIComponent(incident.id)}/${edge}`;

interface Entry {
  at: string;
  ms: number;
  edge: 'start' | 'end';
  incident: Incident;
  portal: Portal;
}

/**
 * GET /feed.xml: an Atom 1.0 feed of outages, one entry when an incident starts and one when it
 * ends, newest first, for people who follow outages without a chat app.
 */
export async function renderFeed(deps: PageDeps, ctx: HttpContext, url: URL): Promise<{ status: number; body: string; type: string; headers: Record<string, string> }> {
  const { language } = pickLanguage(url, ctx.defaultLanguage);
  const words = t(language, PAGE_TEXT);
  const portals = ctx.status.watchedPortals();
  const lists = await Promise.all(portals.map((portal) => deps.history.incidents(portal.id, PER_PORTAL)));
  const entries: Entry[] = [];
  lists.forEach((incidents, index) => {
    const portal = portals[index]!;
    for (const incident of incidents) {
      entries.push({ at: incident.startedAt, ms: Date.parse(incident.startedAt), edge: 'start', incident, portal });
      if (incident.endedAt) entries.push({ at: incident.endedAt, ms: Date.parse(incident.endedAt), edge: 'end', incident, portal });
    }
  });
  // Newest first; an incident's end sorts before its start when both carry the same instant.
  entries.sort((a, b) => b.ms - a.ms || (a.edge === b.edge ? a.incident.id.localeCompare(b.incident.id) : a.edge === 'end' ? -1 : 1));
  const newest = entries.slice(0, FEED_ENTRIES);

  const base = statusPageBase(deps.publicUrl) ?? '';
  const lang = language === 'en' ? '?lang=en' : '';
  const updated = newest[0]?.at ?? new Date(deps.clock.now()).toISOString();
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${language}">`,
    `<id>tag:pantau-lpse,2024:feed/incidents</id>`,
    `<title>${esc(language === 'id' ? 'Pantau LPSE: gangguan portal' : 'Pantau LPSE: portal outages')}</title>`,
    `<subtitle>${esc(words.tagline)}</subtitle>`,
    `<updated>${esc(updated)}</updated>`,
    '<author><name>pantau-lpse</name></author>',
    '<generator>pantau-lpse</generator>',
    `<link rel="self" type="application/atom+xml" href="${esc(`${base}/feed.xml${lang}`)}"/>`,
    `<link rel="alternate" type="text/html" href="${esc(`${base}/${lang}`)}"/>`,
  ];
  for (const entry of newest) out.push(feedEntry(entry, language, base, lang, deps));
  out.push('</feed>');
  return {
    status: 200,
    body: out.join('\n'),
    type: 'application/atom+xml; charset=utf-8',
    headers: { 'cache-control': 'public, max-age=60' },
  };
}

function feedEntry(entry: Entry, language: Language, base: string, lang: string, deps: PageDeps): string {
  const { incident, portal } = entry;
  const words = t(language, PAGE_TEXT);
  const cause = causeText(incident.cause, language, incident.httpStatus);
  const when = deps.timeText(entry.ms, language);
  let title: string;
  const lines: string[] = [];
  if (entry.edge === 'start') {
    title = language === 'id' ? `${portal.name} down: ${cause}` : `${portal.name} is down: ${cause}`;
    lines.push(`${words.started}: ${when}`, `${words.cause}: ${cause}`);
  } else {
    const duration = formatDuration(incident.durationMs ?? 0, language);
    title = language === 'id' ? `${portal.name} kembali normal setelah ${duration}` : `${portal.name} is back up after ${duration}`;
    lines.push(
      `${words.ended}: ${when}`,
      `${words.started}: ${deps.timeText(Date.parse(incident.startedAt), language)}`,
      `${words.duration}: ${duration}`,
      `${words.cause}: ${cause}`,
    );
  }
  if (incident.errorCode) lines.push(`${words.errorCode}: ${incident.errorCode}`);
  if (incident.errorCodeEstimate) {
    lines.push(`${words.estimate}: ≈ ${deps.timeText(Date.parse(incident.errorCodeEstimate), language)} (${words.estimateNote})`);
  }
  const href = `${base}/portal/${encodeURIComponent(portal.id)}${lang}`;
  return [
    '<entry>',
    `<id>${esc(entryId(incident, entry.edge))}</id>`,
    `<title>${esc(title)}</title>`,
    `<updated>${esc(entry.at)}</updated>`,
    `<published>${esc(entry.at)}</published>`,
    `<link rel="alternate" type="text/html" href="${esc(href)}"/>`,
    `<category term="${entry.edge === 'start' ? 'down' : 'up'}"/>`,
    `<content type="text">${esc(lines.join('\n'))}</content>`,
    '</entry>',
  ].join('');
}
