/**
 * The authenticity token the public list endpoints want, from the `/lelang` page (its script sets
 * `d.authenticityToken = '<40 hex>';`), or from the SPSE_SESSION cookie when the page has none.
 */

/** How much of the page is looked at. */
const SCAN_LIMIT = 512 * 1024;
/** `authenticityToken` occurrences examined. */
const MAX_ANCHORS = 16;
/** Characters after the anchor in which the quoted value must begin. */
const VALUE_WINDOW = 48;
const TOKEN_LENGTH = 40;
const ANCHOR = 'authenticitytoken';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** 40 hex characters starting at `at`, not followed by another hex character. */
function hexRunAt(text: string, at: number): string | null {
  if (at + TOKEN_LENGTH > text.length) return null;
  for (let i = at; i < at + TOKEN_LENGTH; i++) if (!isHex(text.charCodeAt(i))) return null;
  if (at + TOKEN_LENGTH < text.length && isHex(text.charCodeAt(at + TOKEN_LENGTH))) return null;
  return text.slice(at, at + TOKEN_LENGTH).toLowerCase();
}

/**
 * The token in a page: after one of the first few `authenticityToken` words (any case), the first
 * quote within a short window opens the value (`= '…'`, `: "…"`, `" value="…"`), which must be
 * exactly 40 hex characters. Null when there is none. Linear in the (capped) page.
 */
export function findAuthenticityToken(body: string): string | null {
  const text = body.length > SCAN_LIMIT ? body.slice(0, SCAN_LIMIT) : body;
  let from = 0;
  for (let seen = 0; seen < MAX_ANCHORS; seen++) {
    const at = indexOfIgnoringCase(text, ANCHOR, from);
    if (at === -1) return null;
    from = at + ANCHOR.length;
    const window = text.slice(from, from + VALUE_WINDOW);
    for (let i = 0; i < window.length; i++) {
      const c = window.charCodeAt(i);
      if (c !== 39 /* ' */ && c !== 34 /* " */) continue;
      const token = hexRunAt(text, from + i + 1);
      if (token && text.charCodeAt(from + i + 1 + TOKEN_LENGTH) === c) return token;
      // `" value="…"`: the first quote closes the attribute name; try the next one.
    }
  }
  return null;
}

/** Finds `needle` (lower-case ASCII) in `text` regardless of the case of ASCII letters. */
function indexOfIgnoringCase(text: string, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  for (let i = from; i <= text.length - needle.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (c !== first) continue;
    let j = 1;
    while (j < needle.length && (text.charCodeAt(i + j) | 0x20) === needle.charCodeAt(j)) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** The `SPSE_SESSION=…` pair of a `set-cookie` header (several cookies separated by newlines), or null. */
export function sessionCookie(setCookie: string | undefined): string | null {
  if (!setCookie) return null;
  for (const line of setCookie.split('\n').slice(0, 16)) {
    const pair = line.split(';', 1)[0]!.trim();
    if (pair.startsWith('SPSE_SESSION=') && pair.length <= 1024) return pair;
  }
  return null;
}

/** The token the session cookie carries (`…___AT=<40 hex>&…`), or null. */
export function tokenFromCookie(cookie: string | null): string | null {
  if (!cookie) return null;
  const at = cookie.indexOf('___AT=');
  return at === -1 ? null : hexRunAt(cookie, at + 6);
}
