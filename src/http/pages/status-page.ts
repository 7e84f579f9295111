import { canonicalProvince } from '../../core/catalog.js';
import { causeText, stateText } from '../../core/i18n.js';
import type { PortalView } from '../../core/status-service.js';
import { formatDuration, formatPercent } from '../../core/time.js';
import type { PortalState } from '../../core/types.js';
import type { HttpContext } from '../server.js';
import { BAR_DAYS, BAR_DEFS, barDays, dayBar } from './charts.js';
import { esc, layout, linker, pageText, pickLanguage, STATE_ORDER } from './html.js';
import type { PageDeps } from './deps.js';
import type { DailySummary } from '../../store/history-store.js';
import type { Language } from '../../core/delivery.js';

// A portal's 90-day bar changes only when its daily counts do (once per check cycle), while the
// page may be served many times in between: keep the last drawing per portal and language.
const barCache = new Map<string, { key: string; svg: string }>();

function cachedBar(portalId: string, days: ReturnType<typeof barDays>, summaries: DailySummary[], language: Language): string {
  let checks = 0;
  let failures = 0;
  for (const summary of summaries) {
    checks += summary.checks;
    failures += summary.failures;
  }
  const last = summaries.at(-1);
  const key = `${days.days[0]}|${days.days.length}|${summaries.length}|${checks}|${failures}|${last?.day ?? ''}`;
  const slot = `${portalId}|${language}`;
  const cached = barCache.get(slot);
  if (cached?.key === key) return cached.svg;
  const svg = dayBar(days, summaries, language).svg;
  barCache.set(slot, { key, svg });
  return svg;
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
export async function renderStatusPage(deps: PageDeps, ctx: HttpContext, url: URL): Promise<{ status: number; body: string }> {
  const { language, explicit } = pickLanguage(url, ctx.defaultLanguage);
  const t = pageText(language);
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
  if (health.offline) out.push(`<p class="banner" role="alert">${esc(t.offline)}</p>`);

  const down = counts.get('down') ?? 0;
  const updatedAt = lastChecked !== null ? Date.parse(lastChecked) : health.lastCycleFinishedAt;
  out.push(
    `<section class="summary" aria-labelledby="headline"><div class="headline"><span class="dot${down ? ' bad' : ''}" aria-hidden="true"></span>`,
    `<h1 id="headline">${esc(down ? t.someDown(down) : t.allNormal)}${askedProvince ? ` <span class="meta">· ${esc(askedProvince)}</span>` : ''}</h1></div>`,
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
    `<p class="updated">${esc(t.updated)}: ${updatedAt !== null ? esc(deps.timeText(updatedAt, language)) : esc(t.notChecked)}</p></section>`,
  );

  out.push(
    `<form class="filters" method="get" action="/" role="search" aria-label="${esc(t.filters)}">`,
    `<label>${esc(t.province)}<select name="province"><option value="">${esc(t.allProvinces)}</option>`,
  );
  for (const province of [...provinces].sort(collator.compare)) {
    const selected = askedProvince !== null && province.toLowerCase() === askedProvince.toLowerCase() ? ' selected' : '';
    out.push(`<option${selected}>${esc(province)}</option>`);
  }
  out.push(`</select></label><label>${esc(t.state)}<select name="state"><option value="">${esc(t.allStates)}</option>`);
  for (const state of STATE_ORDER) {
    out.push(`<option value="${state}"${state === askedState ? ' selected' : ''}>${esc(stateText(state, language))}</option>`);
  }
  out.push(
    '</select></label>',
    explicit ? `<input type="hidden" name="lang" value="${language}">` : '',
    `<button type="submit">${esc(t.apply)}</button><a href="${esc(link('/'))}">${esc(t.reset)}</a></form>`,
  );
  if (askedProvince !== null || askedState !== null) out.push(`<p class="showing" role="status">${esc(t.showing(shown.length, views.length))}</p>`);

  out.push(
    `<h2 class="sr-only">${esc(t.portals)}</h2>`,
    `<ul class="legend" aria-hidden="true"><li><i class="l-ok"></i>${esc(t.legendOk)}</li><li><i class="l-minor"></i>${esc(t.legendMinor)}</li>`,
    `<li><i class="l-major"></i>${esc(t.legendMajor)}</li><li><i class="l-none"></i>${esc(t.legendNone)}</li><li>${esc(t.barScale)}</li></ul>`,
  );
  if (shown.length === 0) out.push(`<p class="empty">${esc(t.noMatch)}</p>`);
  else {
    out.push(BAR_DEFS, '<ul class="grid">');
    // What every card repeats, escaped once; parts go straight into `out` (no per-card string).
    const portalSuffix = explicit ? `?lang=${language}` : '';
    const pill = new Map(STATE_ORDER.map((state) => [state, `<span class="pill s-${state}">${esc(stateText(state, language))}</span></div><p class="meta">`]));
    const sinceWord = `${esc(t.since)} `;
    const kodeError = ` · ${esc(t.errorCode)} <code>`;
    const [h24, d7, d30] = [t.h24, t.d7, t.d30].map(esc) as [string, string, string];
    for (const view of shown) {
      const since = Date.parse(view.since);
      const problem = view.state !== 'up' && view.state !== 'unknown';
      out.push(
        `<li class="card c-${view.state}"><div class="row"><h3><a href="/portal/${esc(encodeURIComponent(view.id))}${portalSuffix}">${esc(view.name)}</a></h3>`,
        pill.get(view.state)!,
        view.province ? `${esc(view.province)} · ` : '',
        sinceWord,
        esc(deps.timeText(since, language)),
        problem ? ` (${esc(formatDuration(now - since, language))})</p><p class="why">${esc(causeText(view.cause, language, view.httpStatus))}` : '',
        problem && view.errorCode ? `${kodeError}${esc(view.errorCode)}</code>` : '',
        '</p>',
        cachedBar(view.id, days, daily.get(view.id) ?? [], language),
        `<dl class="ups"><div><dt>${h24}</dt><dd>${formatPercent(view.uptime.h24, language)}</dd></div>`,
        `<div><dt>${d7}</dt><dd>${formatPercent(view.uptime.d7, language)}</dd></div>`,
        `<div><dt>${d30}</dt><dd>${formatPercent(view.uptime.d30, language)}</dd></div></dl></li>`,
      );
    }
    out.push('</ul>');
  }

  const params = { province: askedProvince, state: askedState };
  return { status: 200, body: layout({ language, title: down ? `(${down}) ${t.title}` : t.title, body: out, link, path: '/', params }) };
}
