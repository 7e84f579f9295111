import { describe, expect, it } from 'vitest';
import { initialStatus, step, type Observation, type Thresholds } from '../../src/core/state-machine.js';
import type { Classification, Incident, ObservedState, PortalStatus, Transition } from '../../src/core/types.js';
import { portalStatusSchema } from '../../src/store/schemas.js';

const PORTAL = 'gresikkab';
const T0 = Date.UTC(2023, 4, 26, 1, 0);
const MIN = 60_000;

const CLASSIFICATIONS: Record<ObservedState, Classification> = {
  up: { state: 'up', cause: 'ok', httpStatus: 200, errorCode: null, errorCodeEstimate: null, detail: 'HTTP 200', networkLevel: false },
  degraded: { state: 'degraded', cause: 'slow', httpStatus: 200, errorCode: null, errorCodeEstimate: null, detail: 'answered in 9000 ms', networkLevel: false },
  down: {
    state: 'down',
    cause: 'spse_error',
    httpStatus: 500,
    errorCode: '81kep4jo9',
    errorCodeEstimate: '2023-05-25T08:48:09.749Z',
    detail: 'SPSE error page, Kode Error 81kep4jo9 (HTTP 500)',
    networkLevel: false,
  },
  blocked: { state: 'blocked', cause: 'cloudflare_challenge', httpStatus: 403, errorCode: null, errorCodeEstimate: null, detail: 'HTTP 403 challenge page', networkLevel: false },
};

/** U = up, G = degraded (slow), D = down (SPSE error page), B = blocked (Cloudflare), M = inside a maintenance window. */
const LETTERS = { U: 'up', G: 'degraded', D: 'down', B: 'blocked' } as const;

function observation(letter: string, at: number): Observation {
  if (letter === 'M') return { kind: 'maintenance', at };
  const state = LETTERS[letter as keyof typeof LETTERS];
  if (!state) throw new Error(`unknown observation ${letter}`);
  return { kind: 'check', at, latencyMs: 300, classification: CLASSIFICATIONS[state] };
}

interface Run {
  status: PortalStatus;
  transitions: Transition[];
  incidents: Incident[];
}

/** Feeds one observation a minute (starting at `start`'s next minute) and collects what came out. */
function run(sequence: string, thresholds: Thresholds, start: PortalStatus = initialStatus(PORTAL, T0), firstAt = T0): Run {
  let status = start;
  const transitions: Transition[] = [];
  const incidents: Incident[] = [];
  sequence
    .split(/\s+/)
    .filter(Boolean)
    .forEach((letter, index) => {
      const result = step(status, observation(letter, firstAt + index * MIN), thresholds, `cycle-${index}`);
      status = result.status;
      if (result.transition) transitions.push(result.transition);
      if (result.incident) incidents.push(result.incident);
    });
  return { status, transitions, incidents };
}

const describeTransition = (t: Transition) => `${t.kind} ${t.from}→${t.to}`;

interface Scenario {
  name: string;
  thresholds: [failuresToDown: number, successesToUp: number];
  sequence: string;
  expected: string[];
}

