/**
 * Global set-up of `npm run test:faults`: a directory for the run (replica logs, result rows, the
 * registry of child pids), and at the end: kill -9 whatever child is left, print the summary table
 * and write it to test/faults/.results.json.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { ResultRow } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function killLeftovers(dir: string): string[] {
  const file = path.join(dir, 'pids');
  if (!existsSync(file)) return [];
  const killed: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [pidText, ...what] = line.split(' ');
    const pid = Number(pidText);
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone
    }
    // Only our own children (a pid may have been reused meanwhile).
    if (!/src\/main\.ts|redis-server/.test(cmdline)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(`${pid} ${what.join(' ')}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}

const cell = (value: unknown) => (value === null || value === undefined ? '–' : String(value));

function table(rows: ResultRow[]): string {
  const header = ['scenario', 'store', 'takeover s', 'chats without alert', 'duplicated chats', 'result', 'note'];
  const body = rows.map((r) => [r.scenario, r.store, cell(r.takeoverS), cell(r.chatsWithoutAlert), cell(r.duplicatedChats), r.ok ? 'pass' : 'FAIL', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pantau-faults-'));
  project.provide('faultsRunDir', dir);
  const startedAt = Date.now();
  return () => {
    const killed = killLeftovers(dir);
    if (killed.length) console.log(`[faults] killed leftover children: ${killed.join(', ')}`);
    const rowsFile = path.join(dir, 'rows.jsonl');
    const rows: ResultRow[] = existsSync(rowsFile)
      ? readFileSync(rowsFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as ResultRow)
      : [];
    rows.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }) || a.store.localeCompare(b.store));
    const durationS = Math.round((Date.now() - startedAt) / 100) / 10;
    console.log(`\nFault tests (real processes, lease TTL 3 s): ${rows.length} scenario runs in ${durationS} s; replica logs under ${dir}\n${table(rows)}`);
    for (const row of rows.filter((r) => !r.ok)) console.log(`  FAIL ${row.scenario} on ${row.store}:\n${row.failures.map((f) => `    - ${f}`).join('\n')}`);
    writeFileSync(
      path.join(here, '.results.json'),
      `${JSON.stringify({ finishedAt: new Date().toISOString(), durationS, logs: dir, rows }, null, 2)}\n`,
    );
  };
}
