import { describe, expect, it } from 'vitest';
import { mergeSchedule } from '../../../src/core/tenders/collector.js';
import { tenderLines } from '../../../src/core/tenders/digest.js';
import { createTenderIndex, extensionsOf } from '../../../src/core/tenders/tender-index.js';
import type { TenderKind, TenderPackage, TenderStage } from '../../../src/core/tenders/types.js';
import { plainText } from '../../../src/core/reply.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 1, 10, 3, 0); // 10 Feb 2026 10:00 WIB

function stage(name: string, end: number | null, bidSubmission = false): TenderStage {
  return { stage: name, start: end === null ? null : end - DAY, end, bidSubmission, changes: 0 };
}

function pkg(kode: string, schedule: TenderStage[], extra: Partial<TenderPackage> = {}): TenderPackage {
  return {
    portalId: 'gresikkab',
    kode,
    kind: 'tender' as TenderKind,
    name: `Paket ${kode}`,
    badges: [],
    agency: 'Dinas PUTR',
    stageText: schedule[0]?.stage ?? 'Tidak Ada Jadwal',
    active: true,
    rowFingerprint: 'fp',
    schedule,
    scheduleChanges: 0,
    scheduleFetchedAt: NOW - HOUR,
    firstSeenAt: NOW - 10 * DAY,
    lastSeenAt: NOW - HOUR,
    endChanges: [],
    ...extra,
  };
}

describe('which stages end in a window', () => {
  const index = createTenderIndex({ now: () => NOW });
  index.replaceAll([
    pkg('1', [stage('Pengumuman', NOW - DAY), stage('Upload Dokumen Penawaran', NOW + 6 * HOUR, true), stage('Pembukaan Dokumen Penawaran', NOW + 30 * HOUR)]),
    pkg('2', [stage('Masa Sanggah', NOW + 2 * HOUR), stage('Penandatanganan Kontrak', null)]),
    pkg('3', [stage('Upload Dokumen Penawaran', NOW + 20 * HOUR, true)], { active: false, stageText: 'Tender Batal' }),
    pkg('4', [stage('Pemasukan Dokumen Penawaran', NOW + 6 * HOUR, true)], { kind: 'nontender' }),
  ]);

  it('gives every stage ending between now and a day from now, soonest first (the DOWN alert)', () => {
    const found = index.stagesEndingBetween('gresikkab', NOW, NOW + DAY);
    expect(found.map((o) => `${o.kode}:${o.stage}`)).toEqual(['2:Masa Sanggah', '1:Upload Dokumen Penawaran', '4:Pemasukan Dokumen Penawaran', '3:Upload Dokumen Penawaran']);
    expect(found[1]).toEqual({
      portalId: 'gresikkab',
      kode: '1',
      kind: 'tender',
      name: 'Paket 1',
      agency: 'Dinas PUTR',
      active: true,
      stage: 'Upload Dokumen Penawaran',
      stageIndex: 1,
      start: NOW + 6 * HOUR - DAY,
      end: NOW + 6 * HOUR,
      bidSubmission: true,
    });
  });

  it('leaves out finished or cancelled packages and other stages when asked', () => {
    expect(index.stagesEndingBetween('gresikkab', NOW, NOW + DAY, { activeOnly: true }).map((o) => o.kode)).toEqual(['2', '1', '4']);
    expect(index.stagesEndingBetween('gresikkab', NOW, NOW + DAY, { activeOnly: true, bidSubmissionOnly: true }).map((o) => o.kode)).toEqual(['1', '4']);
    expect(index.stagesEndingBetween('gresikkab', NOW, NOW + DAY, { limit: 1 }).map((o) => o.kode)).toEqual(['2']);
  });

  it('gives the stages that ended inside an outage (the UP alert), both ends included', () => {
    expect(index.stagesEndingBetween('gresikkab', NOW - DAY, NOW + 2 * HOUR).map((o) => o.stage)).toEqual(['Pengumuman', 'Masa Sanggah']);
    expect(index.stagesEndingBetween('gresikkab', NOW + 3 * HOUR, NOW + 4 * HOUR)).toEqual([]);
    expect(index.stagesEndingBetween('elsewhere', NOW, NOW + DAY)).toEqual([]);
    expect(index.stagesEndingBetween('gresikkab', NOW + DAY, NOW)).toEqual([]);
  });

  it('finds a package by kode, the tender first, and lists a portal’s packages by kode', () => {
    expect(index.package('gresikkab', '4')?.kind).toBe('nontender');
    expect(index.package('gresikkab', '1', 'nontender')).toBeUndefined();
    expect(index.packages('gresikkab').map((p) => p.kode)).toEqual(['1', '2', '3', '4']);
    expect(index.size()).toBe(4);
  });

  it('moves a package’s stages when it is replaced, and drops them when it is removed', () => {
    const copy = createTenderIndex();
    copy.upsert(pkg('1', [stage('Upload Dokumen Penawaran', NOW + HOUR, true)]));
    copy.upsert(pkg('1', [stage('Upload Dokumen Penawaran', NOW + 5 * DAY, true)]));
    expect(copy.stagesEndingBetween('gresikkab', NOW, NOW + DAY)).toEqual([]);
    expect(copy.stagesEndingBetween('gresikkab', NOW, NOW + 6 * DAY).map((o) => o.end)).toEqual([NOW + 5 * DAY]);
    copy.remove('gresikkab', 'tender', '1');
    expect(copy.stagesEndingBetween('gresikkab', 0, Infinity)).toEqual([]);
    expect(copy.portalIds()).toEqual([]);
  });

  it('summarises many portals at once, with the total beyond the limit', () => {
    const summaries = index.stagesEndingBetweenMany(['gresikkab', 'elsewhere'], NOW, NOW + DAY, { activeOnly: true, limit: 2 });
    expect([...summaries.keys()]).toEqual(['gresikkab']);
    expect(summaries.get('gresikkab')!.total).toBe(3);
    expect(summaries.get('gresikkab')!.occurrences).toHaveLength(2);
  });
});

