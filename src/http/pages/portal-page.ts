import { causeText, stateText, t } from '../../core/i18n.js';
import { formatDuration, formatPercent } from '../../core/time.js';
import type { StageOccurrence } from '../../core/tenders/types.js';
import type { Incident, Language } from '../../core/types.js';
import type { HttpContext } from '../server.js';
import { BAR_DAYS, barDays, dayBar, dayText, latencyChart } from './charts.js';
import type { PageDeps } from './deps.js';
import { esc, layout, linker, PAGE_TEXT, pickLanguage, type PageText, type TimeText } from './html.js';

const fact = (label: string, html: string) => `<div><dt>${esc(label)}</dt><dd>${html}</dd></div>`;

/** The 404 page for a portal id nobody watches. */
export function renderNotFound(ctx: HttpContext, url: URL, id: string): { status: number; body: string; type: string } {
  const { language, explicit } = pickLanguage(url, ctx.defaultLanguage);
  const words = t(language, PAGE_TEXT);
  const link = linker(language, explicit);
  const body =
    `<a class="back" href="${esc(link('/'))}">← ${esc(words.back)}</a>` +
    `<section class="card"><h1>${esc(words.notFoundTitle)}</h1><p class="lead">${esc(words.notFoundText(id))}</p></section>`;
  return { status: 404, body: layout({ language, title: words.notFoundTitle, body: [body], link, path: url.pathname }), type: 'text/html; charset=utf-8' };
}

/**
 * GET /portal/:id: the portal's state and why, uptime with the 90-day bar (a title per day), the
 * hourly latency chart with a table alternative, and the incident timeline with causes, error codes
 * and the decoded Kode Error (labelled as an estimate), plus the CSV link.
 */
