import { canonicalProvince } from '../../core/catalog/index.js';
import { causeText, stateText, t } from '../../core/i18n.js';
import type { PortalView } from '../../core/status-service.js';
import { formatDuration, formatPercent } from '../../core/time.js';
import type { Language, PortalState } from '../../core/types.js';
import type { HttpContext } from '../server.js';
import { BAR_DAYS, BAR_DEFS, barDays, dayBar } from './charts.js';
import { esc, layout, linker, PAGE_TEXT, pickLanguage, STATE_ORDER } from './html.js';
import type { PageDeps } from './deps.js';
import type { DailySummary } from '../../core/stats.js';

// A portal's 90-day bar changes only when its daily counts do (once per check cycle), while the
// page may be served many times in between: keep the last drawing per portal and language. The
// inputs are compared field by field, so a hit allocates nothing.
interface CachedBar {
  firstDay: string;
  lastDay: string;
  summaries: number;
  checks: number;
  failures: number;
  svg: string;
}
function cachedBar(barCache: StatusPageCaches['bars'], portalId: string, days: ReturnType<typeof barDays>, summaries: DailySummary[], language: Language): string {
  let checks = 0;
  let failures = 0;
  for (const summary of summaries) {
    checks += summary.checks;
    failures += summary.failures;
  }
  const firstDay = days.days[0]!;
  const lastDay = summaries.at(-1)?.day ?? '';
  const cached = barCache[language].get(portalId);
  if (
    cached &&
    cached.firstDay === firstDay &&
    cached.lastDay === lastDay &&
    cached.summaries === summaries.length &&
    cached.checks === checks &&
    cached.failures === failures
  ) {
    return cached.svg;
  }
  const svg = dayBar(days, summaries, language).svg;
  barCache[language].set(portalId, { firstDay, lastDay, summaries: summaries.length, checks, failures, svg });
  return svg;
}

/**
 * A portal's card as last drawn, with what it was drawn from. Most cards (the portals that are up)
 * read the same from one view to the next; redrawing 600 of them made each view allocate megabytes.
 */
interface CachedCard {
  view: PortalView;
  duration: string;
  bar: string;
  html: string;
}
/** What one status page renderer keeps between views: bars per language, cards per language and
 * with or without `?lang=` in their links. Bounded by the number of portals. */
export interface StatusPageCaches {
  bars: Record<Language, Map<string, CachedBar>>;
  cards: Record<Language, [Map<string, CachedCard>, Map<string, CachedCard>]>;
}

export function createStatusPageCaches(): StatusPageCaches {
  return { bars: { id: new Map(), en: new Map() }, cards: { id: [new Map(), new Map()], en: [new Map(), new Map()] } };
}

/** How many vantage points vote on a portal (shown only where probes report). */
const votingCount = (view: PortalView) => (view.vantages.length > 1 ? view.vantages.filter((v) => v.voting).length : 0);

function sameCard(cached: CachedCard, view: PortalView, duration: string, bar: string): boolean {
  const a = cached.view;
  return (
    a.name === view.name &&
    a.province === view.province &&
    a.state === view.state &&
    a.since === view.since &&
    a.cause === view.cause &&
    a.httpStatus === view.httpStatus &&
    a.errorCode === view.errorCode &&
    a.uptime.h24 === view.uptime.h24 &&
    a.uptime.d7 === view.uptime.d7 &&
    a.uptime.d30 === view.uptime.d30 &&
    votingCount(a) === votingCount(view) &&
    cached.duration === duration &&
    cached.bar === bar
  );
}

/** States always counted in the summary, even at zero; the others only when present. */
const SUMMARY_STATES: ReadonlySet<PortalState> = new Set(['down', 'degraded', 'up', 'blocked']);
const collator = new Intl.Collator('id', { sensitivity: 'base', numeric: true });

/** Province names as the catalog writes them, so `?province=jatim` and `Jawa Timur` are one. */
function createProvinceKey() {
  const known = new Map<string, string>();
  return (text: string | null): string | null => {
    if (text === null || text.trim() === '') return null;
    let key = known.get(text);
    if (key === undefined) {
      key = canonicalProvince(text) ?? text.trim();
      known.set(text, key);
    }
    return key;
  };
}

