import { describe, expect, it } from 'vitest';
import { parseIndonesianDate, yearIn } from '../../../src/core/tenders/dates.js';
import { isActiveStage, listForm, parseListPage, readListRow } from '../../../src/core/tenders/list.js';
import { changesOf, isBidSubmissionStage, parseSchedulePage } from '../../../src/core/tenders/schedule.js';
import { cellText, decodeEntities } from '../../../src/core/tenders/text.js';
import { findAuthenticityToken, sessionCookie, tokenFromCookie } from '../../../src/core/tenders/token.js';
import { MAX_NAME_CHARS, MAX_STAGES } from '../../../src/core/tenders/types.js';
import { fakeTenderSchedule, jadwalPage, lelangPage, type FakePackage } from '../../fakes/fake-spse.js';
import { spseHomePage } from '../../fakes/fake-portal.js';

const WIB = (y: number, m: number, d: number, h: number, min: number) => Date.UTC(y, m - 1, d, h - 7, min);
const TOKEN = '0123456789abcdef0123456789abcdef01234567';

/** Runs `work` and says how long it took, ms. */
function timed(work: () => void): number {
  const t0 = performance.now();
  work();
  return performance.now() - t0;
}

describe('Indonesian dates on schedule pages', () => {
  it('reads "6 Februari 2026 16:05" as WIB', () => {
    expect(parseIndonesianDate('6 Februari 2026 16:05')).toBe(WIB(2026, 2, 6, 16, 5));
  });

  it.each([
    ['06 Feb 2026 16:05', WIB(2026, 2, 6, 16, 5)],
    ['6 FEBRUARI 2026 16:05', WIB(2026, 2, 6, 16, 5)],
    ['6 februari 2026 pukul 16:05', WIB(2026, 2, 6, 16, 5)],
    ['6 Februari 2026 16.05', WIB(2026, 2, 6, 16, 5)],
    ['17 Agustus 2026 09:00', WIB(2026, 8, 17, 9, 0)],
    ['17 Agt 2026 09:00', WIB(2026, 8, 17, 9, 0)],
    ['17 Agu 2026 09:00', WIB(2026, 8, 17, 9, 0)],
    ['17 Ags 2026 09:00', WIB(2026, 8, 17, 9, 0)],
    ['1 Mei 2026 00:00', WIB(2026, 5, 1, 0, 0)],
    ['31 Okt 2026 23:59', WIB(2026, 10, 31, 23, 59)],
    ['31 Des 2026 23:59', WIB(2026, 12, 31, 23, 59)],
    ['2 Jan 2027 08:00', WIB(2027, 1, 2, 8, 0)],
    ['  9\u00a0Maret 2026   10:30  ', WIB(2026, 3, 9, 10, 30)],
    ['9 Sep 2026 10:30:00', WIB(2026, 9, 9, 10, 30)],
  ])('reads %j', (text, expected) => {
    expect(parseIndonesianDate(text)).toBe(expected);
  });

  it('reads every month, full and short', () => {
    const full = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];
    const short = ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agt', 'Sep', 'Okt', 'Nov', 'Des'];
    full.forEach((month, i) => expect(parseIndonesianDate(`3 ${month} 2026 12:00`)).toBe(WIB(2026, i + 1, 3, 12, 0)));
    short.forEach((month, i) => expect(parseIndonesianDate(`3 ${month} 2026 12:00`)).toBe(WIB(2026, i + 1, 3, 12, 0)));
  });

  it("reads the portal's zone, and a WIB/WITA/WIT suffix wins over it", () => {
    const utc = Date.UTC(2026, 1, 6, 8, 0);
    expect(parseIndonesianDate('6 Februari 2026 16:00', 'Asia/Makassar')).toBe(utc); // WITA = UTC+8
    expect(parseIndonesianDate('6 Februari 2026 17:00 WIT', 'Asia/Jakarta')).toBe(utc);
    expect(parseIndonesianDate('6 Februari 2026 16:00 WITA')).toBe(utc);
    expect(parseIndonesianDate('6 Februari 2026 15:00 wib', 'Asia/Jayapura')).toBe(utc);
  });

  it.each(['', '-', 'Tidak Ada', '6 Februari 2026', '32 Januari 2026 10:00', '29 Februari 2026 10:00', '6 Brumaire 2026 10:00', '6 Februari 2026 24:00', '6 Februari 2026 16:5', '6 Februari 26 16:00', '6 Februari 2026 16:00 PST', '6 Februari 2026 16:00 WIB tambahan'])(
    'gives null, never an exception, for %j',
    (text) => {
      expect(parseIndonesianDate(text)).toBeNull();
    },
  );

  it('gives null for a 10,000-character "date"', () => {
    expect(parseIndonesianDate(`6 Februari 2026 16:00 ${'x'.repeat(10_000)}`)).toBeNull();
  });

  it('gives null for a zone nobody knows instead of throwing', () => {
    expect(parseIndonesianDate('6 Februari 2026 16:00', 'Mars/Olympus')).toBeNull();
    expect(yearIn(Date.UTC(2026, 0, 1), 'Mars/Olympus')).toBe(2026);
  });

  it('takes the year of the list in the portal’s zone (New Year’s Eve in UTC is already January in WIB)', () => {
    expect(yearIn(Date.UTC(2025, 11, 31, 18, 0))).toBe(2026);
  });
});

