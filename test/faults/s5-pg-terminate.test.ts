/**
 * Scenario 5 (PostgreSQL only): every connection to the test's database is ended by the server
 * (pg_terminate_backend), once while idle and once while a DOWN is being delivered. Both replica
 * processes stay alive, and every chat gets exactly one DOWN.
 */
import { describe, it } from 'vitest';
import {
  FAULTS_ENABLED,
  TTL_MS,
  onAcceptedCount,
  seconds,
  sleep,
  tally,
  useFaultStack,
  waitFor,
  whenAllAlerted,
  whenReady,
  type Replica,
  type Stack,
} from './harness.js';

async function terminateAll(stack: Stack): Promise<number> {
  const database = stack.database!;
  const rows = await database.query('SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
  return rows.length;
}

async function healthyPair(stack: Stack): Promise<{ leader: Replica; at: number }> {
  return waitFor(
    'both replicas healthy with one leader',
    async () => {
      const [ha, hb] = await Promise.all([stack.a.health(), stack.b.health()]);
      if (ha?.code !== 200 || hb?.code !== 200) return null;
      const leaders = [ha.role === 'leader' ? stack.a : null, hb.role === 'leader' ? stack.b : null].filter((r): r is Replica => r !== null);
      return leaders.length === 1 ? { leader: leaders[0]!, at: Date.now() } : null;
    },
    15_000,
    100,
  );
}

describe.skipIf(!FAULTS_ENABLED)('scenario 5: PostgreSQL ends every connection', () => {
  describe('postgres', () => {
    const faults = useFaultStack('postgres');

    it('both replicas live on and every chat gets exactly one DOWN', async () => {
      const stack = await faults.start('s5-pg-terminate');
      const row = faults.row('5 pg_terminate_backend (all)');
      const { leader } = await whenReady(stack);

      const firstAt = Date.now();
      const ended = await terminateAll(stack);
      await sleep(1500);
      const aliveAfterFirst = stack.replicas.every((r) => r.alive());
      const after = await healthyPair(stack);
      row.takeoverS = after.leader === leader ? null : seconds(after.at - firstAt);

      const flipAt = stack.setMode('charlie', 'spse-error');
      let secondEnded = 0;
      let secondAt = 0;
      await onAcceptedCount(stack, 'charlie', 'down', flipAt, 1, () => {
        secondAt = Date.now();
        void terminateAll(stack).then((n) => (secondEnded = n));
      }, 15_000);
      await whenAllAlerted(stack, 'charlie', 'down', flipAt, 20_000);
      await sleep(1500);
      const down = tally(stack, 'charlie', 'down', flipAt);
      const final = await healthyPair(stack).catch(() => null);
      const idleErrors = stack.replicas.map((r) => r.logLines().filter((l) => /closed an idle connection/.test(String(l.msg))).length);

      row.chatsWithoutAlert = down.without.length;
      row.duplicatedChats = down.duplicated.length;
      row.details = {
        connectionsEnded: [ended, secondEnded],
        leaderBefore: leader.name,
        leaderAfter: final?.leader.name ?? null,
        idleConnectionErrorsLogged: idleErrors,
        secondTerminationMsAfterFlip: secondAt - flipAt,
        exits: stack.replicas.map((r) => r.exitInfo),
      };
      row.note = `connections ended ${ended}+${secondEnded} (idle, mid-alert); both alive: ${stack.replicas.every((r) => r.alive())}; leader ${leader.name} -> ${final?.leader.name ?? '?'}`;
      row.check('connections were ended', ended > 0, ended);
      row.check('both replicas alive after the first termination', aliveAfterFirst, stack.replicas.map((r) => r.exitInfo));
      row.check('a leader change, if any, within TTL + 2 s', row.takeoverS === null || row.takeoverS * 1000 <= TTL_MS + 2000, row.takeoverS);
      row.check('every chat got the DOWN', down.without.length === 0, down.without);
      row.check('no chat got it twice', down.duplicated.length === 0, down.duplicated);
      row.check('both replicas alive and healthy at the end', stack.replicas.every((r) => r.alive()) && final !== null, stack.replicas.map((r) => r.exitInfo));
      row.done();
    });
  });
});