export async function renderPortalPage(deps: PageDeps, ctx: HttpContext, url: URL, id: string): Promise<{ status: number; body: string; type: string }> {
  const portal = ctx.portal(id);
  if (!portal) return renderNotFound(ctx, url, id);
  const { language, explicit } = pickLanguage(url, ctx.defaultLanguage);
  const words = t(language, PAGE_TEXT);
  const link = linker(language, explicit);
  const now = deps.clock.now();
  const time = (iso: string) => `<time datetime="${esc(iso)}">${esc(deps.timeText(Date.parse(iso), language))}</time>`;
  const [view, daily] = await Promise.all([ctx.status.detail(portal), deps.history.daily(portal.id, now, BAR_DAYS)]);

  const out: string[] = [`<a class="back" href="${esc(link('/'))}">← ${esc(words.back)}</a><div class="stack">`];
  const problem = view.state !== 'up' && view.state !== 'unknown';
  const since = Date.parse(view.since);
  const facts = [
    fact(words.address, /^https?:\/\//.test(view.url) ? `<a href="${esc(view.url)}" rel="noopener nofollow">${esc(view.url)}</a>` : esc(view.url)),
    ...(view.province ? [fact(words.province, esc(view.province))] : []),
    fact(words.sinceLabel, `${time(view.since)} (${esc(formatDuration(now - since, language))})`),
    fact(words.lastChecked, view.lastCheckedAt ? time(view.lastCheckedAt) : esc(words.notChecked)),
    ...(view.latencyMs !== null ? [fact(words.lastLatency, `${Math.round(view.latencyMs)} ms`)] : []),
    ...(view.httpStatus !== null ? [fact(words.httpStatus, String(view.httpStatus))] : []),
    ...(view.errorCode ? [fact(words.errorCode, `<code>${esc(view.errorCode)}</code>`)] : []),
    ...(view.errorCodeEstimate ? [fact(words.estimate, estimate(view.errorCodeEstimate, words, time))] : []),
  ];
  out.push(
    `<section class="card hero"><div class="row"><h1>${esc(view.name)}</h1><span class="pill s-${view.state}">${esc(stateText(view.state, language))}</span></div>`,
    problem ? `<p class="lead">${esc(words.cause)}: ${esc(causeText(view.cause, language, view.httpStatus))}</p>` : '',
    `<dl class="facts">${facts.join('')}</dl></section>`,
  );

  const bar = dayBar(barDays(now), daily, language, { titled: true, dayText: (day) => dayText(day, language) });
  const stat = (label: string, value: string) => `<div class="stat"><span>${esc(label)}</span><b>${esc(value)}</b></div>`;
  out.push(
    `<section class="card big" aria-labelledby="uptime-h"><h2 id="uptime-h">${esc(words.uptime)}</h2><div class="stats">`,
    stat(words.h24, formatPercent(view.uptime.h24, language)),
    stat(words.d7, formatPercent(view.uptime.d7, language)),
    stat(words.d30, formatPercent(view.uptime.d30, language)),
    stat(words.d90, formatPercent(bar.uptime, language)),
    '</div>',
    `<ul class="legend" aria-hidden="true"><li><i class="l-ok"></i>${esc(words.legendOk)}</li><li><i class="l-minor"></i>${esc(words.legendMinor)}</li>`,
    `<li><i class="l-major"></i>${esc(words.legendMajor)}</li><li><i class="l-none"></i>${esc(words.legendNone)}</li></ul>`,
    bar.svg,
    `<div class="scale" aria-hidden="true"><span>${esc(words.daysAgo)}</span><span>${esc(words.today)}</span></div>`,
    `<p class="note" aria-hidden="true">${esc(words.barLabel(bar.counts.ok, bar.counts.minor, bar.counts.major, bar.counts.none, formatPercent(bar.uptime, language)))}</p></section>`,
  );

  const chart = latencyChart(view.latency.hourly, now, language, deps.timeText);
  const percentile = (value: number | null) => (value === null ? '–' : `≤ ${value} ms`);
  out.push(
    `<section class="card" aria-labelledby="latency-h"><h2 id="latency-h">${esc(words.latencyTitle)}</h2>`,
    `<div class="stats">${stat('p50', percentile(view.latency.p50))}${stat('p95', percentile(view.latency.p95))}${stat('p99', percentile(view.latency.p99))}</div>`,
    chart.svg,
    `<p class="note" aria-hidden="true">${esc(chart.summary)}</p>`,
    `<details><summary>${esc(words.latencyTable)}</summary>${chart.table}</details></section>`,
  );

  const csv = `/api/portals/${encodeURIComponent(portal.id)}/incidents.csv`;
  out.push(
    `<section class="card" aria-labelledby="incidents-h"><div class="head2"><h2 id="incidents-h">${esc(words.incidents)}</h2>`,
    `<a href="${esc(csv)}" download>${esc(words.csv)}</a></div>`,
  );
  if (view.incidents.length === 0) out.push(`<p class="note">${esc(words.noIncidents)}</p>`);
  else {
    out.push('<ol class="timeline">');
    const affected = await Promise.all(view.incidents.map((incident) => deps.affected?.(incident) ?? Promise.resolve([])));
    view.incidents.forEach((incident, i) => out.push(incidentItem(incident, now, language, time, affected[i]!, deps.timeText)));
    out.push('</ol>');
  }
  out.push('</section></div>');

  return {
    status: 200,
    body: layout({ language, title: `${view.name} · ${stateText(view.state, language)} · ${words.title}`, body: out, link, path: url.pathname }),
    type: 'text/html; charset=utf-8',
  };
}

function estimate(iso: string, words: PageText, time: (iso: string) => string): string {
  return `≈ ${time(iso)} <span class="est">(${esc(words.estimateNote)})</span>`;
}

/** Stages listed under one incident; the rest are in its CSV. */
const STAGES_SHOWN = 10;

/** The tender stages an incident hit, soonest end first, with the link to its evidence CSV. */
function affectedList(incident: Incident, stages: readonly StageOccurrence[], language: Language, timeText: TimeText): string {
  if (stages.length === 0) return '';
  const words = t(language, PAGE_TEXT);
  const csv = `/api/portals/${encodeURIComponent(incident.portalId)}/incidents/${encodeURIComponent(incident.id)}/affected.csv`;
  const items = stages.slice(0, STAGES_SHOWN).map(
    (s) =>
      `<li>${s.bidSubmission ? '📥 ' : ''}<b>${esc(s.stage)}</b> — ${esc(s.name)} (<code>${esc(s.kode)}</code>), ${esc(words.stageEnded)} <time datetime="${new Date(s.end).toISOString()}">${esc(timeText(s.end, language))}</time></li>`,
  );
  const more = stages.length > STAGES_SHOWN ? `<li>${esc(words.moreStages(stages.length - STAGES_SHOWN))}</li>` : '';
  return `<details class="affected"><summary>${esc(words.affectedStages(stages.length))}</summary><ul>${items.join('')}${more}</ul><a href="${esc(csv)}" download>${esc(words.affectedCsv)}</a></details>`;
}

function incidentItem(incident: Incident, now: number, language: Language, time: (iso: string) => string, stages: readonly StageOccurrence[], timeText: TimeText): string {
  const words = t(language, PAGE_TEXT);
  const open = incident.endedAt === null;
  const duration = incident.durationMs ?? now - Date.parse(incident.startedAt);
  const facts = [
    fact(words.started, time(incident.startedAt)),
    fact(words.ended, incident.endedAt ? time(incident.endedAt) : '–'),
    fact(words.duration, esc(formatDuration(duration, language))),
    ...(incident.httpStatus !== null ? [fact(words.httpStatus, String(incident.httpStatus))] : []),
    ...(incident.errorCode ? [fact(words.errorCode, `<code>${esc(incident.errorCode)}</code>`)] : []),
    ...(incident.errorCodeEstimate ? [fact(words.estimate, estimate(incident.errorCodeEstimate, words, time))] : []),
    fact(words.checksFailed, String(incident.checksFailed)),
  ];
  return (
    `<li class="${open ? 'open' : 'done'}"><p><span class="tag ${open ? 'open' : 'done'}">${esc(open ? words.ongoing : words.resolved)}</span>` +
    `<b>${esc(causeText(incident.cause, language, incident.httpStatus))}</b></p><dl class="facts">${facts.join('')}</dl>${affectedList(incident, stages, language, timeText)}</li>`
  );
}
