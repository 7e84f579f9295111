/**
 * Scenario 6: the store stops answering everyone for 6 s (Redis: CLIENT PAUSE 6000 ALL on the
 * test's own server; PostgreSQL: both replicas' proxies paused). Every replica's /healthz answers
 * 503 within TTL + 2 s and 200 again within a few seconds after the pause; a DOWN announced before
 * the pause is not announced again, and a portal that fails during the pause is announced exactly
 * once afterwards, with one incident.
 */
import { describe, it } from 'vitest';
import {
  FAULTS_ENABLED,
  STORE_KINDS,
  TTL_MS,
  seconds,
  sleep,
  storedIncidents,
  tally,
  useFaultStack,
  waitFor,
  whenAllAlerted,
  whenReady,
  type Replica,
} from './harness.js';

const PAUSE_MS = 6000;

describe.skipIf(!FAULTS_ENABLED)('scenario 6: the store paused for everyone', () => {
  for (const kind of STORE_KINDS) {
    describe(kind, () => {
      const faults = useFaultStack(kind);

      it('every /healthz says 503 during the pause and 200 after it; nothing is announced twice', async () => {
        const stack = await faults.start('s6-store-pause');
        const row = faults.row('6 store paused for everyone');
        const { leader } = await whenReady(stack);

        const before = stack.setMode('alfa', 'spse-error');
        await whenAllAlerted(stack, 'alfa', 'down', before, 15_000);
        await sleep(1000); // its delivery markers are written

        const pauseAt = Date.now();
        if (kind === 'redis') {
          await stack.redis!.command(['CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL']);
        } else {
          for (const replica of stack.replicas) replica.proxy.pause();
          setTimeout(() => stack.replicas.forEach((replica) => replica.proxy.resume()), PAUSE_MS);
        }
        const pauseEnd = pauseAt + PAUSE_MS;
        let duringAt = 0;
        setTimeout(() => (duringAt = stack.setMode('bravo', 'spse-error')), 500);

        const first503 = new Map<Replica, number>();
        const back200 = new Map<Replica, number>();
        const statuses = new Map<Replica, string[]>();
        while (Date.now() < pauseEnd + 8000 && !(back200.size === stack.replicas.length && Date.now() > pauseEnd)) {
          await Promise.all(
            stack.replicas.map(async (replica) => {
              const health = await replica.health();
              const now = Date.now();
              const seen = statuses.get(replica) ?? [];
              const label = health ? `${health.code} ${health.status} ${health.role}` : 'no answer';
              if (seen.at(-1) !== label) seen.push(label);
              statuses.set(replica, seen);
              if (health?.code === 503 && !first503.has(replica) && now < pauseEnd) first503.set(replica, now);
              if (health?.code === 200 && now >= pauseEnd && !back200.has(replica)) back200.set(replica, now);
            }),
          );
          await sleep(100);
        }
        const leaderAgain = await waitFor(
          'a leader after the pause',
          async () => {
            for (const replica of stack.replicas) {
              const health = await replica.health();
              if (health?.role === 'leader' && health.code === 200) return { replica, at: Date.now() };
            }
            return null;
          },
          15_000,
          100,
        ).catch(() => null);
        row.takeoverS = leaderAgain ? seconds(leaderAgain.at - pauseAt) : null;

        const bravoAll = await whenAllAlerted(stack, 'bravo', 'down', duringAt, 20_000).catch(() => null);
        await sleep(2000);
        const alfa = tally(stack, 'alfa', 'down', before);
        const bravo = tally(stack, 'bravo', 'down', duringAt);
        const [alfaIncidents, bravoIncidents] = await Promise.all([storedIncidents(stack, 'alfa'), storedIncidents(stack, 'bravo')]);

        row.chatsWithoutAlert = bravo.without.length;
        row.duplicatedChats = new Set([...alfa.duplicated, ...bravo.duplicated]).size;
        row.details = {
          leaderBefore: leader.name,
          leaderAfter: leaderAgain?.replica.name ?? null,
          first503S: Object.fromEntries(stack.replicas.map((r) => [r.name, first503.has(r) ? seconds(first503.get(r)! - pauseAt) : null])),
          back200AfterPauseS: Object.fromEntries(stack.replicas.map((r) => [r.name, back200.has(r) ? seconds(back200.get(r)! - pauseEnd) : null])),
          healthSeen: Object.fromEntries(stack.replicas.map((r) => [r.name, statuses.get(r)])),
          announcedBeforePauseAgain: alfa.duplicated.length,
          duringPauseWithout: bravo.without.length,
          duringPauseDuplicated: bravo.duplicated.length,
          bravoAllAlertedS: bravoAll ? seconds(bravoAll - pauseEnd) : null,
          incidents: { alfa: alfaIncidents.map((i) => i.id), bravo: bravoIncidents.map((i) => ({ id: i.id, startedAt: i.startedAt, endedAt: i.endedAt })) },
        };
        const worst = (values: Map<Replica, number>, from: number) => (values.size === stack.replicas.length ? seconds(Math.max(...[...values.values()].map((v) => v - from))) : 'never');
        row.note = `503 after ≤${String(worst(first503, pauseAt))} s, 200 ≤${String(worst(back200, pauseEnd))} s after; leader ${leader.name} -> ${leaderAgain?.replica.name ?? '?'}`;
        for (const replica of stack.replicas) {
          const at = first503.get(replica);
          row.check(`${replica.name} answers 503 within TTL + 2 s of the pause`, at !== undefined && at - pauseAt <= TTL_MS + 2000, at === undefined ? null : seconds(at - pauseAt));
          const back = back200.get(replica);
          row.check(`${replica.name} answers 200 again within 5 s after the pause`, back !== undefined && back - pauseEnd <= 5000, back === undefined ? null : seconds(back - pauseEnd));
        }
        row.check('a replica leads again', leaderAgain !== null, row.details.leaderAfter);
        row.check('the DOWN announced before the pause is not announced again', alfa.duplicated.length === 0, alfa.duplicated);
        row.check('every chat got the DOWN of the portal that failed during the pause', bravo.without.length === 0, bravo.without);
        row.check('no chat got it twice', bravo.duplicated.length === 0, bravo.duplicated);
        row.check('one incident each', alfaIncidents.length === 1 && bravoIncidents.length === 1, row.details.incidents);
        row.done();
      });
    });
  }
});
