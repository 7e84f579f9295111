/** Addresses of the bot's own pages, for links in alerts, replies and the feed. */

/** The status page's base address without a trailing slash, or null when none is configured. */
export function statusPageBase(publicUrl: string | null): string | null {
  return publicUrl ? publicUrl.replace(/\/+$/, '') : null;
}

/** The evidence CSV of one portal's incidents, or null when no public address is configured. */
export function incidentsCsvUrl(publicUrl: string | null, portalId: string): string | null {
  const base = statusPageBase(publicUrl);
  return base === null ? null : `${base}/api/portals/${encodeURIComponent(portalId)}/incidents.csv`;
}

/** The tender stages one incident hit, as CSV evidence, or null when no public address is configured. */
export function affectedCsvUrl(publicUrl: string | null, portalId: string, incidentId: string): string | null {
  const base = statusPageBase(publicUrl);
  return base === null ? null : `${base}/api/portals/${encodeURIComponent(portalId)}/incidents/${encodeURIComponent(incidentId)}/affected.csv`;
}

/** The status page of one portal, or null when no public address is configured. */
export function portalPageUrl(publicUrl: string | null, portalId: string): string | null {
  const base = statusPageBase(publicUrl);
  return base === null ? null : `${base}/portal/${encodeURIComponent(portalId)}`;
}
