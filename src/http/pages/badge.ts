import type { Language, PortalState } from '../../core/types.js';
import { stateText } from '../../core/i18n.js';
import type { PortalView } from '../../core/status-service.js';
import { formatPercent } from '../../core/time.js';
import { esc } from './html.js';

/** Badge colours (white text on each passes 4.5:1), as shields.io's flat style uses them. */
const COLOUR: Record<PortalState, string> = {
  up: '#067647',
  degraded: '#a15c07',
  down: '#b42318',
  blocked: '#555f6e',
  maintenance: '#175cd3',
  unknown: '#5d6b82',
};

// Verdana 11 px advance widths (px) of ASCII; everything else counts as a wide letter. The SVG's
// `textLength` makes the text fit exactly, so a small error only changes padding.
const NARROW = new Map<string, number>([
  [' ', 3.9], ['!', 4.3], ['"', 5.1], ["'", 3], ['(', 5.4], [')', 5.4], [',', 4], ['-', 5.4], ['.', 4], ['/', 5.4],
  [':', 5.4], [';', 5.4], ['I', 4.7], ['J', 5.5], ['f', 4.3], ['i', 3.4], ['j', 4.1], ['l', 3.4], ['r', 5.2], ['t', 4.7],
  ['|', 5.4], ['%', 11.9], ['m', 11.3], ['w', 9.6], ['M', 9.5], ['W', 11.4], ['·', 4],
]);

export function textWidth(text: string): number {
  let width = 0;
  for (const c of text) {
    const known = NARROW.get(c);
    if (known !== undefined) width += known;
    else if (c >= '0' && c <= '9') width += 7;
    else if (c >= 'A' && c <= 'Z') width += 7.6;
    else if (c >= 'a' && c <= 'z') width += 6.7;
    else width += 8;
  }
  return width;
}

function flatBadge(label: string, message: string, colour: string, title: string): string {
  const lw = Math.round(textWidth(label) + 10);
  const mw = Math.round(textWidth(message) + 10);
  const w = lw + mw;
  // shields.io draws text at 10× and scales down: crisper at small sizes.
  const text = (x: number, content: string, width: number) =>
    `<text aria-hidden="true" x="${x * 10}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${width * 10}">${esc(content)}</text>` +
    `<text x="${x * 10}" y="140" transform="scale(.1)" fill="#fff" textLength="${width * 10}">${esc(content)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>` +
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>' +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${colour}"/><rect width="${w}" height="20" fill="url(#s)"/></g>` +
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">' +
    `${text(lw / 2, label, lw - 10)}${text(lw + mw / 2, message, mw - 10)}</g></svg>`
  );
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `LPSE Kabupaten Gresik | Normal · 99,95% 30 hari`: the state and the 30-day uptime (when known). */
export function portalBadge(view: PortalView, language: Language): string {
  const state = stateText(view.state, language);
  const uptime = formatPercent(view.uptime.d30, language);
  const period = language === 'id' ? '30 hari' : '30 days';
  // Without checks in the period there is no uptime to show, only the state.
  if (view.uptime.d30 === null) return flatBadge(shorten(view.name, 40), state, COLOUR[view.state], `${view.name}: ${state}`);
  const title = `${view.name}: ${state}, uptime ${period} ${uptime}`;
  return flatBadge(shorten(view.name, 40), `${state} · ${uptime} ${period}`, COLOUR[view.state], title);
}

/** The badge of an id nobody watches (served with 404, still an image for the page embedding it). */
export function unknownBadge(language: Language): string {
  const message = language === 'id' ? 'portal tidak dikenal' : 'unknown portal';
  return flatBadge('LPSE', message, COLOUR.unknown, `LPSE: ${message}`);
}
