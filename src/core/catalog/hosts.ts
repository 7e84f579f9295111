/** Hosts and URLs that name a portal (`lpse.gresikkab.go.id/eproc4`, `spse.inaproc.id/gresikkab`). */

const SECOND_LEVEL = new Set(['go', 'co', 'ac', 'mil', 'or', 'sch', 'web', 'desa', 'my', 'net', 'biz']);
const TOP_LEVEL = new Set(['id', 'net', 'org', 'com', 'info']);

/**
 * The word that names a portal inside its own host: `lpse.gresikkab.go.id` → `gresikkab`,
 * `www.lpse.kemenkeu.go.id` → `kemenkeu`, `lpse-haltimkab.go.id` → `haltimkab`. Null for IP
 * addresses and hosts with nothing left once the suffix is removed.
 */
export function hostLabel(host: string): string | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':')) return null;
  const labels = h.split('.').filter(Boolean);
  const last = labels[labels.length - 1];
  const secondLast = labels[labels.length - 2];
  if (last === 'id' && secondLast !== undefined && SECOND_LEVEL.has(secondLast)) labels.splice(-2);
  else if (last !== undefined && TOP_LEVEL.has(last)) labels.splice(-1);
  const label = labels[labels.length - 1];
  if (label === undefined) return null;
  const stripped = label.replace(/^lpse-?(?=[a-z0-9]{2,})/, '');
  return stripped || null;
}

export interface HostPath {
  host: string;
  path: string[];
}

/** A URL or bare host (`lpse.gresikkab.go.id/eproc4`) as lower-case host without `www.` + path segments. */
export function parseHostPath(text: string): HostPath | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (!url.hostname) return null;
  const host = url.hostname.toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
  const path = url.pathname
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      try {
        return decodeURIComponent(segment).toLowerCase();
      } catch {
        return segment.toLowerCase();
      }
    });
  return { host, path };
}

/** Whether a query is meant as an address rather than a name. */
export function looksLikeUrl(text: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return true;
  if (/\s/.test(text)) return false;
  const hostPart = text.split(/[/?#]/, 1)[0] ?? '';
  return /^([a-z0-9-]+\.)+([a-z]{2,}|\d{1,3})(:\d+)?$/i.test(hostPart);
}

export function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((segment, i) => of[i] === segment);
}
