import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseLocalTime } from './core/time.js';
import { WEEKDAYS, type MaintenanceWindow } from './core/types.js';
import { PROBE_ID_PATTERN } from './core/vantage/protocol.js';
import { platformSections, platformSettings, type PlatformSettings } from './platforms/index.js';

const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 pantau-lpse/0.1';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');
const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
const timeZone = z.string().refine(isTimeZone, 'unknown time zone');
/** An address the bot itself requests or links to: http(s) only (a `file:` reference would mark the monitor offline forever). */
const webUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).max(2048);

/**
 * An HTTP(S) forward proxy the checks go through: `http(s)://[user:password@]host[:port]`, nothing
 * after the port. The credentials are a secret: no message here ever echoes the value.
 */
function isProxyUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.pathname === '/' && url.search === '' && url.hash === '';
}
const PROXY_URL_PROBLEM = 'expected an http:// or https:// proxy URL: http(s)://[user:password@]host:port';
const proxyUrl = z.string().max(2048).refine(isProxyUrl, PROXY_URL_PROBLEM);
/** A portal's own route: a proxy URL, or `direct` for no proxy even when `check.proxyUrl` is set. */
const portalProxyUrl = z
  .string()
  .max(2048)
  .refine((text) => text === 'direct' || isProxyUrl(text), 'expected "direct" or an http:// or https:// proxy URL: http(s)://[user:password@]host:port');

/**
 * Addresses outside SPSE's infrastructure that tell "our own network is down" from "every portal is
 * down": the national catalog sits behind one front, so its failures alone can never prove it.
 * Three independent captive-portal probes, made to be asked often and answer tiny pages.
 */
export const DEFAULT_REFERENCE_URLS = [
  'https://www.google.com/generate_204',
  'https://detectportal.firefox.com/success.txt',
  'http://www.msftconnecttest.com/connecttest.txt',
];

const checkSchema = z
  .object({
    /** How often a watched (configured or subscribed) portal is checked. */
    intervalSeconds: z.number().int().min(1).max(86_400).default(60),
    /** How often catalog portals that no chat subscribes to are checked. */
    catalogIntervalSeconds: z.number().int().min(1).max(86_400).default(900),
    timeoutSeconds: z.number().positive().max(300).default(20),
    failuresToDown: z.number().int().min(1).max(100).default(2),
    successesToUp: z.number().int().min(1).max(100).default(2),
    /** After a failed check the portal is checked again this soon, at every vantage point that votes. */
    retryIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    /** Vantage points that must agree before DOWN or UP; absent: a majority of those voting. */
    quorum: z.number().int().min(1).max(64).optional(),
    /** Whether the hub checks portals itself, or decides on its probes' word alone. */
    hubChecks: z.boolean().default(true),
    /** Per origin (scheme, host and port); at least one request every 10 s. */
    maxRequestsPerSecondPerHost: z.number().min(0.1).max(10_000).default(2),
    maxConcurrentPerHost: z.number().int().min(1).max(256).default(4),
    /** Checks in flight at once over all origins. */
    maxConcurrency: z.number().int().min(1).max(1024).default(32),
    degradedLatencyMs: z.number().int().positive().max(300_000).default(8000),
    certWarningDays: z.number().int().min(0).max(365).default(14),
    maxBodyBytes: z.number().int().min(1024).max(50_000_000).default(2_000_000),
    maxRedirects: z.number().int().min(0).max(20).default(5),
    userAgent: z.string().min(1).max(512).default(DEFAULT_USER_AGENT),
    /** Addresses that must answer for the monitor to trust its own network; empty = judge from the checks alone. */
    referenceUrls: z.array(webUrl).max(10).default(DEFAULT_REFERENCE_URLS),
    /**
     * Every check (the reference addresses too: with a proxy, the proxy is the monitor's network)
     * goes through this HTTP(S) forward proxy. Its credentials are a secret.
     */
    proxyUrl: proxyUrl.optional(),
  })
  .strict();

