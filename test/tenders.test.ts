import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import type { TenderPackage } from '../src/core/tenders/types.js';
import { openStore } from '../src/store/open-store.js';
import { createTenderStore } from '../src/store/tender-store.js';
import { createFakeBotApi, type FakeBotApi } from './fakes/fake-bot-api.js';
import { createFakeSpse, fakeTenderSchedule, type FakeSpse } from './fakes/fake-spse.js';
import { startApp, tempSqliteUrl } from './helpers/app.js';

const HOUR = 3_600_000;
const CHAT = { id: -1001234567890, type: 'supergroup' as const, title: 'Asosiasi Rekanan Gresik' };
const ADMIN = { id: 501, is_bot: false, first_name: 'Sari' };

/** A schedule whose bid upload ends `hoursFromNow` from now (the other stages around it). */
function uploadEndingIn(hoursFromNow: number) {
  const schedule = fakeTenderSchedule(Date.now() + hoursFromNow * HOUR - (7 * 24 + 4) * HOUR);
  return schedule;
}

describe('tender impact, end to end', () => {
  let spse: FakeSpse;
  let telegram: FakeBotApi;
  let app: App | null = null;
  let storeUrl: string;

  const say = async (text: string) => {
    const before = telegram.messagesTo(CHAT.id).length;
    telegram.sendText({ chat: CHAT, from: ADMIN, text });
    await telegram.waitFor(() => telegram.messagesTo(CHAT.id).length > before);
    return telegram.messagesTo(CHAT.id).at(-1)!.text ?? '';
  };
  const cycle = async () => {
    await app!.monitor.runCycle({ all: true });
    await app!.outbox.idle();
  };
  const api = async (path: string) => fetch(`http://127.0.0.1:${app!.port()}${path}`);

  beforeEach(async () => {
    spse = await createFakeSpse({
      portals: [
        {
          slug: 'gresikkab',
          name: 'LPSE Kabupaten Gresik',
          packages: [
            { kode: '10012345064', kind: 'tender', name: 'Pembangunan Jalan Lingkungan Kecamatan Menganti', agency: 'Dinas PUTR', schedule: uploadEndingIn(10) },
            { kode: '10012346064', kind: 'tender', name: 'Rehabilitasi Gedung Kantor Camat', agency: 'Sekretariat Daerah', schedule: uploadEndingIn(40) },
          ],
        },
      ],
    });
    telegram = await createFakeBotApi();
    telegram.setMemberStatus(CHAT.id, ADMIN.id, 'administrator');
    storeUrl = tempSqliteUrl();
  });
  afterEach(async () => {
    await app?.stop();
    app = null;
    await telegram.close();
    await spse.close();
  });

  const boot = async () => {
    const yaml = [
      'check: { failuresToDown: 1, successesToUp: 1, timeoutSeconds: 2 }',
      'telegram: { pollTimeoutSeconds: 1, messagesPerSecond: 200 }',
      'tenders: { requestIntervalMs: 500 }',
      'publicUrl: "https://status.example.id"',
      'portals:',
      `  - { id: gresikkab, name: "LPSE Kabupaten Gresik", url: "${spse.urlOf('gresikkab')}", aliases: [gresik] }`,
    ].join('\n');
    app = await startApp(yaml, { STORE_URL: storeUrl, TELEGRAM_BOT_TOKEN: '123:fake', TELEGRAM_API_ROOT: telegram.apiRoot });
    return app;
  };

  it('collects the schedules while the portal is up, answers /tender and the API, and puts the deadlines at risk in the DOWN alert', async () => {
    await boot();
    await say('/subscribe gresik');
    await cycle();
    const report = await app!.collectTenders();
    expect(report.refreshed).toEqual(['gresikkab']);

    const tenders = (await (await api('/api/portals/gresikkab/tenders')).json()) as Array<Record<string, unknown>>;
    expect(tenders.map((t) => t['kode']).sort()).toEqual(['10012345064', '10012346064']);
    expect(tenders[0]).toMatchObject({ kind: 'tender', agency: expect.any(String) as unknown, scheduleChanges: 0 });
    expect((tenders[0]!['schedule'] as Array<Record<string, unknown>>)[0]).toMatchObject({ stage: 'Pengumuman Pascakualifikasi', end: expect.stringMatching(/\+07:00$/) as unknown });
    expect(await (await api('/api/portals/gresikkab')).json()).toMatchObject({ tendersBlocked: false });

    const upcoming = await say('/tender gresik');
    expect(upcoming).toContain('Upload Dokumen Penawaran');
    expect(upcoming).toContain('10012345064');
    const whole = await say('/jadwal gresik 10012346064');
    expect(whole).toContain('Rehabilitasi Gedung Kantor Camat');
    expect(whole).toContain('Penandatanganan Kontrak');

    spse.fail('gresikkab', 'home', { kind: 'status', status: 500 });
    await cycle();
    const down = telegram.messagesTo(CHAT.id).find((m) => /DOWN/.test(m.text ?? ''))!;
    // Its download stage and its bid upload end within 24 hours; the other package's later.
    expect(down.text).toContain('Tahap berakhir dalam 24 jam (2)');
    expect(down.text).toContain('📥 <b>Upload Dokumen Penawaran</b> — Pembangunan Jalan Lingkungan Kecamatan Menganti');
    expect(down.text).toContain('10012345064');
    expect(down.text).not.toContain('10012346064');
  });

  it('tells in the UP alert which stages ended during the outage, and keeps them as evidence', async () => {
    // A package whose bid upload ends a moment from now, already known (it is read from the store).
    const seedStore = await openStore(storeUrl);
    const endsAt = Date.now() + 1500;
    const pkg: TenderPackage = {
      portalId: 'gresikkab',
      kode: '10099999064',
      kind: 'tender',
      name: 'Pengadaan Alat Kesehatan RSUD Ibnu Sina',
      badges: [],
      agency: 'RSUD Ibnu Sina',
      stageText: 'Upload Dokumen Penawaran',
      active: true,
      rowFingerprint: 'x',
      schedule: [{ stage: 'Upload Dokumen Penawaran', start: endsAt - 5 * 24 * HOUR, end: endsAt, bidSubmission: true, changes: 0 }],
      scheduleChanges: 0,
      scheduleFetchedAt: Date.now(),
      firstSeenAt: Date.now(),
      lastSeenAt: Date.now(),
      endChanges: [],
    };
    await createTenderStore(seedStore.keyv).putMany([pkg]);
    await seedStore.close();

    await boot();
    await say('/subscribe gresik');
    await cycle();
    spse.fail('gresikkab', 'home', { kind: 'status', status: 500 });
    await cycle();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    spse.fail('gresikkab', 'home', null);
    await cycle();

    const up = telegram.messagesTo(CHAT.id).find((m) => /^🟢.*pulih/u.test(m.text ?? ''))!;
    expect(up.text).toContain('Tahap yang berakhir selama gangguan (1)');
    expect(up.text).toContain('10099999064');
    expect(up.text).toContain('https://status.example.id/api/portals/gresikkab/incidents/gresikkab%3A2/affected.csv');

    const csv = await (await api('/api/portals/gresikkab/incidents/gresikkab%3A2/affected.csv')).text();
    const [header, row] = csv.trim().split('\r\n');
    expect(header).toBe('incident_id,portal_id,kode,kind,package_name,agency,stage,stage_start,stage_end,schedule_changes');
    expect(row).toMatch(/^gresikkab:2,gresikkab,10099999064,tender,Pengadaan Alat Kesehatan RSUD Ibnu Sina,RSUD Ibnu Sina,Upload Dokumen Penawaran,.*\+07:00,.*\+07:00,0$/);
    const incidents = await (await api('/api/portals/gresikkab/incidents.csv')).text();
    expect(incidents.split('\r\n')[0]!.endsWith(',affected_stages')).toBe(true);
    expect(incidents.split('\r\n')[1]!.endsWith(',1')).toBe(true);
    expect(await say('/history gresik')).toContain('1 tahap tender terdampak');
    const page = await (await api('/portal/gresikkab')).text();
    expect(page).toContain('1 tahap tender berakhir selama gangguan');
  });

  it('pauses collection for a portal whose tender pages refuse the monitor, says so, and leaves its health alone', async () => {
    await boot();
    await cycle();
    spse.fail('gresikkab', 'lelang', 'access-denied');
    await app!.collectTenders();
    expect(await (await api('/api/portals/gresikkab')).json()).toMatchObject({ state: 'up', tendersBlocked: true });
    expect(await (await api('/metrics')).text()).toMatch(/pantau_tender_errors_total\{portal="gresikkab",cause="access_denied"\} 1/);
  });
});
