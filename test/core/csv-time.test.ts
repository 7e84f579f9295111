import { describe, expect, it } from 'vitest';
import { INCIDENT_CSV_COLUMNS, incidentsCsv } from '../../src/core/incidents-csv.js';
import { formatDateTime, formatDuration, formatPercent, isoWithOffset, zoneLabel } from '../../src/core/time.js';
import type { Incident, Portal } from '../../src/core/types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2023-05-26 08:48 UTC = 15:48 WIB, the day the Gresik outage was reported. */
const GRESIK = Date.UTC(2023, 4, 26, 8, 48);

describe('formatDuration', () => {
  it.each([
    [2 * HOUR + 13 * MIN, 'id', '2 jam 13 menit'],
    [2 * HOUR + 13 * MIN, 'en', '2 h 13 min'],
    [13 * MIN + 29_000, 'id', '13 menit'],
    [13 * MIN + 30_000, 'id', '14 menit'],
    [3 * HOUR, 'id', '3 jam'],
    [3 * 24 * HOUR + 5 * HOUR + 40 * MIN, 'id', '3 hari 5 jam'],
    [24 * HOUR + 40 * MIN, 'en', '1 day'],
    [2 * 24 * HOUR + HOUR, 'en', '2 days 1 h'],
    [20_000, 'id', 'kurang dari 1 menit'],
    [0, 'en', 'less than a minute'],
    [-5 * MIN, 'id', 'kurang dari 1 menit'],
  ] as const)('%d ms in %s is %j', (ms, language, text) => {
    expect(formatDuration(ms, language)).toBe(text);
  });
});

describe('formatDateTime', () => {
  it('writes Indonesian time with a dot and the zone as Indonesians name it', () => {
    expect(formatDateTime(GRESIK, 'Asia/Jakarta', 'id')).toBe('26 Mei 2023 15.48 WIB');
    expect(formatDateTime(GRESIK, 'Asia/Jakarta', 'en')).toBe('26 May 2023 15:48 WIB');
    expect(formatDateTime(GRESIK, 'Asia/Makassar', 'id')).toBe('26 Mei 2023 16.48 WITA');
    expect(formatDateTime(GRESIK, 'Asia/Jayapura', 'id')).toBe('26 Mei 2023 17.48 WIT');
  });

  it('moves to the next local day across midnight', () => {
    expect(formatDateTime(Date.UTC(2023, 11, 31, 17, 5), 'Asia/Jakarta', 'id')).toBe('1 Jan 2024 00.05 WIB');
  });

  it('falls back to the UTC offset outside Indonesia', () => {
    expect(zoneLabel('UTC', GRESIK)).toBe('UTC');
    expect(zoneLabel('Asia/Kolkata', GRESIK)).toBe('UTC+5:30');
    expect(zoneLabel('America/Sao_Paulo', GRESIK)).toBe('UTC-3');
    expect(formatDateTime(GRESIK, 'Asia/Singapore', 'en')).toBe('26 May 2023 16:48 UTC+8');
  });
});

describe('isoWithOffset', () => {
  it('writes local time with its offset', () => {
    expect(isoWithOffset(GRESIK, 'Asia/Jakarta')).toBe('2023-05-26T15:48:00+07:00');
    expect(isoWithOffset(GRESIK, 'Asia/Jayapura')).toBe('2023-05-26T17:48:00+09:00');
    expect(isoWithOffset(GRESIK, 'UTC')).toBe('2023-05-26T08:48:00+00:00');
    expect(isoWithOffset(GRESIK, 'Asia/Kolkata')).toBe('2023-05-26T14:18:00+05:30');
    expect(isoWithOffset(GRESIK, 'America/St_Johns')).toBe('2023-05-26T06:18:00-02:30');
  });

  it('names the same instant as the UTC time it came from', () => {
    for (const zone of ['Asia/Jakarta', 'Asia/Kolkata', 'America/St_Johns']) {
      expect(Date.parse(isoWithOffset(GRESIK + 37_000, zone))).toBe(GRESIK + 37_000);
    }
  });
});