describe('stages extended after they ended inside an outage ("diperpanjang")', () => {
  const upload = NOW - 2 * HOUR; // ended at 08:00 WIB, during the outage 07:00–09:00
  const outage = { id: 'gresikkab:7', startedAt: new Date(NOW - 3 * HOUR).toISOString(), endedAt: new Date(NOW - HOUR).toISOString() };

  it('tells the stage whose end fell inside the outage and moved later', () => {
    // Pembukaan was to end after the outage: moving it later is no extension of a stage the outage hit.
    const before = pkg('1', [stage('Upload Dokumen Penawaran', upload, true), stage('Pembukaan Dokumen Penawaran', NOW + HOUR)]);
    const merged = mergeSchedule(before, [stage('Upload Dokumen Penawaran', NOW + DAY, true), stage('Pembukaan Dokumen Penawaran', NOW + DAY + HOUR)], NOW);
    const after = { ...before, ...merged };
    expect(after.endChanges).toEqual([
      { stage: 'Upload Dokumen Penawaran', occurrence: 0, previousEnd: upload, end: NOW + DAY, seenAt: NOW },
      { stage: 'Pembukaan Dokumen Penawaran', occurrence: 0, previousEnd: NOW + HOUR, end: NOW + DAY + HOUR, seenAt: NOW },
    ]);
    const index = createTenderIndex({ now: () => NOW });
    index.upsert(after);
    expect(index.extensions('gresikkab', '1', [outage])).toEqual([
      { stage: 'Upload Dokumen Penawaran', occurrence: 0, bidSubmission: true, previousEnd: upload, end: NOW + DAY, outageId: 'gresikkab:7', seenAt: NOW },
    ]);
  });

  it('tells nothing for a stage that ended outside every outage, or was moved earlier', () => {
    const before = pkg('1', [stage('Upload Dokumen Penawaran', NOW - 10 * HOUR, true), stage('Masa Sanggah', upload)]);
    const after = { ...before, ...mergeSchedule(before, [stage('Upload Dokumen Penawaran', NOW + DAY, true), stage('Masa Sanggah', upload - HOUR)], NOW) };
    expect(extensionsOf(after, [outage], NOW)).toEqual([]);
    expect(extensionsOf(after, [], NOW)).toEqual([]);
  });

  it('counts an outage still going on as running until now', () => {
    const before = pkg('1', [stage('Upload Dokumen Penawaran', upload, true)]);
    const after = { ...before, ...mergeSchedule(before, [stage('Upload Dokumen Penawaran', NOW + DAY, true)], NOW) };
    expect(extensionsOf(after, [{ id: 'open', startedAt: NOW - 3 * HOUR, endedAt: null }], NOW).map((e) => e.outageId)).toEqual(['open']);
  });

  it('keeps a known end when the page briefly shows an unreadable date', () => {
    const before = pkg('1', [stage('Upload Dokumen Penawaran', NOW + DAY, true)]);
    const merged = mergeSchedule(before, [stage('Upload Dokumen Penawaran', null, true)], NOW);
    expect(merged.schedule[0]!.end).toBe(NOW + DAY);
    expect(merged.endChanges).toEqual([]);
  });

  it('keeps at most 30 moved ends', () => {
    let current = pkg('1', [stage('Upload Dokumen Penawaran', NOW, true)]);
    for (let i = 1; i <= 40; i++) current = { ...current, ...mergeSchedule(current, [stage('Upload Dokumen Penawaran', NOW + i * HOUR, true)], NOW + i) };
    expect(current.endChanges).toHaveLength(30);
    expect(current.endChanges.at(-1)!.end).toBe(NOW + 40 * HOUR);
  });
});