/**
 * GET /: every watched portal, broken ones first, with its state, since when, uptime and the 90-day
 * bar; a summary on top and a filter form (province, state) that works without JavaScript.
 * Linear in the number of portals: one bulk read for states and uptime, one for daily summaries.
 */
export async function renderStatusPage(
  deps: PageDeps,
  caches: StatusPageCaches,
  ctx: HttpContext,
  url: URL,
): Promise<{ status: number; body: string }> {
  const { language, explicit } = pickLanguage(url, ctx.defaultLanguage);
  const words = t(language, PAGE_TEXT);
  const link = linker(language, explicit);
  const now = deps.clock.now();
  const portals = ctx.status.watchedPortals();
  const ids = portals.map((p) => p.id);
  const [views, daily] = await Promise.all([ctx.status.views(portals), deps.history.dailyMany(ids, now, BAR_DAYS)]);

  const provinceKey = createProvinceKey();
  const askedProvince = provinceKey(url.searchParams.get('province'));
  const askedStateText = url.searchParams.get('state') ?? '';
  const askedState = (STATE_ORDER as readonly string[]).includes(askedStateText) ? (askedStateText as PortalState) : null;

  const provinces = new Set<string>();
  const inProvince: PortalView[] = [];
  let lastChecked: string | null = null;
  for (const view of views) {
    const province = provinceKey(view.province);
    if (province) provinces.add(province);
    if (view.lastCheckedAt !== null && (lastChecked === null || view.lastCheckedAt > lastChecked)) lastChecked = view.lastCheckedAt;
    if (askedProvince === null || (province !== null && province.toLowerCase() === askedProvince.toLowerCase())) inProvince.push(view);
  }
  const counts = new Map<PortalState, number>();
  for (const view of inProvince) counts.set(view.state, (counts.get(view.state) ?? 0) + 1);
  const rank = new Map(STATE_ORDER.map((state, index) => [state, index]));
  // Sort keys computed once: a collator call per comparison costs milliseconds over 600 portals.
  const shown = (askedState ? inProvince.filter((v) => v.state === askedState) : inProvince)
    .map((view) => ({ view, rank: rank.get(view.state)!, key: view.name.toLocaleLowerCase('id') }))
    .sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.view);

  const days = barDays(now);
  const out: string[] = [];
  const health = ctx.health();
  if (health.offline) out.push(`<p class="banner" role="alert">${esc(words.offline)}</p>`);

  const down = counts.get('down') ?? 0;
  const updatedAt = lastChecked !== null ? Date.parse(lastChecked) : health.lastCycleFinishedAt;
  out.push(
    `<section class="summary" aria-labelledby="headline"><div class="headline"><span class="dot${down ? ' bad' : ''}" aria-hidden="true"></span>`,
    `<h1 id="headline">${esc(down ? words.someDown(down) : words.allNormal)}${askedProvince ? ` <span class="meta">· ${esc(askedProvince)}</span>` : ''}</h1></div>`,
    '<ul class="counts">',
  );
  for (const state of STATE_ORDER) {
    const count = counts.get(state) ?? 0;
    if (count === 0 && !SUMMARY_STATES.has(state)) continue;
    const href = link('/', { province: askedProvince, state });
    out.push(`<li><a href="${esc(href)}"><span class="sw s-${state}" aria-hidden="true"></span>${esc(stateText(state, language))} <b>${count}</b></a></li>`);
  }
  out.push(
    '</ul>',
    `<p class="updated">${esc(words.updated)}: ${updatedAt !== null ? esc(deps.timeText(updatedAt, language)) : esc(words.notChecked)}</p></section>`,
  );

  out.push(
    `<form class="filters" method="get" action="/" role="search" aria-label="${esc(words.filters)}">`,
    `<label>${esc(words.province)}<select name="province"><option value="">${esc(words.allProvinces)}</option>`,
  );
  for (const province of [...provinces].sort(collator.compare)) {
    const selected = askedProvince !== null && province.toLowerCase() === askedProvince.toLowerCase() ? ' selected' : '';
    out.push(`<option${selected}>${esc(province)}</option>`);
  }
  out.push(`</select></label><label>${esc(words.state)}<select name="state"><option value="">${esc(words.allStates)}</option>`);
  for (const state of STATE_ORDER) {
    out.push(`<option value="${state}"${state === askedState ? ' selected' : ''}>${esc(stateText(state, language))}</option>`);
  }
  out.push(
    '</select></label>',
    explicit ? `<input type="hidden" name="lang" value="${language}">` : '',
    `<button type="submit">${esc(words.apply)}</button><a href="${esc(link('/'))}">${esc(words.reset)}</a></form>`,
  );
  if (askedProvince !== null || askedState !== null) out.push(`<p class="showing" role="status">${esc(words.showing(shown.length, views.length))}</p>`);

  out.push(
    `<h2 class="sr-only">${esc(words.portals)}</h2>`,
    `<ul class="legend" aria-hidden="true"><li><i class="l-ok"></i>${esc(words.legendOk)}</li><li><i class="l-minor"></i>${esc(words.legendMinor)}</li>`,
    `<li><i class="l-major"></i>${esc(words.legendMajor)}</li><li><i class="l-none"></i>${esc(words.legendNone)}</li><li>${esc(words.barScale)}</li></ul>`,
  );
  if (shown.length === 0) out.push(`<p class="empty">${esc(words.noMatch)}</p>`);
  else {
    out.push(BAR_DEFS, '<ul class="grid">');
    const cards = caches.cards[language][explicit ? 1 : 0];
    const draw = cardDrawer(deps, language, explicit);
    for (const view of shown) {
      const problem = view.state !== 'up' && view.state !== 'unknown';
      const duration = problem ? formatDuration(now - Date.parse(view.since), language) : '';
      const bar = cachedBar(caches.bars, view.id, days, daily.get(view.id) ?? [], language);
      let card = cards.get(view.id);
      if (!card || !sameCard(card, view, duration, bar)) {
        card = { view, duration, bar, html: draw(view, problem, duration, bar) };
        cards.set(view.id, card);
      }
      out.push(card.html);
    }
    out.push('</ul>');
  }

  const params = { province: askedProvince, state: askedState };
  return { status: 200, body: layout({ language, title: down ? `(${down}) ${words.title}` : words.title, body: out, link, path: '/', params }) };
}

