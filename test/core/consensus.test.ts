import { describe, expect, it } from 'vitest';
import { initialStatus } from '../../src/core/state-machine.js';
import type { Classification, ObservedState, PortalStatus } from '../../src/core/types.js';
import { consensus, HUB, observe, type VantageView } from '../../src/core/vantage/consensus.js';
import { evaluate, withObservation, type EvaluationContext } from '../../src/core/vantage/evaluate.js';

const T0 = Date.UTC(2026, 10, 25, 1, 0);
const MIN = 60_000;
const THRESHOLDS = { failuresToDown: 2, successesToUp: 2 };

const CLASSIFIED: Record<ObservedState, Classification> = {
  up: { state: 'up', cause: 'ok', httpStatus: 200, errorCode: null, errorCodeEstimate: null, detail: 'HTTP 200', networkLevel: false },
  degraded: { state: 'degraded', cause: 'slow', httpStatus: 200, errorCode: null, errorCodeEstimate: null, detail: 'answered in 9000 ms', networkLevel: false },
  down: { state: 'down', cause: 'spse_error', httpStatus: 500, errorCode: '81kep4jo9', errorCodeEstimate: null, detail: 'SPSE error page', networkLevel: false },
  blocked: { state: 'blocked', cause: 'cloudflare_challenge', httpStatus: 403, errorCode: null, errorCodeEstimate: null, detail: 'challenge', networkLevel: false },
};

/** A vantage point that saw `states` one minute apart, ending at `endAt`. */
function viewOf(states: string, endAt = T0): VantageView {
  const list = states.split(' ').map((s) => ({ U: 'up', G: 'degraded', D: 'down', B: 'blocked' })[s] as ObservedState);
  let view: VantageView | undefined;
  list.forEach((state, i) => (view = observe(view, CLASSIFIED[state], endAt - (list.length - 1 - i) * MIN, 300, THRESHOLDS)));
  return view!;
}

const decide = (views: Record<string, VantageView>, options: Partial<{ quorum: number | null; offline: string[]; now: number }> = {}) =>
  consensus(views, {
    now: options.now ?? T0,
    staleAfterMs: 3 * MIN,
    quorum: options.quorum ?? null,
    offline: (id) => (options.offline ?? []).includes(id),
  });

describe('agreement of vantage points', () => {
  it('confirms at each vantage point as a single monitor would', () => {
    expect(viewOf('D').state).toBe('unknown');
    expect(viewOf('U D D').state).toBe('down');
    expect(viewOf('D D U').state).toBe('down');
    expect(viewOf('D D U U').state).toBe('up');
  });

  it.each([
    ['a majority confirmed down', { hub: 'D D', a: 'D D', b: 'U U' }, 'down'],
    ['one sees it down, the others healthy: a partial outage', { hub: 'U U', a: 'D D', b: 'U U' }, 'partial'],
    ['all healthy', { hub: 'U U', a: 'U U' }, 'healthy'],
    ['the hub blocked by a challenge, the probes see it healthy', { hub: 'B B', a: 'U U', b: 'U U' }, 'healthy'],
    ['every vantage point blocked', { hub: 'B B', a: 'B B' }, 'blocked'],
    ['nothing confirmed yet', { hub: 'D', a: 'U' }, 'none'],
  ])('%s', (_name, states, verdict) => {
    const views = Object.fromEntries(Object.entries(states).map(([id, s]) => [id, viewOf(s)]));
    expect(decide(views).verdict).toBe(verdict);
  });

  it('takes no vote from a vantage point whose network is offline, or whose word is stale', () => {
    const views = { hub: viewOf('U U'), a: viewOf('D D'), b: viewOf('D D', T0 - 10 * MIN) };
    // b is stale: a alone against the hub is not a majority.
    expect(decide(views)).toMatchObject({ verdict: 'partial', voting: ['hub', 'a'] });
    expect(decide({ hub: viewOf('U U'), a: viewOf('D D'), b: viewOf('D D') }, { offline: ['a', 'b'] })).toMatchObject({ verdict: 'healthy', voting: ['hub'] });
  });

  it('respects a configured quorum, even when fewer vote', () => {
    const views = { hub: viewOf('D D'), a: viewOf('D D') };
    expect(decide(views, { quorum: 2 }).verdict).toBe('down');
    expect(decide({ hub: viewOf('D D') }, { quorum: 2 }).verdict).toBe('partial');
  });

  it('dates the outage from the earliest first failure of those agreeing, and the hub speaks for it', () => {
    const verdict = decide({ hub: viewOf('D D D'), a: viewOf('D D') });
    expect(verdict.run).toEqual({ since: new Date(T0 - 2 * MIN).toISOString(), checks: 3 });
    expect(verdict.representative?.id).toBe(HUB);
  });
});