describe('the tender lines of a digest', () => {
  const index = createTenderIndex({ now: () => NOW });
  index.replaceAll([
    pkg('10012345064', [stage('Upload Dokumen Penawaran', Date.UTC(2026, 1, 10, 9, 0), true), stage('Masa Sanggah', NOW + 2 * HOUR), stage('Pembukaan Dokumen Penawaran', NOW + 3 * HOUR), stage('Penetapan Pemenang', NOW + 4 * HOUR)], {
      name: 'Rehabilitasi Gedung Kantor Dinas Pendidikan Kabupaten Gresik Tahun Anggaran 2026 Tahap II',
    }),
  ]);

  it('words the soonest stages in the chat’s language, and counts the rest', () => {
    const lines = tenderLines(index, ['gresikkab', 'other'], NOW, NOW + DAY, { language: 'id', timezone: 'Asia/Jakarta', limitPerPortal: 2, now: NOW });
    expect([...lines.keys()]).toEqual(['gresikkab']);
    const text = lines.get('gresikkab')!.lines.map(plainText);
    expect(text).toEqual([
      '⏳ Masa Sanggah — Rehabilitasi Gedung Kantor Dinas Pendidikan Kabupaten… (10012345064), berakhir 10 Feb 2026 12.00 WIB',
      '⏳ Pembukaan Dokumen Penawaran — Rehabilitasi Gedung Kantor Dinas Pendidikan Kabupaten… (10012345064), berakhir 10 Feb 2026 13.00 WIB',
      '…dan 2 tahap lainnya',
    ]);
    expect(lines.get('gresikkab')!.total).toBe(4);
  });

  it('marks the bid deadline, in English too', () => {
    const lines = tenderLines(index, ['gresikkab'], NOW, NOW + DAY, { language: 'en', timezone: 'Asia/Jakarta', bidSubmissionOnly: true, now: NOW });
    expect(lines.get('gresikkab')!.lines.map(plainText)).toEqual([
      '📥 Upload Dokumen Penawaran — Rehabilitasi Gedung Kantor Dinas Pendidikan Kabupaten… (10012345064), ends 10 Feb 2026 16:00 WIB',
    ]);
  });
});

describe('the cost of the DOWN digest’s tender lines', () => {
  it('stays far under 50 ms for 600 portals of 100 running packages each (the bench asks 300)', () => {
    const index = createTenderIndex({ now: () => NOW });
    const packages: TenderPackage[] = [];
    for (let p = 0; p < 600; p++) {
      for (let k = 0; k < 100; k++) {
        const announced = NOW - 20 * DAY + ((k * 7919) % 100) * (30 * DAY / 100);
        const schedule = Array.from({ length: 12 }, (_, s) => stage(`Tahap ${s}`, announced + s * 2 * DAY, s === 3));
        packages.push({ ...pkg(String(10_000_000 + k), schedule), portalId: `p${p}` });
      }
    }
    index.replaceAll(packages);
    const portalIds = Array.from({ length: 600 }, (_, p) => `p${p}`);
    tenderLines(index, portalIds, NOW, NOW + DAY, { language: 'id', timezone: 'Asia/Jakarta' });
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const lines = tenderLines(index, portalIds, NOW, NOW + DAY, { language: 'id', timezone: 'Asia/Jakarta' });
      runs.push(performance.now() - t0);
      expect(lines.size).toBe(600);
    }
    expect(Math.min(...runs)).toBeLessThan(50);
  });
});
