import { beforeEach, describe, expect, it } from 'vitest';
import type { TenderPackage, TenderPortalState } from '../../src/core/tenders/types.js';
import type { Store } from '../../src/store/open-store.js';
import { createTenderStore } from '../../src/store/tender-store.js';
import { availableBackends, captureLogger, useTestStores, writeRaw } from '../helpers/stores.js';

const backends = availableBackends();
for (const [name, variable] of [['redis', 'REDIS_URL'], ['postgres', 'DATABASE_URL']] as const) {
  if (!backends.find((b) => b.name === name)?.enabled) console.log(`tender-store.test.ts: ${name} skipped: ${variable} not set`);
}

const NOW = Date.UTC(2026, 1, 10, 3, 0);
const DAY = 86_400_000;

function tender(portalId: string, kode: string, extra: Partial<TenderPackage> = {}): TenderPackage {
  return {
    portalId,
    kode,
    kind: 'tender',
    name: `Rehabilitasi Gedung ${kode}`,
    badges: ['Tender Ulang'],
    agency: 'Dinas PUTR',
    stageText: 'Upload Dokumen Penawaran',
    active: true,
    rowFingerprint: 'abcdef0123456789',
    schedule: [
      { stage: 'Pengumuman Pascakualifikasi', start: NOW - 3 * DAY, end: NOW - DAY, bidSubmission: false, changes: 0 },
      { stage: 'Upload Dokumen Penawaran', start: NOW - 2 * DAY, end: NOW + DAY, bidSubmission: true, changes: 1 },
      { stage: 'Penandatanganan Kontrak', start: null, end: null, bidSubmission: false, changes: null },
    ],
    scheduleChanges: 1,
    scheduleFetchedAt: NOW,
    firstSeenAt: NOW - 3 * DAY,
    lastSeenAt: NOW,
    endChanges: [{ stage: 'Upload Dokumen Penawaran', occurrence: 0, previousEnd: NOW - DAY, end: NOW + DAY, seenAt: NOW }],
    ...extra,
  };
}

const state = (portalId: string, extra: Partial<TenderPortalState> = {}): TenderPortalState => ({
  portalId,
  lastRefreshAt: NOW,
  blockedCause: null,
  blockedUntil: null,
  backoffMs: 0,
  lastErrorCause: null,
  lastErrorAt: null,
  ...extra,
});