// One row per line of the truth tables in src/core/state-machine.ts, each at more than one threshold.
const scenarios: Scenario[] = [
  // First result after start: recorded, not announced.
  { name: 'first UP after start is silent (S=1)', thresholds: [1, 1], sequence: 'U', expected: ['silent unknown→up'] },
  { name: 'first UP after start is silent (S=2)', thresholds: [2, 2], sequence: 'U U U', expected: ['silent unknown→up'] },
  { name: 'one healthy check is not enough with S=2', thresholds: [2, 2], sequence: 'U', expected: [] },
  { name: 'first DEGRADED after start is silent', thresholds: [2, 2], sequence: 'G G', expected: ['silent unknown→degraded'] },
  { name: 'mixed up/degraded confirm the first state, the latest wins', thresholds: [3, 3], sequence: 'G U G', expected: ['silent unknown→degraded'] },

  // → down, no open incident: DOWN.
  { name: 'first confirmed DOWN after start is announced (F=1)', thresholds: [1, 1], sequence: 'D', expected: ['down unknown→down'] },
  { name: 'first confirmed DOWN after start is announced (F=2)', thresholds: [2, 2], sequence: 'D D', expected: ['down unknown→down'] },
  { name: 'first confirmed DOWN after start is announced (F=3)', thresholds: [3, 2], sequence: 'D D D D', expected: ['down unknown→down'] },
  { name: 'up → down → up (F=1, S=1)', thresholds: [1, 1], sequence: 'U D U', expected: ['silent unknown→up', 'down up→down', 'up down→up'] },
  {
    name: 'up → down → up (F=2, S=2)',
    thresholds: [2, 2],
    sequence: 'U U D D D U U',
    expected: ['silent unknown→up', 'down up→down', 'up down→up'],
  },
  {
    name: 'up → down → up (F=3, S=3)',
    thresholds: [3, 3],
    sequence: 'U U U D D D D U U U',
    expected: ['silent unknown→up', 'down up→down', 'up down→up'],
  },
  {
    name: 'degraded → down is an outage too',
    thresholds: [2, 2],
    sequence: 'U U G G D D U U',
    expected: ['silent unknown→up', 'degraded up→degraded', 'down degraded→down', 'up down→up'],
  },

  // Flapping below the thresholds: nothing at all.
  { name: 'flapping U/D below F=2 emits nothing', thresholds: [2, 2], sequence: 'U U D U D U D U', expected: ['silent unknown→up'] },
  { name: 'flapping below F=3 emits nothing', thresholds: [3, 1], sequence: 'U D D U D D U D D', expected: ['silent unknown→up'] },
  {
    name: 'recovery flapping below S=3 keeps the outage open',
    thresholds: [1, 3],
    sequence: 'U U U D U U D U U D',
    expected: ['silent unknown→up', 'down up→down'],
  },
  { name: 'a blocked check breaks a failure run', thresholds: [2, 2], sequence: 'U U D B D', expected: ['silent unknown→up'] },
  { name: 'a blocked check breaks a recovery run', thresholds: [2, 2], sequence: 'D D U B U', expected: ['down unknown→down'] },

  // → down with the incident still open: nothing, the same outage goes on.
  {
    name: 'down → blocked → down stays one incident',
    thresholds: [2, 2],
    sequence: 'U U D D B B D D U U',
    expected: ['silent unknown→up', 'down up→down', 'silent down→blocked', 'silent blocked→down', 'up down→up'],
  },
  {
    name: 'down → blocked → down stays one incident (F=1)',
    thresholds: [1, 1],
    sequence: 'U D B D B D U',
    expected: ['silent unknown→up', 'down up→down', 'silent down→blocked', 'silent blocked→down', 'silent down→blocked', 'silent blocked→down', 'up down→up'],
  },
  {
    name: 'down → maintenance → down stays one incident',
    thresholds: [2, 2],
    sequence: 'U U D D M M D D U U',
    expected: ['silent unknown→up', 'down up→down', 'silent down→maintenance', 'silent maintenance→down', 'up down→up'],
  },

  // → up/degraded with an open incident: UP.
  {
    name: 'down → blocked → up ends the outage',
    thresholds: [2, 2],
    sequence: 'U U D D B B U U',
    expected: ['silent unknown→up', 'down up→down', 'silent down→blocked', 'up blocked→up'],
  },
  {
    name: 'down → maintenance → up ends the outage after the window',
    thresholds: [2, 2],
    sequence: 'U U D D M M U U',
    expected: ['silent unknown→up', 'down up→down', 'silent down→maintenance', 'up maintenance→up'],
  },
  { name: 'down → degraded is UP (the outage is over)', thresholds: [2, 2], sequence: 'D D G G', expected: ['down unknown→down', 'up down→degraded'] },
  { name: 'down → mixed healthy run confirms the latest', thresholds: [2, 2], sequence: 'D D G U', expected: ['down unknown→down', 'up down→up'] },

  // up ↔ degraded.
  {
    name: 'up → degraded → up (F=1, S=1)',
    thresholds: [1, 1],
    sequence: 'U G U',
    expected: ['silent unknown→up', 'degraded up→degraded', 'recovered degraded→up'],
  },
  {
    name: 'up → degraded → up (F=2, S=3)',
    thresholds: [2, 3],
    sequence: 'U U U G G U U U',
    expected: ['silent unknown→up', 'degraded up→degraded', 'recovered degraded→up'],
  },
  { name: 'degraded below F is not announced', thresholds: [2, 2], sequence: 'U U G U G U', expected: ['silent unknown→up'] },
  { name: 'recovery below S stays degraded', thresholds: [2, 2], sequence: 'U U G G U G U', expected: ['silent unknown→up', 'degraded up→degraded'] },

  // → blocked, → maintenance, and back: nothing.
  { name: 'blocked from the start is never an outage', thresholds: [2, 2], sequence: 'B B B B', expected: ['silent unknown→blocked'] },
  { name: 'up → blocked → up is silent', thresholds: [2, 2], sequence: 'U U B B U U', expected: ['silent unknown→up', 'silent up→blocked', 'silent blocked→up'] },
  { name: 'degraded → blocked is silent', thresholds: [1, 1], sequence: 'U G B', expected: ['silent unknown→up', 'degraded up→degraded', 'silent degraded→blocked'] },
  { name: 'blocked below F is not even recorded', thresholds: [3, 2], sequence: 'U U B B U', expected: ['silent unknown→up'] },
  { name: 'maintenance from up and back is silent', thresholds: [2, 2], sequence: 'U U M M M U U', expected: ['silent unknown→up', 'silent up→maintenance', 'silent maintenance→up'] },
  { name: 'maintenance before the first check', thresholds: [2, 2], sequence: 'M U U', expected: ['silent unknown→maintenance', 'silent maintenance→up'] },
  { name: 'maintenance from degraded', thresholds: [1, 1], sequence: 'U G M U', expected: ['silent unknown→up', 'degraded up→degraded', 'silent degraded→maintenance', 'silent maintenance→up'] },
  { name: 'maintenance → blocked is silent', thresholds: [2, 2], sequence: 'M B B', expected: ['silent unknown→maintenance', 'silent maintenance→blocked'] },
  { name: 'down confirmed right after maintenance is a new outage', thresholds: [2, 2], sequence: 'U U M D D', expected: ['silent unknown→up', 'silent up→maintenance', 'down maintenance→down'] },
  { name: 'maintenance interrupts a failure run', thresholds: [2, 2], sequence: 'U U D M D', expected: ['silent unknown→up', 'silent up→maintenance'] },
];

