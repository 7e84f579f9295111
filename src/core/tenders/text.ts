/**
 * Plain text out of the bits of HTML SPSE puts in list cells and schedule tables. Hostile input:
 * every loop here walks its (bounded) input once with indexOf and bounded windows; no regular
 * expression with a quantifier that could backtrack over what another one consumed.
 */
import { MAX_BADGE_CHARS, MAX_BADGES } from './types.js';

/** Raw markup of one cell read at most: a name is 300 characters of text, its markup a few times that. */
export const MAX_RAW_CELL_CHARS = 8_000;
/** A tag longer than this is not a tag: its `<` is taken as text. */
const MAX_TAG_CHARS = 512;
/** `&…;` longer than this is not an entity. */
const MAX_ENTITY_CHARS = 12;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  hellip: '…',
  middot: '·',
  bull: '•',
  copy: '©',
  reg: '®',
  deg: '°',
  laquo: '«',
  raquo: '»',
  times: '×',
};

/** ASCII letters to lower case, nothing else: indexes found in the result are valid in the input (unlike toLowerCase, which may change lengths). */
export function asciiLower(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      out += text.slice(from, i) + String.fromCharCode(c + 32);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 160 || c === 0x200b || c === 0xfeff;
}

/** Decodes `&amp;`, `&#39;`, `&#x27;` and the common named entities; anything else stays as written. */
export function decodeEntities(text: string): string {
  if (text.indexOf('&') === -1) return text;
  let out = '';
  let from = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', amp + 1)) {
    const semi = text.slice(amp + 1, amp + 1 + MAX_ENTITY_CHARS).indexOf(';');
    if (semi <= 0) continue;
    const body = text.slice(amp + 1, amp + 1 + semi);
    let decoded: string | undefined;
    if (body[0] === '#') {
      const hex = body[1] === 'x' || body[1] === 'X';
      const digits = body.slice(hex ? 2 : 1);
      const valid = digits.length > 0 && [...digits].every((d) => (hex ? /[0-9a-f]/i.test(d) : d >= '0' && d <= '9'));
      const code = valid ? parseInt(digits, hex ? 16 : 10) : NaN;
      if (Number.isInteger(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) decoded = String.fromCodePoint(code);
    } else {
      decoded = NAMED_ENTITIES[asciiLower(body)];
    }
    if (decoded === undefined) continue;
    out += text.slice(from, amp) + decoded;
    from = amp + semi + 2;
    amp = from - 1;
  }
  return out + text.slice(from);
}

/** Whitespace runs (tabs, newlines, nbsp) to one space, trimmed. */
export function collapseSpaces(text: string): string {
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpaceCode(c)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += text[i];
  }
  return out;
}

/** Cuts at `max` characters without splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

interface Tag {
  /** Lower-case tag name (`span`), empty for comments and declarations. */
  name: string;
  closing: boolean;
  /** The tag's text, lower-cased (ASCII), for attribute checks. */
  lower: string;
  /** Index just past the tag's `>`. */
  end: number;
}

/** The tag starting at `at` (a `<`), or null when it is not one within MAX_TAG_CHARS. */
function tagAt(html: string, at: number): Tag | null {
  const next = html.charCodeAt(at + 1);
  const closing = next === 47; /* / */
  const first = closing ? html.charCodeAt(at + 2) : next;
  const isLetter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122);
  if (!isLetter && next !== 33 /* ! */) return null;
  const window = html.slice(at, at + MAX_TAG_CHARS);
  const close = window.indexOf('>');
  if (close === -1) return null;
  const lower = asciiLower(window.slice(0, close + 1));
  let nameEnd = closing ? 2 : 1;
  const nameStart = nameEnd;
  while (nameEnd < lower.length) {
    const c = lower.charCodeAt(nameEnd);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) break;
    nameEnd++;
  }
  return { name: next === 33 ? '' : lower.slice(nameStart, nameEnd), closing, lower, end: at + close + 1 };
}

// Bootstrap 4 SPSE writes `badge`, the older Bootstrap 3 pages `label`. Bounded: a tag is ≤ 512 characters.
const BADGE_CLASS = /class\s{0,4}=\s{0,4}["']?[^"'>]{0,200}\b(?:badge|label)\b/;
const BLOCK_TAGS = new Set(['br', 'p', 'div', 'li', 'tr', 'td', 'th', 'table', 'ul', 'ol']);

/**
 * A cell's markup as plain text: tags dropped (block tags become spaces), entities decoded,
 * whitespace collapsed, cut at `max` characters. Elements whose class says `badge` are taken out of
 * the text and handed back apart (`<span class='badge badge-danger'>Tender Ulang</span>`).
 */
export function cellText(raw: string, max: number): { text: string; badges: string[] } {
  const html = raw.length > MAX_RAW_CELL_CHARS ? raw.slice(0, MAX_RAW_CELL_CHARS) : raw;
  const badges: string[] = [];
  let text = '';
  let badge: { name: string; depth: number; text: string } | null = null;
  let from = 0;
  const emit = (piece: string) => {
    if (badge) badge.text += piece;
    else text += piece;
  };
  for (let lt = html.indexOf('<'); lt !== -1; lt = html.indexOf('<', lt + 1)) {
    const tag = tagAt(html, lt);
    if (!tag) continue;
    emit(html.slice(from, lt));
    from = tag.end;
    lt = tag.end - 1;
    if (badge) {
      if (tag.name === badge.name) {
        if (tag.closing) badge.depth--;
        else if (!tag.lower.endsWith('/>')) badge.depth++;
      }
      if (badge.depth === 0) {
        const found = cut(collapseSpaces(decodeEntities(badge.text)), MAX_BADGE_CHARS);
        if (found && badges.length < MAX_BADGES) badges.push(found);
        badge = null;
        text += ' ';
      } else if (BLOCK_TAGS.has(tag.name)) {
        badge.text += ' ';
      }
      continue;
    }
    if (!tag.closing && tag.name !== '' && BADGE_CLASS.test(tag.lower) && !tag.lower.endsWith('/>')) {
      badge = { name: tag.name, depth: 1, text: '' };
      continue;
    }
    if (BLOCK_TAGS.has(tag.name)) text += ' ';
  }
  emit(html.slice(from));
  if (badge) {
    // An unclosed badge: its text is still a badge.
    const found = cut(collapseSpaces(decodeEntities(badge.text)), MAX_BADGE_CHARS);
    if (found && badges.length < MAX_BADGES) badges.push(found);
  }
  return { text: cut(collapseSpaces(decodeEntities(text)), max), badges };
}

/** A cell's markup as plain text, badges kept in the text. */
export function plainCell(raw: string, max: number): string {
  const { text, badges } = cellText(raw, max);
  return badges.length === 0 ? text : cut(collapseSpaces(`${text} ${badges.join(' ')}`), max);
}
