import { describe, expect, it } from 'vitest';
import { MAX_OBSERVATIONS_PER_REPORT, MAX_REPORT_BYTES, reportSchema, type Observation } from '../../src/core/vantage/protocol.js';
import { createBacklog, REPORT_ENVELOPE_BYTES } from '../../src/probe/backlog.js';

const obs = (portalId: string, at: number, extra: Partial<Observation> = {}): Observation => ({
  portalId,
  at,
  state: 'up',
  cause: 'ok',
  httpStatus: 200,
  errorCode: null,
  detail: 'HTTP 200, SPSE page',
  latencyMs: 12,
  networkLevel: false,
  ...extra,
});
const parse = (json: string) => JSON.parse(`[${json}]`) as Observation[];

describe('probe backlog', () => {
  it('keeps the newest observations when full, drops the oldest and counts them until a report carries the count', () => {
    const backlog = createBacklog(3);
    for (let i = 1; i <= 5; i++) backlog.push(obs('a', i), false);
    expect(backlog.size).toBe(3);
    expect(backlog.dropped).toBe(2);
    const batch = backlog.take()!;
    expect(parse(batch.observationsJson).map((o) => o.at)).toEqual([3, 4, 5]);
    backlog.push(obs('a', 6), false);
    backlog.acknowledgeDropped(2);
    expect(backlog.dropped).toBe(0);
  });

  it('never mixes observations judged offline with others in one report, and keeps each portal in order', () => {
    const backlog = createBacklog(100);
    backlog.push(obs('a', 1), false);
    backlog.push(obs('b', 2, { state: 'down', cause: 'timeout', networkLevel: true, httpStatus: null }), true);
    backlog.push(obs('a', 3), false);
    backlog.push(obs('b', 4), false); // b answered again: must wait behind b's offline observation
    backlog.push(obs('c', 5), false);
    const first = backlog.take()!;
    expect(first.offline).toBe(false);
    expect(parse(first.observationsJson).map((o) => `${o.portalId}${o.at}`)).toEqual(['a1', 'a3', 'c5']);
    const second = backlog.take()!;
    expect(second.offline).toBe(true);
    expect(parse(second.observationsJson).map((o) => `${o.portalId}${o.at}`)).toEqual(['b2']);
    const third = backlog.take()!;
    expect(third.offline).toBe(false);
    expect(parse(third.observationsJson).map((o) => `${o.portalId}${o.at}`)).toEqual(['b4']);
    expect(backlog.take()).toBeNull();
  });

  it('puts a refused report back in front, once, and forgets portals no longer assigned', () => {
    const backlog = createBacklog(10);
    backlog.push(obs('a', 1), false);
    backlog.push(obs('gone', 2), false);
    const batch = backlog.take()!;
    backlog.push(obs('a', 3), false);
    backlog.requeue(batch.entries);
    expect(backlog.retain((e) => e.portalId !== 'gone')).toBe(1);
    const again = backlog.take()!;
    expect(parse(again.observationsJson).map((o) => o.at)).toEqual([1, 3]);
    expect(again.entries.map((e) => e.retried ?? false)).toEqual([true, false]);
  });

  it('cuts a report at the observation and byte limits, the rest staying in order for the next', () => {
    const backlog = createBacklog(1000);
    for (let i = 0; i < 10; i++) backlog.push(obs(`p${i}`, i), false);
    expect(parse(backlog.take({ maxObservations: 4 })!.observationsJson).map((o) => o.at)).toEqual([0, 1, 2, 3]);
    const one = JSON.stringify(obs('p4', 4)).length;
    const batch = backlog.take({ maxBytes: one * 2 + 1 })!;
    expect(batch.count).toBe(2);
    expect(batch.bytes).toBeLessThanOrEqual(one * 2 + 1);
    expect(backlog.size).toBe(4);
  });

  it('fits a full backlog of the largest observations into reports within MAX_REPORT_BYTES and the schema', () => {
    const backlog = createBacklog(MAX_OBSERVATIONS_PER_REPORT);
    const big = (i: number) => obs(`portal-${'x'.repeat(50)}-${i}`, Date.now(), { detail: 'é'.repeat(300), errorCode: 'A'.repeat(20), state: 'down', cause: 'spse_error' });
    for (let i = 0; i < MAX_OBSERVATIONS_PER_REPORT; i++) backlog.push(big(i), false);
    let reports = 0;
    let total = 0;
    for (let batch = backlog.take(); batch; batch = backlog.take()) {
      reports += 1;
      total += batch.count;
      const body = `{"probeId":"p","bootId":"0123456789abcdef","seq":${reports},"sentAt":"${new Date().toISOString()}","offline":false,"dropped":0,"observations":[${batch.observationsJson}]}`;
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_REPORT_BYTES);
      expect(batch.bytes).toBeLessThanOrEqual(MAX_REPORT_BYTES - REPORT_ENVELOPE_BYTES);
      if (reports === 1) expect(reportSchema.safeParse(JSON.parse(body)).success).toBe(true);
    }
    expect(total).toBe(MAX_OBSERVATIONS_PER_REPORT);
    expect(reports).toBeGreaterThan(1);
  });
});
