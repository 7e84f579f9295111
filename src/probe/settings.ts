/**
 * What a probe reads from its environment: where its hub is and who it is. The token is a secret:
 * it is checked here but never echoed, not even in a message about what is wrong with it.
 */
import { PROBE_ID_PATTERN } from '../core/vantage/protocol.js';

export interface ProbeSettings {
  /** `PROBE_HUB_URL`, as a base URL ending in `/` (endpoints are resolved against it). */
  hubUrl: URL;
  /** `PROBE_ID`: this probe's name at the hub. */
  probeId: string;
  /** `PROBE_TOKEN` (secret). */
  token: string;
  /** `LOG_LEVEL`. */
  logLevel: string;
}

/** The probe cannot start with this environment: each problem names its variable. */
export class ProbeSettingsError extends Error {
  override name = 'ProbeSettingsError';
  constructor(readonly problems: string[]) {
    super(`Invalid probe environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Shorter secrets are not scrubbed from log lines by createLogger, so they are refused. */
export const MIN_TOKEN_LENGTH = 8;
const MAX_TOKEN_LENGTH = 4096;
/** Visible ASCII only: the token goes into an HTTP header as it is. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Reads PROBE_HUB_URL, PROBE_ID, PROBE_TOKEN and LOG_LEVEL. Throws ProbeSettingsError listing every
 * problem at once. `warnings` are things that work but should not (a token over plain http).
 */
export function readProbeSettings(env: Record<string, string | undefined>): ProbeSettings & { warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };

  let hubUrl: URL | null = null;
  const hubText = text('PROBE_HUB_URL');
  if (hubText === null) {
    problems.push('PROBE_HUB_URL: not set (the hub\'s base address, e.g. https://status.example.org)');
  } else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(hubText);
    } catch {
      problems.push('PROBE_HUB_URL: not a URL (expected e.g. https://status.example.org)');
    }
    if (parsed) {
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.push('PROBE_HUB_URL: expected an http:// or https:// address');
      else if (parsed.username || parsed.password) problems.push('PROBE_HUB_URL: must not carry a user name or password (the secret goes in PROBE_TOKEN)');
      else if (parsed.search || parsed.hash) problems.push('PROBE_HUB_URL: expected a base address without ?query or #fragment');
      else {
        if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
        hubUrl = parsed;
        if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
          warnings.push(`PROBE_HUB_URL is plain http:// to ${parsed.host}: the probe's token travels unencrypted; use https://`);
        }
      }
    }
  }

  const probeId = text('PROBE_ID');
  if (probeId === null) problems.push('PROBE_ID: not set (this probe\'s name at the hub, e.g. surabaya-1)');
  else if (!PROBE_ID_PATTERN.test(probeId)) problems.push('PROBE_ID: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');

  const token = text('PROBE_TOKEN');
  if (token === null) problems.push('PROBE_TOKEN: not set (the secret the hub knows this probe by, in its PROBE_TOKENS)');
  else if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH) problems.push(`PROBE_TOKEN: must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters long`);
  else if (!TOKEN_CHARS.test(token)) problems.push('PROBE_TOKEN: visible ASCII characters only (no spaces or control characters)');

  const logLevel = text('LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}`);

  if (problems.length > 0) throw new ProbeSettingsError(problems);
  return { hubUrl: hubUrl!, probeId: probeId!, token: token!, logLevel, warnings };
}