describe('a portal evaluated from its vantage points', () => {
  const ctx = (now: number, extra: Partial<EvaluationContext> = {}): EvaluationContext => ({
    now,
    cycleId: 'c1',
    thresholds: THRESHOLDS,
    staleAfterMs: 3 * MIN,
    quorum: null,
    hubOffline: false,
    probeOffline: () => false,
    ...extra,
  });
  const withProbe = (status: PortalStatus, id: string, state: ObservedState, at: number) => withObservation(status, id, CLASSIFIED[state], at, 250, THRESHOLDS);

  it('stays up, without a DOWN, when the hub is challenged and two probes see the portal healthy', () => {
    let status = initialStatus('gresikkab', T0);
    const transitions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const at = T0 + i * MIN;
      status = withProbe(withProbe(status, 'a', 'up', at), 'b', 'up', at);
      const result = evaluate(status, { classification: CLASSIFIED.blocked, at, latencyMs: 90 }, ctx(at));
      status = result.status;
      if (result.outcome?.transition) transitions.push(result.outcome.transition.kind);
    }
    expect(status.state).toBe('up');
    expect(transitions).toEqual(['silent']);
  });

  it('announces DOWN from where it was seen, only once a majority confirmed it', () => {
    let status = initialStatus('gresikkab', T0);
    const at = (i: number) => T0 + i * MIN;
    for (let i = 0; i < 2; i++) status = evaluate(withProbe(status, 'a', 'up', at(i)), { classification: CLASSIFIED.up, at: at(i), latencyMs: 90 }, ctx(at(i))).status;
    expect(status.state).toBe('up');
    // Probe a sees the error page twice: a partial outage, not DOWN.
    for (let i = 2; i < 4; i++) status = evaluate(withProbe(status, 'a', 'down', at(i)), { classification: CLASSIFIED.up, at: at(i), latencyMs: 90 }, ctx(at(i))).status;
    expect(status).toMatchObject({ state: 'degraded', cause: 'partial_outage' });
    // Then the hub sees it too.
    let down = null;
    for (let i = 4; i < 6; i++) {
      const result = evaluate(withProbe(status, 'a', 'down', at(i)), { classification: CLASSIFIED.down, at: at(i), latencyMs: 90 }, ctx(at(i)));
      status = result.status;
      down ??= result.outcome?.transition?.kind === 'down' ? result.outcome.transition : null;
    }
    expect(down).toMatchObject({ kind: 'down', errorCode: '81kep4jo9', vantages: { agreeing: ['hub', 'a'], voting: 2 } });
    expect(status.openIncident?.startedAt).toBe(new Date(at(2)).toISOString());
  });

  it('ends an outage that turns partial when the others began to see the portal answer, not when the hub began to fail', () => {
    let status = initialStatus('gresikkab', T0);
    const at = (i: number) => T0 + i * MIN;
    const everywhere = (i: number, probes: ObservedState, hub: ObservedState) =>
      evaluate(withProbe(withProbe(status, 'a', probes, at(i)), 'b', probes, at(i)), { classification: CLASSIFIED[hub], at: at(i), latencyMs: 90 }, ctx(at(i)));
    for (let i = 0; i < 2; i++) status = everywhere(i, 'up', 'up').status;
    for (let i = 2; i < 6; i++) status = everywhere(i, 'down', 'down').status;
    expect(status.openIncident?.startedAt).toBe(new Date(at(2)).toISOString());
    // The probes see it answering again from minute 6; the hub still gets the error page.
    let up = null;
    for (let i = 6; i < 9; i++) {
      const result = everywhere(i, 'up', 'down');
      status = result.status;
      up ??= result.outcome?.transition?.kind === 'up' ? result.outcome.transition : null;
    }
    expect(status).toMatchObject({ state: 'degraded', cause: 'partial_outage', openIncident: null });
    expect(up).toMatchObject({ outageStartedAt: new Date(at(2)).toISOString(), outageDurationMs: 4 * MIN });
  });

  it('counts in the history what the probes agree on when the hub is blocked', () => {
    let status = initialStatus('gresikkab', T0);
    status = withProbe(withProbe(status, 'a', 'up', T0), 'a', 'up', T0 + 1);
    const { sample } = evaluate(status, { classification: CLASSIFIED.blocked, at: T0 + 2, latencyMs: 90 }, ctx(T0 + 2));
    expect(sample).toMatchObject({ observed: 'up' });
  });
});
