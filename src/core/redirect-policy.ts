/**
 * Where a portal's redirect may take the checker. A portal is a stranger on the internet: its
 * `Location` header must not turn the monitor into a probe of the monitor's own network (loopback,
 * private ranges, cloud metadata at 169.254.169.254, the bot's own status page). The check of an
 * address and the connection to it must be the same resolution: the guarded lookup below does both,
 * so a name that answers "public" once and "private" the next time (DNS rebinding) cannot slip in.
 */
import { promises as dnsPromises, type LookupAddress, type LookupOptions } from 'node:dns';
import net from 'node:net';

/** A redirect `Location` longer than this is not followed (nor kept). */
export const MAX_LOCATION_LENGTH = 2048;

/** Resolves a host name to every address it has (A and AAAA). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (hostname) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

/** Why a redirect was refused: the `code` of the check's failure (stable, no address in it). */
export type RedirectRefusal = 'REDIRECT_PRIVATE' | 'REDIRECT_OWN' | 'REDIRECT_SCHEME' | 'REDIRECT_INVALID' | 'REDIRECT_TOO_LONG';

export const REDIRECT_REFUSAL_TEXT: Record<RedirectRefusal, string> = {
  REDIRECT_PRIVATE: 'redirect to a private address refused',
  REDIRECT_OWN: "redirect to the monitor's own address refused",
  REDIRECT_SCHEME: 'redirect to a non-HTTP address refused',
  REDIRECT_INVALID: 'redirect to an invalid address refused',
  REDIRECT_TOO_LONG: 'redirect address too long, refused',
};

export function isRedirectRefusal(code: string): code is RedirectRefusal {
  return Object.hasOwn(REDIRECT_REFUSAL_TEXT, code);
}

/** An error carrying a refusal code, as the connector and the checker raise it. */
export function refusalError(code: RedirectRefusal, message: string): Error & { code: RedirectRefusal } {
  return Object.assign(new Error(message), { code });
}

function ipv4Bytes(address: string): number[] | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

function ipv4Forbidden([a, b, c]: number[]): boolean {
  if (a === undefined || b === undefined || c === undefined) return true;
  return (
    a === 0 || // "this network", 0.0.0.0 (unspecified)
    a === 10 || // RFC 1918
    a === 127 || // loopback
    (a === 100 && b >= 64 && b <= 127) || // CGNAT 100.64/10
    (a === 169 && b === 254) || // link-local (cloud metadata)
    (a === 172 && b >= 16 && b <= 31) || // RFC 1918
    (a === 192 && b === 168) || // RFC 1918
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

/** Eight 16-bit groups, or null when `address` is not an IPv6 address. */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // A dotted quad at the end ("::ffff:10.0.0.1") stands for the last two groups.
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4) return null;
    const [a, b, c, d] = v4 as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some(Number.isNaN)) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - rest.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...rest];
}

function ipv6Forbidden(g: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const embedded = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0xffff) return ipv4Forbidden(embedded); // IPv4-mapped
    if (g5 === 0) return g6 === 0 ? true /* ::, ::1 and the rest of ::/112 */ : ipv4Forbidden(embedded); // IPv4-compatible
    return true;
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Forbidden(embedded); // NAT64
  if (g0 === 0x2002) return ipv4Forbidden([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]); // 6to4
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return true; // discard-only 100::/64
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return true; // link-local, old site-local
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/**
 * True for addresses a portal's redirect must not lead to: loopback, private (RFC 1918, fc00::/7),
 * link-local, unspecified, CGNAT (100.64/10), multicast and reserved ranges, also when written as
 * IPv4-mapped/compatible, NAT64 or 6to4 IPv6. Anything that is not an IP address is refused too.
 */
export function isForbiddenAddress(address: string): boolean {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const kind = net.isIP(text);
  if (kind === 4) return ipv4Forbidden(ipv4Bytes(text) ?? []);
  if (kind === 6) {
    const groups = ipv6Groups(text);
    return groups ? ipv6Forbidden(groups) : true;
  }
  return true;
}

/** The host of a URL as an IP address when it is one (brackets stripped), else null. */
export function ipLiteral(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return net.isIP(host) ? host : null;
}

/**
 * Reads a redirect's `Location` against the URL that answered: a bounded, http(s) URL that is not
 * one of the bot's own origins. Credentials in it are dropped. The address policy is applied
 * when connecting (see guardedLookup) or, for IP literals, by the caller.
 */
export function nextHop(
  location: string,
  base: URL,
  ownOrigins: ReadonlySet<string>,
): { url: URL } | { refused: RedirectRefusal } {
  if (location.length > MAX_LOCATION_LENGTH) return { refused: 'REDIRECT_TOO_LONG' };
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    return { refused: 'REDIRECT_INVALID' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: 'REDIRECT_SCHEME' };
  if (ownOrigins.has(url.origin)) return { refused: 'REDIRECT_OWN' };
  url.username = '';
  url.password = '';
  url.hash = '';
  return { url };
}

/** `http://Host:80/x` → `http://host`: the form origins are compared in. Invalid entries are skipped. */
export function normalizeOrigins(origins: readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const origin of origins ?? []) {
    try {
      out.add(new URL(origin).origin);
    } catch {
      // Not a URL: nothing to compare against.
    }
  }
  return out;
}

/** True when the host of `url` is, or resolves to, an address the policy forbids (a private portal). */
export async function isPrivateHost(url: URL, resolve: ResolveAll, forbidden: (address: string) => boolean): Promise<boolean> {
  const literal = ipLiteral(url);
  if (literal) return forbidden(literal);
  try {
    return (await resolve(url.hostname)).some((a) => forbidden(a.address));
  } catch {
    return false;
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect that resolves every address of the name, refuses the connection
 * when any of them is forbidden, and hands the connection exactly the addresses it checked.
 */
export function guardedLookup(resolve: ResolveAll, forbidden: (address: string) => boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.some((a) => forbidden(a.address))) {
          callback(refusalError('REDIRECT_PRIVATE', `${hostname} resolves to a private address`), options.all ? [] : '', 0);
          return;
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          callback(error, options.all ? [] : '', 0);
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, options.all ? [] : '', 0),
    );
  };
}

/**
 * The address policy for a redirect hop that goes through a proxy. The proxy resolves the name and
 * connects, so guardedLookup cannot pin the connection: the name is resolved here first, and the hop
 * is refused when any address is forbidden (a redirect to `router.lan` or `localhost` would otherwise
 * probe the proxy's own network). A name that does not resolve here is not followed either (the
 * resolution error is thrown, as a direct check would report it).
 *
 * Caveat (DNS rebinding): the proxy asks DNS again, and may get another answer than the one checked
 * here. This check is the best the monitor can do from outside the proxy; the proxy's own policy
 * (most refuse CONNECT to private ranges) is the other half.
 */
export async function assertPublicTarget(url: URL, resolve: ResolveAll, forbidden: (address: string) => boolean): Promise<void> {
  const literal = ipLiteral(url);
  if (literal) {
    if (forbidden(literal)) throw refusalError('REDIRECT_PRIVATE', `redirect to ${url.host} refused`);
    return;
  }
  const addresses = await resolve(url.hostname);
  if (addresses.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${url.hostname}`), { code: 'ENOTFOUND' });
  }
  if (addresses.some((a) => forbidden(a.address))) throw refusalError('REDIRECT_PRIVATE', `${url.hostname} resolves to a private address`);
}
