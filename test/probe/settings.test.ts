import { describe, expect, it } from 'vitest';
import type { CheckResult, Classification } from '../../src/core/types.js';
import { observationSchema } from '../../src/core/vantage/protocol.js';
import { toObservation } from '../../src/probe/observation.js';
import { ProbeSettingsError, readProbeSettings } from '../../src/probe/settings.js';

const TOKEN = 'very-SECRET-probe-token';
const problemsOf = (env: Record<string, string>) => {
  try {
    readProbeSettings(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ProbeSettingsError);
    return (error as ProbeSettingsError).problems;
  }
};

describe('probe settings', () => {
  it('reads the hub address as a base URL, the id and the token', () => {
    const settings = readProbeSettings({ PROBE_HUB_URL: 'https://hub.example.org/pantau', PROBE_ID: 'surabaya-1', PROBE_TOKEN: TOKEN });
    expect(settings.hubUrl.href).toBe('https://hub.example.org/pantau/');
    expect(new URL('api/probe/assignment', settings.hubUrl).href).toBe('https://hub.example.org/pantau/api/probe/assignment');
    expect(settings).toMatchObject({ probeId: 'surabaya-1', token: TOKEN, logLevel: 'info', warnings: [] });
  });

  it('names each missing or wrong variable, and never echoes the token', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^PROBE_HUB_URL: not set/), expect.stringMatching(/^PROBE_ID: not set/), expect.stringMatching(/^PROBE_TOKEN: not set/)]);
    const problems = problemsOf({ PROBE_HUB_URL: 'ftp://hub', PROBE_ID: '-bad id', PROBE_TOKEN: 'short', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).not.toContain('short');
    expect(problemsOf({ PROBE_HUB_URL: `https://user:${TOKEN}@hub.example.org`, PROBE_ID: 'a', PROBE_TOKEN: `${TOKEN} x` }).join('\n')).not.toContain(TOKEN);
  });

  it('warns when the token would travel over plain http to another machine', () => {
    expect(readProbeSettings({ PROBE_HUB_URL: 'http://hub.example.org', PROBE_ID: 'a', PROBE_TOKEN: TOKEN }).warnings).toHaveLength(1);
    expect(readProbeSettings({ PROBE_HUB_URL: 'http://127.0.0.1:8080', PROBE_ID: 'a', PROBE_TOKEN: TOKEN }).warnings).toHaveLength(0);
  });
});

describe('observations', () => {
  const result = (extra: Partial<CheckResult> = {}): CheckResult => ({
    portalId: 'a',
    url: 'https://spse.inaproc.id/a',
    startedAt: 1_700_000_000_000,
    status: 500,
    ttfbMs: 10,
    totalMs: 12.6,
    finalUrl: 'https://spse.inaproc.id/a',
    headers: {},
    body: '',
    bodyBytes: 0,
    bodyTruncated: false,
    certExpiresAt: null,
    failure: null,
    ...extra,
  });
  const classification = (extra: Partial<Classification> = {}): Classification => ({
    state: 'down',
    cause: 'spse_error',
    httpStatus: 500,
    errorCode: '81kep4jo9',
    errorCodeEstimate: null,
    detail: 'SPSE error page',
    networkLevel: false,
    ...extra,
  });

  it('are within the schema bounds whatever the classification says', () => {
    const odd = toObservation(result(), classification({ detail: 'x'.repeat(1000), errorCode: 'A'.repeat(25), httpStatus: 999 }));
    expect(odd.detail).toHaveLength(300);
    expect(odd.errorCode).toBeNull();
    expect(odd.httpStatus).toBeNull();
    expect(odd.latencyMs).toBe(13);
    expect(observationSchema.safeParse(odd).success).toBe(true);
    const network = toObservation(result({ status: null }), classification({ cause: 'timeout', networkLevel: true, httpStatus: null, errorCode: null }));
    expect(network).toMatchObject({ latencyMs: null, networkLevel: true, at: 1_700_000_000_000 });
  });
});