describe('the authenticity token of the /lelang page', () => {
  it('finds `d.authenticityToken = \'…\'` in the list page', () => {
    expect(findAuthenticityToken(lelangPage('LPSE Kabupaten Gresik', 'gresikkab', TOKEN))).toBe(TOKEN);
  });

  it('finds it in a hidden input and in the home page script', () => {
    expect(findAuthenticityToken(`<input type="hidden" name="authenticityToken" value="${TOKEN}">`)).toBe(TOKEN);
    expect(findAuthenticityToken(spseHomePage('LPSE Kabupaten Gresik', { token: TOKEN }))).toBe(TOKEN);
  });

  it('takes nothing that is not exactly 40 hex characters between quotes', () => {
    expect(findAuthenticityToken(`authenticityToken = '${TOKEN}0'`)).toBeNull();
    expect(findAuthenticityToken(`authenticityToken = '${TOKEN.slice(1)}'`)).toBeNull();
    expect(findAuthenticityToken(`authenticityToken = '${TOKEN.slice(0, 39)}g'`)).toBeNull();
    expect(findAuthenticityToken(lelangPage('LPSE', 'gresikkab', null))).toBeNull();
  });

  it('reads the session cookie and its token when the page has none', () => {
    const cookie = sessionCookie(`foo=bar; Path=/\nSPSE_SESSION=abc-___AT=${TOKEN}&___TS=1&___ID=x; Path=/gresikkab; HttpOnly`);
    expect(cookie).toBe(`SPSE_SESSION=abc-___AT=${TOKEN}&___TS=1&___ID=x`);
    expect(tokenFromCookie(cookie)).toBe(TOKEN);
    expect(tokenFromCookie('SPSE_SESSION=abc-___AT=&___TS=1')).toBeNull();
    expect(sessionCookie(undefined)).toBeNull();
  });

  it('costs milliseconds on a hostile page built to make patterns backtrack', () => {
    const hostile = 'authenticityToken = "'.repeat(40_000) + 'a'.repeat(100_000);
    let found: string | null = 'x';
    expect(timed(() => (found = findAuthenticityToken(hostile)))).toBeLessThan(200);
    expect(found).toBeNull();
  });
});