describe('step: scenarios', () => {
  it.each(scenarios)('$name [F=$thresholds.0 S=$thresholds.1]: $sequence', ({ thresholds, sequence, expected }) => {
    const [failuresToDown, successesToUp] = thresholds;
    const { transitions } = run(sequence, { failuresToDown, successesToUp });
    expect(transitions.map(describeTransition)).toEqual(expected);
  });
});

describe('step: outages', () => {
  const t = { failuresToDown: 2, successesToUp: 2 };

  it('measures an outage from the first failing check to the first healthy check of the confirming run', () => {
    // 01:00 U, 01:01 U, 01:02 D, 01:03 D (DOWN), 01:04 U, 01:05 D, 01:06 U, 01:07 U (UP)
    const { transitions, incidents, status } = run('U U D D U D U U', t);
    const down = transitions.find((x) => x.kind === 'down')!;
    const up = transitions.find((x) => x.kind === 'up')!;
    expect(down.at).toBe(new Date(T0 + 3 * MIN).toISOString());
    expect(down).toMatchObject({ cause: 'spse_error', errorCode: '81kep4jo9', httpStatus: 500, outageDurationMs: null });
    expect(up).toMatchObject({
      at: new Date(T0 + 7 * MIN).toISOString(),
      outageStartedAt: new Date(T0 + 2 * MIN).toISOString(),
      outageDurationMs: 4 * MIN,
      outageCause: 'spse_error',
      outageErrorCode: '81kep4jo9',
    });
    // The incident is written twice: opened by DOWN, closed by UP, under one id.
    expect(incidents).toHaveLength(2);
    const [opened, closed] = incidents;
    expect(opened).toMatchObject({ id: down.id, startedAt: new Date(T0 + 2 * MIN).toISOString(), endedAt: null, durationMs: null, checksFailed: 2 });
    expect(closed).toMatchObject({
      id: down.id,
      startedAt: new Date(T0 + 2 * MIN).toISOString(),
      endedAt: new Date(T0 + 6 * MIN).toISOString(),
      durationMs: 4 * MIN,
      checksFailed: 3,
    });
    expect(status.openIncident).toBeNull();
    expect(status.state).toBe('up');
  });

  it('down → blocked → up gives UP with the duration since the first failing check', () => {
    const { transitions, status } = run('U U D D B B B U U', t);
    const up = transitions.at(-1)!;
    expect(up.kind).toBe('up');
    expect(up.outageStartedAt).toBe(new Date(T0 + 2 * MIN).toISOString());
    expect(up.outageDurationMs).toBe(5 * MIN);
    expect(status.openIncident).toBeNull();
  });

  it('keeps the incident open across maintenance and measures the whole outage', () => {
    const during = run('U U D D M M', t);
    expect(during.status.state).toBe('maintenance');
    expect(during.status.openIncident).toMatchObject({ startedAt: new Date(T0 + 2 * MIN).toISOString(), endedAt: null });
    const after = run('U U', t, during.status, T0 + 6 * MIN);
    expect(after.transitions.map(describeTransition)).toEqual(['up maintenance→up']);
    expect(after.transitions[0]!.outageDurationMs).toBe(4 * MIN);
  });

  it('while down, /status shows the newest failure and the open incident counts every failed check', () => {
    let { status } = run('D D D', t);
    const other: Classification = { ...CLASSIFICATIONS.down, cause: 'nginx_error', httpStatus: 502, errorCode: null, errorCodeEstimate: null, detail: 'nginx error page HTTP 502' };
    status = step(status, { kind: 'check', at: T0 + 3 * MIN, latencyMs: 50, classification: other }, t, 'c').status;
    expect(status).toMatchObject({ state: 'down', cause: 'nginx_error', httpStatus: 502, errorCode: null, since: new Date(T0).toISOString() });
    expect(status.openIncident).toMatchObject({ cause: 'spse_error', errorCode: '81kep4jo9', checksFailed: 4 });
  });

  it('the state since is the first failing check of the confirmed outage', () => {
    const { status } = run('U U U D D D', { failuresToDown: 3, successesToUp: 1 });
    expect(status.state).toBe('down');
    expect(status.since).toBe(new Date(T0 + 3 * MIN).toISOString());
  });
});

