/**
 * pantau-lpse benchmarks: `npm run bench` prints a table, `npm run bench -- --json` prints one JSON
 * object (and nothing else on stdout). Every section catches its own failure and reports `error`.
 * All traffic stays on 127.0.0.1; fakes run in worker processes under bench/.
 */
import os from 'node:os';
import { benchCheckEngine, type FarmPortalInfo } from './check-engine.js';
import { benchFanout } from './fanout.js';
import { round, startWorker, withDeadline, type Worker } from './lib.js';

const json = process.argv.includes('--json');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (name: string) => !only || only.includes(name);

// stdout is reserved for the one JSON object: anything a library prints goes to stderr.
const out = process.stdout.write.bind(process.stdout);
console.log = console.error;
console.info = console.error;
const log = (line: string) => {
  process.stderr.write(`${line}\n`);
};

const wallStart = performance.now();
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  availableParallelism: os.availableParallelism(),
  totalMemMb: Math.round(os.totalmem() / 2 ** 20),
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
};
log(`pantau-lpse bench — ${machine.cpus} CPU (${machine.cpuModel}), ${machine.totalMemMb} MB, Node ${machine.node}, ${machine.platform}`);

type Section = Record<string, unknown> & { error?: string; seconds?: number };
const sections: Record<string, Section> = {};

async function section(name: string, deadlineMs: number, work: () => Promise<Record<string, unknown>>) {
  if (!wanted(name)) return;
  const t0 = performance.now();
  log(`\n[${name}]`);
  try {
    sections[name] = { ...(await withDeadline(name, deadlineMs, work())) };
  } catch (error) {
    log(`  ${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    sections[name] = { error: error instanceof Error ? error.message : String(error) };
  }
  sections[name].seconds = round((performance.now() - t0) / 1000, 1);
}

type Farm = Worker<{ portals: FarmPortalInfo[]; origins: string[] }>;
const farmHolder: { farm: Farm | null } = { farm: null };
const getFarm = async () => (farmHolder.farm ??= await startWorker('farm-worker.ts', { BENCH_FARM_HOSTS: '20', BENCH_FARM_PER_HOST: '50' }));

try {
  await section('checkEngine', 90_000, async () => {
    const f = await getFarm();
    log(`  farm: ${f.ready.portals.length} portals on ${f.ready.origins.length} hosts`);
    return benchCheckEngine({ portals: f.ready.portals, timeoutMs: 3000, maxConcurrency: 200, maxConcurrentPerHost: 50, runs: 3, noHangRuns: 9, log });
  });

  await section('memoryAndStatus', 90_000, async () => {
    const f = await getFarm();
    const { benchMemoryAndStatus } = await import('./memory-status.js');
    return benchMemoryAndStatus({ urls: f.ready.portals.slice(0, 600).map((p) => p.url), log });
  });

  await section('probe', 150_000, async () => {
    const f = await getFarm();
    const { benchProbe } = await import('./probe.js');
    return benchProbe({ urls: f.ready.portals.slice(0, 600).map((p) => p.url), log });
  });

  await section('probeIngest', 90_000, async () => {
    const f = await getFarm();
    const { benchProbeIngest } = await import('./probe-ingest.js');
    return benchProbeIngest({ portals: f.ready.portals, log });
  });

  await section('tenders', 120_000, async () => {
    const { benchTenders } = await import('./tenders.js');
    return benchTenders({ log });
  });

  await section('confirm', 200_000, async () => {
    const { benchConfirm } = await import('./confirm.js');
    return benchConfirm({ log });
  });

  await section('fanout', 100_000, () => benchFanout({ chats: Number(process.env.BENCH_FANOUT_CHATS ?? 10_000), ratePerSecond: 1000, stormChats: 2000, stormPortals: 600, portalsPerChat: 20, log }));
} finally {
  await farmHolder.farm?.close();
}

const pick = (name: string, key: string): unknown => sections[name]?.[key] ?? null;
const totalWallSeconds = round((performance.now() - wallStart) / 1000, 1);
const result = {
  machine,
  totalWallSeconds,
  checkCycleRatio: pick('checkEngine', 'checkCycleRatio'),
  cpuPerCheckRatio: pick('checkEngine', 'cpuPerCheckRatio'),
  hangDelaySeconds: pick('checkEngine', 'hangDelaySeconds'),
  peakRssMb: pick('memoryAndStatus', 'peakRssMb'),
  fanoutRatio: pick('fanout', 'fanoutRatio'),
  fanoutLost: pick('fanout', 'fanoutLost'),
  fanoutDuplicated: pick('fanout', 'fanoutDuplicated'),
  stormMessages: pick('fanout', 'stormMessages'),
  stormChats: pick('fanout', 'stormChats'),
  statusPageP95Ms: pick('memoryAndStatus', 'statusPageP95Ms'),
  statusCommandP99Ms: pick('memoryAndStatus', 'statusCommandP99Ms'),
  confirmSeconds: pick('confirm', 'confirmSeconds'),
  probeRssMb: pick('probe', 'probeRssMb'),
  probeIngestCpuRatio: pick('probeIngest', 'probeIngestCpuRatio'),
  tenderRequestsPerHour: pick('tenders', 'tenderRequestsPerHour'),
  tenderAlertExtraMs: pick('tenders', 'tenderAlertExtraMs'),
  noHangCpuPerCheckRatio: (sections['checkEngine']?.['details'] as { noHang?: { cpuRatio?: number } } | undefined)?.noHang?.cpuRatio ?? null,
  sections,
};

if (json) {
  out(`${JSON.stringify(result)}\n`);
} else {
  const goals: Record<string, string> = {
    checkCycleRatio: '≤ 1.25',
    cpuPerCheckRatio: '',
    hangDelaySeconds: '< 1',
    peakRssMb: '≤ 150',
    fanoutRatio: '≤ 1.15',
    fanoutLost: '= 0',
    fanoutDuplicated: '= 0',
    stormMessages: '= stormChats',
    stormChats: '',
    statusPageP95Ms: '',
    statusCommandP99Ms: '',
    confirmSeconds: 'median ≤ 50',
    probeRssMb: '≤ 80',
    probeIngestCpuRatio: '≤ 0.25',
    tenderRequestsPerHour: '≤ 400',
    tenderAlertExtraMs: '≤ 50',
    noHangCpuPerCheckRatio: '≤ 1.3',
  };
  const rows = Object.entries(goals).map(([key, goal]) => [key, String(result[key as keyof typeof result] ?? 'n/a'), goal]);
  const width = [Math.max(...rows.map((r) => r[0]!.length)), Math.max(...rows.map((r) => r[1]!.length)), 0];
  const lines = [
    '',
    `pantau-lpse bench — ${machine.cpus} CPU, Node ${machine.node}, total ${totalWallSeconds} s`,
    ...rows.map((r) => `  ${r[0]!.padEnd(width[0]!)}  ${r[1]!.padStart(width[1]!)}  ${r[2]}`),
    '',
    'Sections (details, errors):',
    ...Object.entries(sections).map(([name, s]) => `  ${name}: ${JSON.stringify(s, null, 2).replace(/\n/g, '\n  ')}`),
    '',
  ];
  out(lines.join('\n'));
}
// Worker processes are closed; a stray handle must not keep the bench alive.
setTimeout(() => process.exit(0), 200).unref();