describe('the DataTables list answers', () => {
  const tenderRow = (kode: string, name: string, stage = 'Upload Dokumen Penawaran') => [kode, name, 'Dinas PUTR', stage, '1,2 M', 'Pascakualifikasi', 'Tender', 'Harga Terendah', 'Pekerjaan Konstruksi - TA 2026', 1, '0', null, null, null, null, null];
  const answer = (data: unknown[]) => JSON.stringify({ draw: 1, recordsTotal: 2147483647, recordsFiltered: 2147483647, data });

  it('reads a tender row: kode, plain name with the badges apart, agency, stage, active', () => {
    const page = parseListPage(answer([tenderRow('10012345064', "Rehabilitasi Gedung &amp; Pagar <span class='badge badge-danger'>Tender Ulang</span>")]), 'tender');
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.rows).toEqual([
      expect.objectContaining({ kode: '10012345064', kind: 'tender', name: 'Rehabilitasi Gedung & Pagar', badges: ['Tender Ulang'], agency: 'Dinas PUTR', stageText: 'Upload Dokumen Penawaran', active: true }),
    ]);
    expect(page.problems).toEqual({});
  });

  it('reads a 12-cell non-tender row', () => {
    const page = parseListPage(answer([['20012345064', 'Belanja ATK', 'Sekretariat Daerah', 'Pemasukan Dokumen Penawaran', '180,5 Jt', 'Pengadaan Langsung', 'Pengadaan Barang - TA 2026', 1, '0', null, 'Tidak', 'Tidak']]), 'nontender');
    expect(page.ok && page.rows[0]).toEqual(expect.objectContaining({ kode: '20012345064', kind: 'nontender', active: true }));
    expect(page.ok && page.problems).toEqual({});
  });

  it.each([
    ['Tender Sudah Selesai', false],
    ['Paket Sudah Selesai', false],
    ['Tender Batal', false],
    ['Paket Dibatalkan', false],
    ['Tender Gagal', false],
    ['Upload Dokumen Penawaran', true],
    ['Tidak Ada Jadwal', true],
  ])('takes a package whose stage reads %j as active: %s', (stage, active) => {
    expect(isActiveStage(stage)).toBe(active);
  });

  it('skips bad rows with a counted cause and keeps the rest', () => {
    const page = parseListPage(answer([tenderRow('1', 'Baik'), ['2', 'pendek'], { kode: '3' }, tenderRow('12a', 'Kode aneh'), tenderRow('4', 'Juga baik').slice(0, 6), tenderRow('5', 'Lebih').concat(['extra', 'cells'])]), 'tender');
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.rows.map((r) => r.kode)).toEqual(['1', '4', '5']);
    expect(page.rawRowCount).toBe(6);
    expect(page.problems).toEqual({ row_short: 1, row_not_array: 1, row_bad_kode: 1, row_fewer_cells: 1 });
  });

  it('says HTML is not JSON, and JSON without data is not a DataTables answer', () => {
    expect(parseListPage('<!DOCTYPE html><title>Terjadi Kesalahan</title>', 'tender')).toEqual(expect.objectContaining({ ok: false, cause: 'list_not_json' }));
    expect(parseListPage('{"draw": 1, "data": ', 'tender')).toEqual(expect.objectContaining({ ok: false, cause: 'list_not_json' }));
    expect(parseListPage('{"draw": 1}', 'tender')).toEqual(expect.objectContaining({ ok: false, cause: 'list_invalid' }));
    expect(parseListPage('{"data": "many"}', 'tender')).toEqual(expect.objectContaining({ ok: false, cause: 'list_invalid' }));
  });

  it('reads an empty list as empty', () => {
    expect(parseListPage(answer([]), 'tender')).toEqual({ ok: true, rows: [], rawRowCount: 0, problems: {} });
  });

  it('bounds every string and the rows of one page', () => {
    const long = `${'Pembangunan '.repeat(100)}<b>${'x'.repeat(100_000)}</b>`;
    const rows = Array.from({ length: 5_100 }, (_, i) => (i === 0 ? tenderRow('1', long, 'Upload '.repeat(1000)) : tenderRow(String(i + 1), 'Jalan')));
    const page = parseListPage(answer(rows), 'tender');
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.rows).toHaveLength(5_000);
    expect(page.problems.rows_over_cap).toBe(100);
    expect(page.rows[0]!.name.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(page.rows[0]!.stageText.length).toBeLessThanOrEqual(300);
  });

  it('takes a kode given as a number, and refuses one that is not exact', () => {
    expect(readListRow([10012345064, 'a', 'b', 'c'], 'tender')).toEqual(expect.objectContaining({ kode: '10012345064' }));
    expect(readListRow([1e300, 'a', 'b', 'c'], 'tender')).toEqual({ skipped: 'row_bad_kode' });
    expect(readListRow(['', 'a', 'b', 'c'], 'tender')).toEqual({ skipped: 'row_bad_kode' });
    expect(readListRow(['1', { html: true }, 'b', 'c'], 'tender')).toEqual({ skipped: 'row_short' });
  });

  it('notices a changed row by its fingerprint', () => {
    const a = readListRow(tenderRow('1', 'Jalan'), 'tender');
    const b = readListRow(tenderRow('1', 'Jalan', 'Pembukaan Dokumen Penawaran'), 'tender');
    const c = readListRow(tenderRow('1', 'Jalan'), 'tender');
    expect('fingerprint' in a && 'fingerprint' in b && 'fingerprint' in c).toBe(true);
    if (!('fingerprint' in a && 'fingerprint' in b && 'fingerprint' in c)) return;
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(a.fingerprint).toBe(c.fingerprint);
  });

  it('asks for the list ordered by kode, with the token', () => {
    const form = new URLSearchParams(listForm({ draw: 3, start: 200, length: 100, token: TOKEN, kind: 'tender' }));
    expect(form.get('order[0][column]')).toBe('0');
    expect(form.get('start')).toBe('200');
    expect(form.get('length')).toBe('100');
    expect(form.get('authenticityToken')).toBe(TOKEN);
    expect(form.get('columns[15][data]')).toBe('15');
  });
});

