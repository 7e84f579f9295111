import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_REFERENCE_URLS, loadConfig, readConfig } from '../../src/config.js';
import { activeMaintenance } from '../../src/core/maintenance.js';
import { parseLocalTime, zoneOffsetMs } from '../../src/core/time.js';
import type { AdHocMaintenance, MaintenanceWindow } from '../../src/core/types.js';

/** Runs `fn`, expecting a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfig', () => {
  it('fills every default from an empty file', () => {
    const config = loadConfig('', {}, 'pantau.yaml');
    expect(config).toMatchObject({
      source: 'pantau.yaml',
      timezone: 'Asia/Jakarta',
      language: 'id',
      maintenance: [],
      history: { incidentRetentionDays: 400, bucketRetentionDays: 35 },
      check: {
        intervalSeconds: 60,
        catalogIntervalSeconds: 900,
        timeoutSeconds: 20,
        failuresToDown: 2,
        successesToUp: 2,
        maxRequestsPerSecondPerHost: 2,
        maxConcurrentPerHost: 4,
        maxConcurrency: 32,
        degradedLatencyMs: 8000,
        certWarningDays: 14,
        maxBodyBytes: 2_000_000,
        maxRedirects: 5,
        referenceUrls: DEFAULT_REFERENCE_URLS,
      },
      subscriptions: { maxPortalsPerChat: 100, maxTotal: 50_000 },
      env: { httpPort: 8080, storeUrl: 'sqlite://data/pantau.sqlite', ownerIds: [], logLevel: 'info' },
      platforms: { telegram: null, discord: null },
    });
    expect(config.portals).toBeUndefined();
    expect(config.check.userAgent).toMatch(/^Mozilla\/5\.0/);
  });

  it('keeps defaults for keys a section leaves out', () => {
    const config = loadConfig('check:\n  intervalSeconds: 30\n', {});
    expect(config.check.intervalSeconds).toBe(30);
    expect(config.check.failuresToDown).toBe(2);
  });

  it('accepts JSON as well as YAML, and fills portal defaults', () => {
    const config = loadConfig(
      JSON.stringify({ portals: [{ id: 'gresikkab', name: 'LPSE Kabupaten Gresik', url: 'https://spse.inaproc.id/gresikkab' }] }),
      {},
    );
    expect(config.portals).toEqual([
      { id: 'gresikkab', name: 'LPSE Kabupaten Gresik', url: 'https://spse.inaproc.id/gresikkab', aliases: [], province: null },
    ]);
  });

  it('names the file, the path and the problem for a bad portal URL', () => {
    const yaml = `portals:
  - id: gresikkab
    name: LPSE Kabupaten Gresik
    url: https://spse.inaproc.id/gresikkab
  - id: bartimkab
    name: LPSE Kabupaten Barito Timur
    url: not a url
`;
    const error = configError(() => loadConfig(yaml, {}, '/etc/pantau/pantau.yaml'));
    expect(error.source).toBe('/etc/pantau/pantau.yaml');
    expect(error.message).toContain('/etc/pantau/pantau.yaml');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^portals\[1\]\.url: .*url/i);
    expect(error.cause).toBeDefined();
  });

  it('refuses a portal URL that is not http(s)', () => {
    const error = configError(() => loadConfig('portals:\n  - { id: a, name: A, url: "ftp://example.org/a" }\n', {}));
    expect(error.problems[0]).toMatch(/^portals\[0\]\.url: /);
  });

  it('ships reference addresses on three independent networks, none of them SPSE’s', () => {
    const hosts = DEFAULT_REFERENCE_URLS.map((url) => new URL(url).hostname);
    expect(new Set(hosts.map((h) => h.split('.').slice(-2).join('.'))).size).toBe(3);
    expect(hosts.some((h) => /inaproc|lpse|spse/.test(h))).toBe(false);
    expect(loadConfig('check: { referenceUrls: [] }', {}).check.referenceUrls).toEqual([]);
  });

  it.each([
    ['check: { referenceUrls: ["file:///etc/passwd"] }', 'check.referenceUrls[0]'],
    ['check: { referenceUrls: ["javascript:alert(1)"] }', 'check.referenceUrls[0]'],
    ['publicUrl: "javascript:alert(1)"', 'publicUrl'],
    ['publicUrl: "file:///srv/status"', 'publicUrl'],
  ])('refuses an address the bot would request or link to that is not http(s): %s', (yaml, key) => {
    const error = configError(() => loadConfig(yaml, {}, 'pantau.yaml'));
    expect(error.problems[0]).toBe(`${key}: expected an http:// or https:// URL`);
  });

  it.each([
    ['check: { maxRequestsPerSecondPerHost: 0.000001 }', 'check.maxRequestsPerSecondPerHost'],
    ['check: { intervalSeconds: 99999999 }', 'check.intervalSeconds'],
    ['check: { maxBodyBytes: 999999999999 }', 'check.maxBodyBytes'],
    [`check: { userAgent: "${'x'.repeat(600)}" }`, 'check.userAgent'],
    ['subscriptions: { maxPortalsPerChat: 0 }', 'subscriptions.maxPortalsPerChat'],
  ])('bounds numbers and texts that would stall or flood the bot: %s', (yaml, key) => {
    const error = configError(() => loadConfig(yaml, {}, 'pantau.yaml'));
    expect(error.problems[0]).toMatch(new RegExp(`^${key.replace(/\./g, '\\.')}: `));
  });

  it('reports invalid YAML as a ConfigError naming the file, not a crash', () => {
    const error = configError(() => loadConfig('check:\n  intervalSeconds: [1, 2\n', {}, 'broken.yaml'));
    expect(error.source).toBe('broken.yaml');
    expect(error.problems[0]).toMatch(/^not valid YAML\/JSON: /);
    expect(error.message).toContain('broken.yaml');
  });

  it('refuses a file that is not a mapping', () => {
    expect(configError(() => loadConfig('- a\n- b\n', {})).problems).toEqual(['(top level): expected a mapping of keys']);
    expect(configError(() => loadConfig('just text', {})).problems).toEqual(['(top level): expected a mapping of keys']);
  });

  it('refuses duplicate portal ids, naming the second', () => {
    const yaml = `portals:
  - { id: gresikkab, name: A, url: "https://a.example/x" }
  - { id: surabayakota, name: B, url: "https://b.example/x" }
  - { id: gresikkab, name: C, url: "https://c.example/x" }
`;
    expect(configError(() => loadConfig(yaml, {})).problems).toEqual(['portals[2].id: duplicate id "gresikkab"']);
  });

  it('refuses check.intervalSeconds: 0', () => {
    const error = configError(() => loadConfig('check:\n  intervalSeconds: 0\n', {}));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^check\.intervalSeconds: /);
  });

  it.each([
    ['failuresToDown: 0', /^check\.failuresToDown: /],
    ['maxBodyBytes: 10', /^check\.maxBodyBytes: /],
    ['timeoutSeconds: -1', /^check\.timeoutSeconds: /],
    ['referenceUrls: ["nope"]', /^check\.referenceUrls\[0\]: /],
  ])('refuses check.%s', (line, path) => {
    expect(configError(() => loadConfig(`check:\n  ${line}\n`, {})).problems[0]).toMatch(path);
  });

  it('refuses unknown keys with their path (a typo must not silently keep the default)', () => {
    const nested = configError(() => loadConfig('check:\n  intervalSecond: 30\n', {}));
    expect(nested.problems).toHaveLength(1);
    expect(nested.problems[0]).toMatch(/^check: .*intervalSecond/);

    const inPortal = configError(() => loadConfig('portals:\n  - { id: a, name: A, url: "https://a.example", urll: x }\n', {}));
    expect(inPortal.problems[0]).toMatch(/^portals\[0\]: .*urll/);

    const top = configError(() => loadConfig('timezon: Asia/Jakarta\n', {}));
    expect(top.problems[0]).toMatch(/^\(top level\): .*timezon/);
  });

  it('refuses an unknown time zone and an unknown language', () => {
    expect(configError(() => loadConfig('timezone: Asia/Atlantis\n', {})).problems[0]).toMatch(/^timezone: unknown time zone/);
    expect(configError(() => loadConfig('language: fr\n', {})).problems[0]).toMatch(/^language: /);
  });

  describe('environment', () => {
    it('reads ports, the store and secrets from the environment', () => {
      const { env, platforms } = loadConfig('', {
        HTTP_PORT: '9090',
        STORE_URL: 'redis://cache:6379',
        TELEGRAM_BOT_TOKEN: '123:abc',
        BOT_OWNER_IDS: '111, 222 333',
        LOG_LEVEL: 'debug',
        INSTANCE_ID: 'replica-a',
      });
      expect(env).toMatchObject({
        httpPort: 9090,
        storeUrl: 'redis://cache:6379',
        ownerIds: ['111', '222', '333'],
        logLevel: 'debug',
        instanceId: 'replica-a',
      });
      expect(platforms.telegram).toMatchObject({ token: '123:abc', apiRoot: null, messagesPerSecond: 25 });
      expect(platforms.discord).toBeNull();
    });

    it('falls back to PORT when HTTP_PORT is not set', () => {
      expect(loadConfig('', { PORT: '3000' }).env.httpPort).toBe(3000);
      expect(loadConfig('', { PORT: '3000', HTTP_PORT: '4000' }).env.httpPort).toBe(4000);
    });

    it.each(['eighty', '70000', '-1', '80.5'])('refuses HTTP_PORT=%s', (value) => {
      const error = configError(() => loadConfig('', { HTTP_PORT: value }, 'pantau.yaml'));
      expect(error.source).toBe('pantau.yaml (environment)');
      expect(error.problems).toEqual([`HTTP_PORT: "${value}" is not a port number`]);
    });

    it.each(['sqlite://data/x.sqlite', 'sqlite:///var/lib/pantau.sqlite', 'redis://h:6379', 'rediss://h:6380', 'postgres://u@h/db', 'postgresql://u@h/db', 'memory://'])(
      'accepts STORE_URL=%s',
      (value) => {
        expect(loadConfig('', { STORE_URL: value }).env.storeUrl).toBe(value);
      },
    );

    it.each(['mysql://h/db', 'data/pantau.sqlite', 'file:///tmp/x'])('refuses STORE_URL=%s', (value) => {
      const error = configError(() => loadConfig('', { STORE_URL: value }));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^STORE_URL: /);
      // The value may hold a password: it is not repeated in the message.
      expect(error.message).not.toContain(value);
    });
  });
});

describe('readConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pantau-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses all defaults when config/pantau.yaml does not exist', () => {
    const config = readConfig({}, dir);
    expect(config.source).toBe('(defaults)');
    expect(config.check.intervalSeconds).toBe(60);
  });

  it('reads config/pantau.yaml relative to the working directory', () => {
    const cwd = path.join(dir, 'app');
    mkdirSync(path.join(cwd, 'config'), { recursive: true });
    writeFileSync(path.join(cwd, 'config', 'pantau.yaml'), 'check:\n  intervalSeconds: 45\n');
    const config = readConfig({}, cwd);
    expect(config.source).toBe(path.join(cwd, 'config', 'pantau.yaml'));
    expect(config.check.intervalSeconds).toBe(45);
  });

  it('reads CONFIG_PATH, relative or absolute', () => {
    writeFileSync(path.join(dir, 'custom.yaml'), 'language: en\n');
    expect(readConfig({ CONFIG_PATH: 'custom.yaml' }, dir).language).toBe('en');
    expect(readConfig({ CONFIG_PATH: path.join(dir, 'custom.yaml') }, '/').language).toBe('en');
  });

  it('refuses a CONFIG_PATH that does not exist', () => {
    const error = configError(() => readConfig({ CONFIG_PATH: 'missing.yaml' }, dir));
    expect(error.source).toBe(path.join(dir, 'missing.yaml'));
    expect(error.problems).toEqual(['file not found (CONFIG_PATH)']);
  });

  it('names the file it read when its content is wrong', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'check:\n  intervalSeconds: 0\n');
    const error = configError(() => readConfig({ CONFIG_PATH: file }, dir));
    expect(error.source).toBe(file);
    expect(error.message).toContain(file);
  });
});

describe('maintenance windows', () => {
  const JAKARTA = 'Asia/Jakarta';

  it('parses local wall-clock time in the given zone', () => {
    expect(parseLocalTime('2026-12-01T22:00', JAKARTA)).toBe(Date.UTC(2026, 11, 1, 15, 0));
    expect(parseLocalTime('2026-12-01 22:00', JAKARTA)).toBe(Date.UTC(2026, 11, 1, 15, 0));
    expect(parseLocalTime('2026-12-01T22:00:30', 'Asia/Jayapura')).toBe(Date.UTC(2026, 11, 1, 13, 0, 30));
    expect(parseLocalTime('2026-12-01T00:30', JAKARTA)).toBe(Date.UTC(2026, 10, 30, 17, 30));
  });

  it('knows a zone\'s offset on either side of a change, one second apart', () => {
    const HOUR = 3_600_000;
    // Berlin moves from +01:00 to +02:00 at 01:00 UTC on 2026-03-29; asked in both orders.
    const change = Date.UTC(2026, 2, 29, 1, 0);
    expect(zoneOffsetMs('Europe/Berlin', change - 1000)).toBe(HOUR);
    expect(zoneOffsetMs('Europe/Berlin', change)).toBe(2 * HOUR);
    expect(zoneOffsetMs('Europe/Berlin', change - 1000)).toBe(HOUR);
    expect(zoneOffsetMs('Asia/Kathmandu', change)).toBe(5.75 * HOUR);
    expect(zoneOffsetMs('Asia/Jakarta', change)).toBe(7 * HOUR);
    expect(zoneOffsetMs('Asia/Jakarta', change + 7 * 60_000)).toBe(7 * HOUR);
  });

  it('lets an explicit offset win over the zone', () => {
    expect(parseLocalTime('2026-12-01T22:00+08:00', JAKARTA)).toBe(Date.UTC(2026, 11, 1, 14, 0));
    expect(parseLocalTime('2026-12-01T22:00Z', JAKARTA)).toBe(Date.UTC(2026, 11, 1, 22, 0));
  });

  it('settles the offset across a DST change', () => {
    // Berlin: 2026-03-29 02:00 → 03:00. 12:00 local that day is CEST (+02:00).
    expect(parseLocalTime('2026-03-29T12:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 10, 0));
    expect(parseLocalTime('2026-03-28T12:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 11, 0));
  });

  it.each(['tomorrow', '2026-12-01', '01/12/2026 22:00', ''])('returns NaN for %j', (value) => {
    expect(parseLocalTime(value, JAKARTA)).toBeNaN();
  });

  it('config refuses a window without start/end or weekly, and an unreadable start', () => {
    expect(configError(() => loadConfig('maintenance:\n  - portals: all\n', {})).problems).toEqual(['maintenance[0]: needs start and end, or weekly']);
    const bad = configError(() => loadConfig('maintenance:\n  - { portals: all, start: "besok 22:00", end: "2026-12-01T23:00" }\n', {}));
    expect(bad.problems).toEqual(['maintenance[0].start: "besok 22:00" is not a date and time (YYYY-MM-DDTHH:MM)']);
    const weekly = configError(() => loadConfig('maintenance:\n  - { portals: all, weekly: { days: [sabtu], from: "22:00", to: "02:00" } }\n', {}));
    expect(weekly.problems[0]).toMatch(/^maintenance\[0\]\.weekly\.days\[0\]: /);
    const time = configError(() => loadConfig('maintenance:\n  - { portals: all, weekly: { days: [sat], from: "24:00", to: "02:00" } }\n', {}));
    expect(time.problems).toEqual(['maintenance[0].weekly.from: expected HH:MM']);
  });

  describe('activeMaintenance', () => {
    const windows = loadConfig(
      `maintenance:
  - portals: [gresikkab]
    reason: upgrade SPSE 4.5
    start: "2026-12-01T22:00"
    end: "2026-12-02T02:00"
  - portals: all
    reason: backup mingguan
    weekly: { days: [sat], from: "22:00", to: "02:00" }
  - portals: [jayapurakab]
    timezone: Asia/Jayapura
    reason: jaringan
    weekly: { days: [mon], from: "01:00", to: "03:00" }
`,
      {},
    ).maintenance as MaintenanceWindow[];
    /** Wall-clock time in Jakarta (UTC+7) as epoch ms. */
    const wib = (iso: string) => Date.parse(`${iso}+07:00`);
    const active = (portalId: string, at: number, adHoc: AdHocMaintenance[] = []) => activeMaintenance(portalId, at, windows, adHoc, JAKARTA);

    it('a one-off window is active from start (inclusive) to end (exclusive), for its portals only', () => {
      expect(active('gresikkab', wib('2026-12-01T21:59'))).toBeNull();
      expect(active('gresikkab', wib('2026-12-01T22:00'))).toEqual({ reason: 'upgrade SPSE 4.5', until: '2026-12-01T19:00:00.000Z' });
      expect(active('gresikkab', wib('2026-12-02T01:59'))).not.toBeNull();
      expect(active('gresikkab', wib('2026-12-02T02:00'))).toBeNull();
      expect(active('surabayakota', wib('2026-12-01T23:00'))).toBeNull();
    });

    it('a weekly window runs across midnight into the next day', () => {
      // 2026-12-05 is a Saturday.
      expect(active('surabayakota', wib('2026-12-05T21:59'))).toBeNull();
      expect(active('surabayakota', wib('2026-12-05T22:00'))).toEqual({ reason: 'backup mingguan', until: null });
      expect(active('surabayakota', wib('2026-12-05T23:59'))).not.toBeNull();
      expect(active('surabayakota', wib('2026-12-06T00:00'))).not.toBeNull();
      expect(active('surabayakota', wib('2026-12-06T01:59'))).not.toBeNull();
      expect(active('surabayakota', wib('2026-12-06T02:00'))).toBeNull();
      // Sunday night and the early hours of Saturday belong to no window.
      expect(active('surabayakota', wib('2026-12-06T23:00'))).toBeNull();
      expect(active('surabayakota', wib('2026-12-05T01:00'))).toBeNull();
    });

    it('a weekly window reads the clock in its own time zone', () => {
      // Monday 01:00–03:00 in Jayapura (UTC+9) is Sunday 23:00 – Monday 01:00 in Jakarta.
      expect(active('jayapurakab', wib('2026-12-06T23:30'))).not.toBeNull();
      expect(active('jayapurakab', wib('2026-12-07T01:30'))).toBeNull();
      expect(active('jayapurakab', wib('2026-12-07T02:30'))).toBeNull();
    });

    it('an ad-hoc window from the chat command is active until it ends', () => {
      const adHoc: AdHocMaintenance[] = [{ portalId: 'bartimkab', until: '2026-12-10T05:00:00.000Z', reason: 'ganti server', by: 'telegram:111' }];
      expect(active('bartimkab', Date.parse('2026-12-10T04:59:00Z'), adHoc)).toEqual({ reason: 'ganti server', until: '2026-12-10T05:00:00.000Z' });
      expect(active('bartimkab', Date.parse('2026-12-10T05:00:00Z'), adHoc)).toBeNull();
      expect(active('gresikkab', Date.parse('2026-12-10T04:59:00Z'), adHoc)).toBeNull();
    });
  });
});