const portalSchema = z
  .object({
    id: z.string().max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _ only'),
    name: z.string().min(1).max(200),
    url: webUrl,
    aliases: z.array(z.string().min(1).max(200)).max(20).default([]),
    province: z.string().max(100).nullable().default(null),
    /** For portals that are not SPSE: text their healthy page contains. */
    expectText: z.string().min(1).max(1000).optional(),
    /** This portal's own proxy, or `direct`; wins over `check.proxyUrl`. */
    proxyUrl: portalProxyUrl.optional(),
  })
  .strict();

const maintenanceSchema = z
  .object({
    /** Portal ids, or `all`. */
    portals: z.union([z.literal('all'), z.array(z.string().min(1).max(64)).min(1)]),
    reason: z.string().max(500).default(''),
    timezone: timeZone.optional(),
    /** One-off window, local time `YYYY-MM-DDTHH:MM` (or with an explicit offset). */
    start: z.string().optional(),
    end: z.string().optional(),
    /** Recurring window on the given weekdays, local time. */
    weekly: z
      .object({ days: z.array(z.enum(WEEKDAYS)).min(1), from: timeOfDay, to: timeOfDay })
      .strict()
      .optional(),
  })
  .strict()
  .refine((m) => (m.start && m.end) || m.weekly, { message: 'needs start and end, or weekly' }) satisfies z.ZodType<MaintenanceWindow>;

const configSchema = z
  .object({
    timezone: timeZone.default('Asia/Jakarta'),
    /** Language of chats that have not chosen one, and of the status page without ?lang. */
    language: z.enum(['id', 'en']).default('id'),
    check: checkSchema.default(checkSchema.parse({})),
    portals: z.array(portalSchema).min(1).max(5000).optional(),
    maintenance: z.array(maintenanceSchema).max(1000).default([]),
    /**
     * Tender impact: the public tender lists and schedules of the portals chats subscribe to (and of
     * every configured portal), collected politely while a portal is up.
     */
    tenders: z
      .object({
        enabled: z.boolean().default(true),
        refreshMinutes: z.number().int().min(10).max(1440).default(60),
        requestIntervalMs: z.number().int().min(500).max(60_000).default(1500),
        lookaheadHours: z.number().int().min(1).max(168).default(24),
      })
      .strict()
      .default({ enabled: true, refreshMinutes: 60, requestIntervalMs: 1500, lookaheadHours: 24 }),
    /** What one chat, and all chats together, may subscribe to: each subscribed portal is checked often. */
    subscriptions: z
      .object({
        maxPortalsPerChat: z.number().int().min(1).max(5000).default(100),
        maxTotal: z.number().int().min(1).default(50_000),
      })
      .strict()
      .default({ maxPortalsPerChat: 100, maxTotal: 50_000 }),
    history: z
      .object({
        incidentRetentionDays: z.number().int().min(365).default(400),
        bucketRetentionDays: z.number().int().min(35).max(120).default(35),
      })
      .strict()
      .default({ incidentRetentionDays: 400, bucketRetentionDays: 35 }),
    ...platformSections,
    /** Public address of the status page, used for links in alerts. */
    publicUrl: webUrl.optional(),
  })
  .strict();

export type FileConfig = z.infer<typeof configSchema>;
export type CheckConfig = FileConfig['check'];
export type ConfiguredPortal = z.infer<typeof portalSchema>;

/** Everything that comes from the environment. Secrets stay here and are never logged. */
export interface EnvConfig {
  httpPort: number;
  storeUrl: string;
  ownerIds: string[];
  logLevel: string;
  instanceId: string;
  /** `LEASE_TTL_SECONDS`: how long a lease holder's word lasts; renewed every third of it. */
  leaseTtlSeconds: number;
  /** `PROBE_TOKENS` (`id1:token1,id2:token2`, secret): the probes this hub trusts; none = no probe API. */
  probeTokens: Array<{ id: string; token: string }>;
}

export interface Config extends FileConfig {
  source: string;
  env: EnvConfig;
  /** Each chat platform's settings (its section and its environment), null when its token is not set. */
  platforms: PlatformSettings;
}

/** A config that cannot be used: names the file, the path inside it and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
  }
}

/** `portals[3].url` from a zod issue path. */
function formatPath(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const part of issuePath) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