describe('plain text out of cell markup', () => {
  it('decodes entities, named and numeric, and leaves what is no entity', () => {
    expect(decodeEntities('Jalan &amp; Jembatan &#39;A&#x27; &quot;B&quot; &nbsp;C&hellip; &bogus; & 5 &#xZZ;')).toBe(`Jalan & Jembatan 'A' "B"  C… &bogus; & 5 &#xZZ;`);
  });

  it('takes every badge out of a name, nested markup included', () => {
    expect(cellText(`<a href="x">Jalan</a> <span class="badge badge-warning"><i class="fa fa-refresh"></i> Tender Ulang</span> <span class='badge badge-danger'>Tender Batal</span>`, 300)).toEqual({
      text: 'Jalan',
      badges: ['Tender Ulang', 'Tender Batal'],
    });
    expect(cellText(`Jalan <span class="label label-danger">Tender Gagal</span>`, 300)).toEqual({ text: 'Jalan', badges: ['Tender Gagal'] });
  });

  it('keeps a lone < as text and survives unclosed tags', () => {
    expect(cellText('Harga < 200 Jt <b>penting', 300).text).toBe('Harga < 200 Jt penting');
    expect(cellText(`Jalan <span class='badge'>Tender Ulang`, 300)).toEqual({ text: 'Jalan', badges: ['Tender Ulang'] });
  });

  it('costs milliseconds on hostile markup', () => {
    expect(timed(() => cellText('<'.repeat(200_000), 300))).toBeLessThan(200);
    expect(timed(() => cellText(`<span class='${' '.repeat(500)}`.repeat(1_000), 300))).toBeLessThan(200);
    expect(timed(() => decodeEntities('&'.repeat(200_000)))).toBeLessThan(200);
  });
});