/** Draws one card; what every card repeats is escaped once per page. */
function cardDrawer(deps: PageDeps, language: Language, explicit: boolean) {
  const words = t(language, PAGE_TEXT);
  const portalSuffix = explicit ? `?lang=${language}` : '';
  const sinceWord = `${esc(words.since)} `;
  const kodeError = ` · ${esc(words.errorCode)} <code>`;
  const [h24, d7, d30] = [words.h24, words.d7, words.d30].map(esc) as [string, string, string];
  return (view: PortalView, problem: boolean, duration: string, bar: string): string =>
    // Joined from parts: one flat string, not a chain of concatenations kept alive by the cache.
    [
      `<li class="card c-${view.state}"><div class="row"><h3><a href="/portal/${esc(encodeURIComponent(view.id))}${portalSuffix}">${esc(view.name)}</a></h3>`,
      `<span class="pill s-${view.state}">${esc(stateText(view.state, language))}</span></div><p class="meta">`,
      view.province ? `${esc(view.province)} · ` : '',
      sinceWord,
      esc(deps.timeText(Date.parse(view.since), language)),
      problem ? ` (${esc(duration)})</p><p class="why">${esc(causeText(view.cause, language, view.httpStatus))}` : '',
      problem && view.errorCode ? `${kodeError}${esc(view.errorCode)}</code>` : '',
      votingCount(view) ? ` · ${esc(words.seenFrom(votingCount(view)))}` : '',
      '</p>',
      bar,
      `<dl class="ups"><div><dt>${h24}</dt><dd>${formatPercent(view.uptime.h24, language)}</dd></div>`,
      `<div><dt>${d7}</dt><dd>${formatPercent(view.uptime.d7, language)}</dd></div>`,
      `<div><dt>${d30}</dt><dd>${formatPercent(view.uptime.d30, language)}</dd></div></dl></li>`,
    ].join('');
}