function readEnv(env: Record<string, string | undefined>, source: string): EnvConfig {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const portText = text('HTTP_PORT') ?? text('PORT') ?? '8080';
  const httpPort = Number(portText);
  if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) problems.push(`HTTP_PORT: "${portText}" is not a port number`);
  const storeUrl = text('STORE_URL') ?? 'sqlite://data/pantau.sqlite';
  if (!/^(sqlite|redis|rediss|postgres|postgresql|memory):\/\//.test(storeUrl)) {
    problems.push('STORE_URL: expected sqlite://path, redis://…, postgresql://… or memory://');
  }
  const ownerIds = (text('BOT_OWNER_IDS') ?? '').split(/[\s,]+/).filter(Boolean);
  const probeTokens: EnvConfig['probeTokens'] = [];
  for (const entry of (text('PROBE_TOKENS') ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const token = colon > 0 ? entry.slice(colon + 1) : '';
    // Never echo the token: name the entry by its id (or its position).
    const name = PROBE_ID_PATTERN.test(id) ? `"${id}"` : `#${probeTokens.length + 1}`;
    if (!PROBE_ID_PATTERN.test(id)) problems.push(`PROBE_TOKENS: entry ${name} needs an id (letters, digits, . _ -) then ":" then its token`);
    else if (token.length < 16) problems.push(`PROBE_TOKENS: the token of ${name} is shorter than 16 characters`);
    else if (probeTokens.some((p) => p.id === id)) problems.push(`PROBE_TOKENS: ${name} is listed twice`);
    else probeTokens.push({ id, token });
  }
  const leaseText = text('LEASE_TTL_SECONDS') ?? '30';
  const leaseTtlSeconds = Number(leaseText);
  if (!Number.isFinite(leaseTtlSeconds) || leaseTtlSeconds < 1 || leaseTtlSeconds > 600) problems.push(`LEASE_TTL_SECONDS: "${leaseText}" is not a number of seconds from 1 to 600`);
  if (problems.length) throw new ConfigError(`${source} (environment)`, problems);
  return {
    httpPort,
    storeUrl,
    ownerIds,
    logLevel: text('LOG_LEVEL') ?? 'info',
    instanceId: text('INSTANCE_ID') ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    leaseTtlSeconds,
    probeTokens,
  };
}

/**
 * Pure: parses a config text (YAML, or JSON which YAML accepts) and the environment into a
 * validated Config. Throws ConfigError naming `source`, each problem's path and what is wrong.
 */
export function loadConfig(text: string, env: Record<string, string | undefined>, source = 'config'): Config {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError(source, [`not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`], { cause: error });
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(source, ['(top level): expected a mapping of keys']);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
      { cause: parsed.error },
    );
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.portals?.forEach((portal, index) => {
    if (seen.has(portal.id)) problems.push(`portals[${index}].id: duplicate id "${portal.id}"`);
    seen.add(portal.id);
  });
  parsed.data.maintenance.forEach((window, index) => {
    for (const key of ['start', 'end'] as const) {
      const value = window[key];
      if (value !== undefined && Number.isNaN(parseLocalTime(value, window.timezone ?? parsed.data.timezone))) {
        problems.push(`maintenance[${index}].${key}: "${value}" is not a date and time (YYYY-MM-DDTHH:MM)`);
      }
    }
  });
  if (problems.length) throw new ConfigError(source, problems);
  return { ...parsed.data, source, env: readEnv(env, source), platforms: platformSettings(parsed.data, env) };
}

/**
 * Reads `CONFIG_PATH` (default `config/pantau.yaml`). A missing default file means "all defaults";
 * a missing file the user named is an error.
 */
export function readConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const named = env.CONFIG_PATH?.trim();
  const file = path.resolve(cwd, named || 'config/pantau.yaml');
  if (!existsSync(file)) {
    if (named) throw new ConfigError(file, ['file not found (CONFIG_PATH)']);
    return loadConfig('', env, '(defaults)');
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot be read: ${(error as Error).message}`], { cause: error });
  }
  return loadConfig(text, env, file);
}
