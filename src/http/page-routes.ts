import type { HistoryStore } from '../core/ports.js';
import type { Clock } from '../core/types.js';
import { pathSegment as segment, type HttpContext, type PageRenderers } from './server.js';
import { portalBadge, unknownBadge } from './pages/badge.js';
import type { PageDeps } from './pages/deps.js';
import { renderFeed } from './pages/feed.js';
import { createTimeText, pickLanguage } from './pages/html.js';
import { renderNotFound, renderPortalPage } from './pages/portal-page.js';
import { createStatusPageCaches, renderStatusPage } from './pages/status-page.js';


/**
 * The public pages beside the JSON API: the status page (`/`), one page per portal
 * (`/portal/:id`), embeddable badges (`/badge/:id.svg`) and an Atom feed of incidents
 * (`/feed.xml`). Server-rendered HTML and SVG, inline CSS, no script: small and fast on a phone.
 */
export function createPageRenderers(options: {
  history: HistoryStore;
  clock: Clock;
  timezone: string;
  publicUrl: string | null;
  affected?: PageDeps['affected'];
}): PageRenderers {
  const deps: PageDeps = {
    history: options.history,
    clock: options.clock,
    timeText: createTimeText(options.timezone),
    publicUrl: options.publicUrl,
    affected: options.affected,
  };
  const badge = async (ctx: HttpContext, match: RegExpExecArray, url: URL) => {
    const { language } = pickLanguage(url, ctx.defaultLanguage);
    const id = segment(match[1]!);
    const portal = id === null ? undefined : ctx.portal(id);
    // A short cache: embedding pages are busy news sites, the state changes within minutes.
    const headers = { 'cache-control': 'public, max-age=60' };
    const type = 'image/svg+xml; charset=utf-8';
    if (!portal) return { status: 404, body: unknownBadge(language), type, headers };
    const [view] = await ctx.status.views([portal]);
    return { status: 200, body: portalBadge(view!, language), type, headers };
  };

  const statusPageCaches = createStatusPageCaches();

  return {
    statusPage: (ctx, url) => renderStatusPage(deps, statusPageCaches, ctx, url),
    extraRoutes: [
      {
        pattern: /^\/portal\/([^/]+)$/,
        handle: async (ctx, match, url) => {
          const id = segment(match[1]!);
          return id === null ? renderNotFound(ctx, url, match[1]!) : renderPortalPage(deps, ctx, url, id);
        },
      },
      { pattern: /^\/badge\/([^/]+)\.svg$/, handle: badge },
      { pattern: /^\/feed\.xml$/, handle: (ctx, _match, url) => renderFeed(deps, ctx, url) },
    ],
  };
}