describe('step: transition ids and pending transitions', () => {
  const t = { failuresToDown: 1, successesToUp: 1 };

  it('numbers every transition <portal>:<seq>, silent ones included, and continues after a restart', () => {
    const first = run('U D B D U', t);
    expect(first.transitions.map((x) => x.id)).toEqual(['gresikkab:1', 'gresikkab:2', 'gresikkab:3', 'gresikkab:4', 'gresikkab:5']);
    // The incident carries the id of the DOWN that opened it.
    expect(first.incidents[0]!.id).toBe('gresikkab:2');

    // A restart reads the record back from the store.
    const reloaded = portalStatusSchema.parse(JSON.parse(JSON.stringify(first.status)));
    const second = run('D U', t, reloaded, T0 + 10 * MIN);
    expect(second.transitions.map((x) => x.id)).toEqual(['gresikkab:6', 'gresikkab:7']);
  });

  it('queues only announced transitions, tagged with the cycle that produced them', () => {
    const { status, transitions } = run('U D B D U G U M U', t);
    const announced = transitions.filter((x) => x.kind !== 'silent');
    expect(announced.map((x) => x.kind)).toEqual(['down', 'up', 'degraded', 'recovered']);
    expect(status.pendingTransitions.map((p) => p.id)).toEqual(announced.map((x) => x.id));
    expect(status.pendingTransitions.map((p) => p.cycleId)).toEqual(['cycle-1', 'cycle-4', 'cycle-5', 'cycle-6']);
  });

  it('does not touch the queue when nothing changes', () => {
    let { status } = run('U D', t);
    expect(status.pendingTransitions).toHaveLength(1);
    const cleared = { ...status, pendingTransitions: [] };
    const next = step(cleared, observation('D', T0 + 5 * MIN), t, 'later');
    expect(next.transition).toBeNull();
    expect(next.status.pendingTransitions).toEqual([]);
    status = next.status;
    expect(status.transitionSeq).toBe(2);
  });

  it('a second maintenance observation changes nothing but the streaks', () => {
    const { status } = run('U M', t);
    const again = step(status, observation('M', T0 + 5 * MIN), t, 'c');
    expect(again.transition).toBeNull();
    expect(again.incident).toBeNull();
    expect(again.status).toMatchObject({ state: 'maintenance', streak: null, healthyStreak: null, transitionSeq: status.transitionSeq });
  });

  it('remembers the last failing check of an outage, so a gap before the recovery can be told', () => {
    const down = run('U U D D D', { failuresToDown: 2, successesToUp: 1 });
    const up = run('U', { failuresToDown: 2, successesToUp: 1 }, down.status, T0 + 30 * MIN);
    expect(up.transitions[0]).toMatchObject({ kind: 'up', outageStartedAt: new Date(T0 + 2 * MIN).toISOString(), outageLastFailedAt: new Date(T0 + 4 * MIN).toISOString() });
    expect(up.incidents[0]?.lastFailedAt).toBe(new Date(T0 + 4 * MIN).toISOString());
  });

  it('says what the first checks saw while the state is still being confirmed', () => {
    const { status } = run('D', { failuresToDown: 2, successesToUp: 2 });
    expect(status.state).toBe('unknown');
    expect(status.detail).toBe('seen down (SPSE error page, Kode Error 81kep4jo9 (HTTP 500)); confirming');
  });

  it('produces records the store schema accepts', () => {
    const { status } = run('U U D D B B U U G G', { failuresToDown: 2, successesToUp: 2 });
    expect(portalStatusSchema.safeParse(status).success).toBe(true);
  });
});