describe('the schedule page', () => {
  const announced = WIB(2026, 2, 2, 8, 0);
  const pkg: FakePackage = { kode: '10012345064', kind: 'tender', name: 'Rehabilitasi Gedung', schedule: fakeTenderSchedule(announced) };

  it('reads every stage of the table inside div.content, with WIB dates and the bid submission stage marked', () => {
    const page = parseSchedulePage(jadwalPage('LPSE Kabupaten Gresik', 'gresikkab', pkg));
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.stages).toHaveLength(12);
    expect(page.stages[3]).toEqual({ stage: 'Upload Dokumen Penawaran', start: pkg.schedule[3]!.start, end: pkg.schedule[3]!.end, bidSubmission: true, changes: 0 });
    expect(page.stages.filter((s) => s.bidSubmission).map((s) => s.stage)).toEqual(['Upload Dokumen Penawaran']);
    expect(page.scheduleChanges).toBe(0);
    expect(page.problems).toEqual({});
  });

  it('counts the Perubahan column', () => {
    const changed: FakePackage = { ...pkg, schedule: pkg.schedule.map((s, i) => (i === 3 ? { ...s, changes: 2 } : i === 4 ? { ...s, changes: 1 } : s)) };
    const page = parseSchedulePage(jadwalPage('LPSE', 'gresikkab', changed));
    expect(page.ok && page.stages[3]!.changes).toBe(2);
    expect(page.ok && page.scheduleChanges).toBe(3);
    expect(changesOf('Tidak Ada')).toBe(0);
    expect(changesOf('12 kali perubahan')).toBe(12);
    expect(changesOf('sering')).toBeNull();
  });

  it('keeps unknown stage names as they are, and counts them', () => {
    const page = parseSchedulePage(jadwalPage('LPSE', 'gresikkab', pkg, { unknownStages: true }));
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.stages[0]!.stage).toBe('Tahap Misterius 1');
    expect(page.problems.schedule_unknown_stage).toBe(12);
    expect(page.unknownStages).toHaveLength(5);
  });

  it('turns unreadable dates into null, and counts them', () => {
    const page = parseSchedulePage(jadwalPage('LPSE', 'gresikkab', pkg, { badDates: true }));
    expect(page.ok && page.stages.every((s) => s.start === null && s.end === null)).toBe(true);
    expect(page.ok && page.problems.schedule_bad_date).toBe(24);
  });

  it('says so when the page has no schedule table', () => {
    expect(parseSchedulePage(jadwalPage('LPSE', 'gresikkab', pkg, { noTable: true }))).toEqual(expect.objectContaining({ ok: false, cause: 'schedule_missing' }));
    expect(parseSchedulePage('<html><body>Maaf, terjadi error</body></html>')).toEqual(expect.objectContaining({ ok: false, cause: 'schedule_missing' }));
  });

  it('finds the columns by their header words, in any order', () => {
    const html = `<div class="content"><table><tr><th>Tahap</th><th>Perubahan</th><th>Sampai</th><th>Mulai</th></tr>
      <tr><td>Pemasukan Dokumen Penawaran</td><td>1 kali perubahan</td><td>7 Feb 2026 16:00</td><td>2 Feb 2026 08:00</td></tr></table></div>`;
    const page = parseSchedulePage(html);
    expect(page.ok && page.stages).toEqual([{ stage: 'Pemasukan Dokumen Penawaran', start: WIB(2026, 2, 2, 8, 0), end: WIB(2026, 2, 7, 16, 0), bidSubmission: true, changes: 1 }]);
  });

  it('keeps at most 60 stages and counts the rest', () => {
    const many: FakePackage = { ...pkg, schedule: Array.from({ length: 80 }, (_, i) => ({ stage: `Evaluasi ${i}`, start: announced, end: announced + i * 60_000 })) };
    const page = parseSchedulePage(jadwalPage('LPSE', 'gresikkab', many));
    expect(page.ok && page.stages).toHaveLength(MAX_STAGES);
    expect(page.ok && page.problems.schedule_truncated).toBe(1);
  });

  it('cuts every cell to 300 characters', () => {
    const long: FakePackage = { ...pkg, schedule: [{ stage: `Evaluasi ${'panjang '.repeat(200)}`, start: announced, end: announced }] };
    const page = parseSchedulePage(jadwalPage('LPSE', 'gresikkab', long));
    expect(page.ok && page.stages[0]!.stage.length).toBeLessThanOrEqual(300);
  });

  it('marks the bid submission stage by its words', () => {
    expect(isBidSubmissionStage('Upload Dokumen Penawaran')).toBe(true);
    expect(isBidSubmissionStage('Pemasukan Dokumen Penawaran')).toBe(true);
    expect(isBidSubmissionStage('Penyampaian Dokumen Penawaran')).toBe(true);
    expect(isBidSubmissionStage('Kirim Penawaran Harga')).toBe(true);
    expect(isBidSubmissionStage('Pembukaan Dokumen Penawaran')).toBe(false);
    expect(isBidSubmissionStage('Upload Berita Acara Hasil Pemilihan')).toBe(false);
  });

  it('costs milliseconds on a hostile page: 100,000 rows that never close, a table of 60,000 cells', () => {
    const unclosed = `<div class="content"><table><tr><th>Tahap</th><th>Mulai</th><th>Sampai</th>${'<tr><td>x'.repeat(100_000)}`;
    expect(timed(() => parseSchedulePage(unclosed))).toBeLessThan(300);
    const cells = `<table>${'<td>'.repeat(60_000)}</table>`.repeat(3);
    expect(timed(() => parseSchedulePage(cells))).toBeLessThan(300);
    const tables = '<table><tr><td>No</td></tr></table>'.repeat(20_000);
    expect(timed(() => parseSchedulePage(tables))).toBeLessThan(300);
  });
});