const kodes = (packages: TenderPackage[]) => packages.map((p) => `${p.portalId}:${p.kind}:${p.kode}`).sort();

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`tender store over ${backend.name}`, () => {
    const stores = useTestStores(backend.name);
    let store: Store;

    beforeEach(async () => {
      store = await stores.open();
    });

    it('keeps each package as it was written, and finds it by portal, kind and kode', async () => {
      const tenders = createTenderStore(store.keyv);
      const pkg = tender('gresikkab', '10012345064');
      await tenders.putMany([pkg, tender('gresikkab', '10012345064', { kind: 'nontender', name: 'Belanja ATK' })]);
      const again = createTenderStore((await stores.reopen(store)).keyv);
      expect(await again.get('gresikkab', 'tender', '10012345064')).toEqual(pkg);
      expect((await again.get('gresikkab', 'nontender', '10012345064'))?.name).toBe('Belanja ATK');
      expect(await again.get('gresikkab', 'tender', '999')).toBeUndefined();
    });

    it('lists one portal’s packages and not those of a portal whose id begins the same', async () => {
      const tenders = createTenderStore(store.keyv);
      await tenders.putMany([tender('gresik', '1'), tender('gresikkab', '2'), tender('gresikkab', '3')]);
      expect(kodes(await tenders.packagesOf('gresikkab'))).toEqual(['gresikkab:tender:2', 'gresikkab:tender:3']);
      expect(kodes(await tenders.packagesOf('gresik'))).toEqual(['gresik:tender:1']);
      expect(await tenders.all()).toHaveLength(3);
    });

    it('writes one bounded record per package: a refresh rewrites only what changed', async () => {
      const tenders = createTenderStore(store.keyv);
      const big = tender('gresikkab', '1', {
        name: 'n'.repeat(300),
        schedule: Array.from({ length: 60 }, (_, i) => ({ stage: `${'Evaluasi '.repeat(33)}${i}`.slice(0, 300), start: NOW + i, end: NOW + i, bidSubmission: false, changes: 0 })),
        endChanges: Array.from({ length: 30 }, (_, i) => ({ stage: 'x'.repeat(300), occurrence: i, previousEnd: NOW, end: NOW + i, seenAt: NOW })),
      });
      await tenders.putMany([big]);
      const raw = JSON.stringify(await store.keyv.get('tender:gresikkab:t1'));
      expect(raw.length).toBeLessThan(40_000);
      expect(await tenders.get('gresikkab', 'tender', '1')).toEqual(big);
    });

    it('loses nothing when two replicas write different packages at the same time', async () => {
      const a = createTenderStore(store.keyv);
      const b = createTenderStore((await stores.reopen(store)).keyv);
      await Promise.all([
        ...Array.from({ length: 100 }, (_, i) => a.putMany([tender('gresikkab', String(i))])),
        ...Array.from({ length: 100 }, (_, i) => b.putMany([tender('gresikkab', String(1000 + i))])),
        a.putMany(Array.from({ length: 250 }, (_, i) => tender('surabayakota', String(i)))),
      ]);
      const again = createTenderStore((await stores.reopen(store)).keyv);
      expect(await again.packagesOf('gresikkab')).toHaveLength(200);
      expect(await again.packagesOf('surabayakota')).toHaveLength(250);
    });

    it('forgets the packages it is told to', async () => {
      const tenders = createTenderStore(store.keyv);
      await tenders.putMany([tender('gresikkab', '1'), tender('gresikkab', '2'), tender('gresikkab', '2', { kind: 'nontender' })]);
      await tenders.removeMany([{ portalId: 'gresikkab', kind: 'tender', kode: '2' }]);
      expect(kodes(await tenders.all())).toEqual(['gresikkab:nontender:2', 'gresikkab:tender:1']);
    });

    it('keeps the collector’s state per portal, apart from the packages', async () => {
      const tenders = createTenderStore(store.keyv);
      await tenders.putMany([tender('gresikkab', '1')]);
      await tenders.setPortalState(state('gresikkab', { blockedCause: 'access_denied', blockedUntil: NOW + 900_000, backoffMs: 900_000 }));
      await tenders.setPortalState(state('surabayakota'));
      const again = createTenderStore((await stores.reopen(store)).keyv);
      expect((await again.portalStates()).sort((x, y) => x.portalId.localeCompare(y.portalId))).toEqual([
        state('gresikkab', { blockedCause: 'access_denied', blockedUntil: NOW + 900_000, backoffMs: 900_000 }),
        state('surabayakota'),
      ]);
      expect(await again.all()).toHaveLength(1);
    });

    it('sets an unreadable package aside and reads the others', async () => {
      const { logger, lines } = captureLogger();
      const tenders = createTenderStore(store.keyv, { logger });
      await tenders.putMany([tender('gresikkab', '1')]);
      await writeRaw(store, 'tender:gresikkab:t2', 'garbage{"');
      await store.keyv.set('tender:gresikkab:t3', { ...tender('gresikkab', '3'), schedule: 'soon' });
      await store.keyv.set('tender:gresikkab:t4', tender('gresikkab', '4', { name: 'x'.repeat(5_000) }));
      expect(kodes(await tenders.packagesOf('gresikkab'))).toEqual(['gresikkab:tender:1']);
      expect((await store.quarantined()).map((q) => q.originalKey).sort()).toEqual(['tender:gresikkab:t2', 'tender:gresikkab:t3', 'tender:gresikkab:t4']);
      expect(lines.filter((l) => l.component === 'store' && l.level === 50)).toHaveLength(3);
    });
  });
}
