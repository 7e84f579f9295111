import type { AppServices } from '../app.js';
import type { PageRenderers } from './server.js';
import { stateText } from '../core/i18n.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML pages served beside the JSON API. */
export function createPageRenderers(_services: AppServices): PageRenderers {
  return {
    async statusPage(ctx) {
      const views = await ctx.status.list();
      const rows = views
        .map((v) => `<tr><td>${escapeHtml(v.name)}</td><td>${escapeHtml(stateText(v.state, 'id'))}</td><td>${escapeHtml(v.since)}</td></tr>`)
        .join('');
      return { status: 200, body: `<!doctype html><html lang="id"><meta charset="utf-8"><title>Status LPSE</title><table>${rows}</table></html>` };
    },
  };
}