describe('formatPercent', () => {
  it('rounds down, never showing 100% for a portal that failed once', () => {
    expect(formatPercent(0.99995, 'id')).toBe('99,99%');
    expect(formatPercent(0.99995, 'en')).toBe('99.99%');
    expect(formatPercent(1, 'id')).toBe('100,00%');
    expect(formatPercent(null, 'en')).toBe('–');
  });
});

describe('incidentsCsv', () => {
  const portal: Portal = {
    id: 'gresikkab',
    name: 'LPSE Kabupaten Gresik, "Jawa Timur"',
    url: 'https://spse.inaproc.id/gresikkab',
    aliases: [],
    kind: 'kabupaten',
    province: 'Jawa Timur',
    legacyUrl: 'https://lpse.gresikkab.go.id/eproc4',
    lkppRepoId: 123,
    instansi: [],
  };
  const closed: Incident = {
    id: 'gresikkab:4',
    portalId: 'gresikkab',
    startedAt: '2023-05-26T08:48:00.000Z',
    endedAt: '2023-05-26T11:01:29.600Z',
    durationMs: 2 * HOUR + 13 * MIN + 29_600,
    cause: 'spse_error',
    httpStatus: 500,
    errorCode: '81kep4jo9',
    errorCodeEstimate: '2023-05-25T08:48:09.749Z',
    detail: 'SPSE error page, Kode Error 81kep4jo9 (HTTP 500)',
    checksFailed: 134,
  };
  const open: Incident = {
    ...closed,
    id: 'gresikkab:6',
    startedAt: '2023-06-01T00:00:00.000Z',
    endedAt: null,
    durationMs: null,
    cause: 'timeout',
    httpStatus: null,
    errorCode: null,
    errorCodeEstimate: null,
    checksFailed: 2,
  };
  const rows = (csv: string) => csv.split('\r\n');

  it('has a stable header and one CRLF-terminated row per incident, oldest first', () => {
    const csv = incidentsCsv(portal, [open, closed], 'Asia/Jakarta', new Map([['gresikkab:4', 3]]));
    expect(INCIDENT_CSV_COLUMNS.join(',')).toBe(
      'incident_id,portal_id,portal_name,started_at,ended_at,duration_seconds,cause,http_status,error_code,error_code_estimate,checks_failed,affected_stages',
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(rows(csv)).toEqual([
      INCIDENT_CSV_COLUMNS.join(','),
      'gresikkab:4,gresikkab,"LPSE Kabupaten Gresik, ""Jawa Timur""",2023-05-26T15:48:00+07:00,2023-05-26T18:01:29+07:00,8010,spse_error,500,81kep4jo9,2023-05-25T15:48:09+07:00,134,3',
      'gresikkab:6,gresikkab,"LPSE Kabupaten Gresik, ""Jawa Timur""",2023-06-01T07:00:00+07:00,,,timeout,,,,2,',
      '',
    ]);
  });

  it('writes times in the requested zone', () => {
    const [, row] = rows(incidentsCsv(portal, [closed], 'Asia/Jayapura'));
    expect(row).toContain(',2023-05-26T17:48:00+09:00,2023-05-26T20:01:29+09:00,');
  });

  it('an empty history is just the header', () => {
    expect(incidentsCsv(portal, [], 'Asia/Jakarta')).toBe(`${INCIDENT_CSV_COLUMNS.join(',')}\r\n`);
  });

  it.each([
    ['=HYPERLINK("http://evil.example","klik")', `"'=HYPERLINK(""http://evil.example"",""klik"")"`],
    ['+62 811 000', `'+62 811 000`],
    ['-1+1', `'-1+1`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `"'\r=1+1"`],
    ['LPSE Kota Bandung', 'LPSE Kota Bandung'],
    ['line\nbreak', '"line\nbreak"'],
  ])('defuses spreadsheet formulas and quotes text: %j', (name, cell) => {
    const csv = incidentsCsv({ ...portal, name }, [closed], 'Asia/Jakarta');
    const header = `${INCIDENT_CSV_COLUMNS.join(',')}\r\n`;
    expect(csv.slice(header.length).startsWith(`gresikkab:4,gresikkab,${cell},2023-05-26T15:48:00+07:00,`)).toBe(true);
  });
});
