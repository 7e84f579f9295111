/**
 * Scenario 4: the leader is cut off from the store (its TCP proxy stops forwarding and holds the
 * connections open) while the other replica still reaches it. Within about a TTL the cut-off
 * replica stops acting: role standby, no more Telegram polling (both replicas share one token, so
 * a poller left behind would keep the new leader's polls failing with 409 Conflict); the other
 * takes over and alerts keep working. When the network heals it comes back as a standby.
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
  whenLeader,
  whenReady,
} from './harness.js';

describe.skipIf(!FAULTS_ENABLED)('scenario 4: the leader cut off from the store', () => {
  for (const kind of STORE_KINDS) {
    describe(kind, () => {
      const faults = useFaultStack(kind);

      it('stops acting within about a TTL, stops polling, the other leads and alerts keep working', async () => {
        const stack = await faults.start('s4-cut-off');
        const row = faults.row('4 leader cut off from store');
        const { leader: cut, standby: other } = await whenReady(stack);
        // Its Telegram poller is running (the long polls go through its tap).
        await waitFor('the leader to poll Telegram', () => cut.calls('getUpdates').length > 0, 10_000);

        const pauseAt = Date.now();
        cut.proxy.pause();
        let unhealthyAt: number | null = null;
        let standbyAt: number | null = null;
        const watching = waitFor(
          'the cut-off replica to step down',
          async () => {
            const health = await cut.health();
            if (health && health.code !== 200) unhealthyAt ??= Date.now();
            if (health?.role === 'standby') standbyAt ??= Date.now();
            return standbyAt;
          },
          15_000,
          50,
        ).catch(() => null);
        const leadsAt = await whenLeader(other, 15_000);
        await watching;
        row.takeoverS = seconds(leadsAt - pauseAt);
        // The new leader polls for a while: a poller left on the cut-off replica would show as 409s.
        await sleep(3000);
        const quietFrom = (standbyAt ?? Date.now()) + 1000;
        const cutPolls = cut.calls('getUpdates').filter((r) => r.at > quietFrom);
        const conflicts = [...cut.calls('getUpdates'), ...other.calls('getUpdates')].filter((r) => r.status === 409 && (r.answeredAt ?? r.at) > quietFrom);
        const otherPolls = other.calls('getUpdates').filter((r) => r.at > leadsAt);

        const flipAt = stack.setMode('bravo', 'spse-error');
        await whenAllAlerted(stack, 'bravo', 'down', flipAt, 15_000);
        await sleep(1500);
        const down = tally(stack, 'bravo', 'down', flipAt);

        const healAt = Date.now();
        cut.proxy.resume();
        let rejoinedAt: number | null = null;
        await waitFor(
          'the healed replica to be a healthy standby',
          async () => {
            const health = await cut.health();
            return health?.code === 200 && health.role === 'standby' ? (rejoinedAt = Date.now()) : null;
          },
          10_000,
          100,
        ).catch(() => undefined);
        await sleep(1500); // whatever the healed replica had queued for the store lands now
        const cutSends = cut.calls('sendMessage').filter((r) => r.at >= pauseAt);
        const otherHealth = await other.health();
        const incidents = await storedIncidents(stack, 'bravo');
        const stillDown = tally(stack, 'bravo', 'down', flipAt);

        row.chatsWithoutAlert = down.without.length;
        row.duplicatedChats = stillDown.duplicated.length;
        row.details = {
          firstUnhealthyS: unhealthyAt === null ? null : seconds(unhealthyAt - pauseAt),
          steppedDownS: standbyAt === null ? null : seconds(standbyAt - pauseAt),
          getUpdatesFromCutOffAfterStepDownPlus1s: cutPolls.length,
          conflictsAfterStepDownPlus1s: conflicts.length,
          conflictsInAll: [...cut.calls('getUpdates'), ...other.calls('getUpdates')].filter((r) => r.status === 409).length,
          newLeaderPolls: otherPolls.length,
          sendsFromCutOff: cutSends.length,
          rejoinedAsStandbyS: rejoinedAt === null ? null : seconds(rejoinedAt - healAt),
          incidents: incidents.map((i) => ({ id: i.id, startedAt: i.startedAt, endedAt: i.endedAt })),
        };
        row.note = `stepped down after ${String(row.details.steppedDownS)} s; getUpdates/409 after +1 s: ${cutPolls.length}/${conflicts.length}; healed standby after ${String(row.details.rejoinedAsStandbyS)} s`;
        row.check('the cut-off replica steps down (role standby) within TTL + 1 s', standbyAt !== null && standbyAt - pauseAt <= TTL_MS + 1000, row.details.steppedDownS);
        row.check('the other replica leads within TTL + 2 s', leadsAt - pauseAt <= TTL_MS + 2000, row.takeoverS);
        row.check('no getUpdates from the cut-off replica from 1 s after it stepped down', cutPolls.length === 0, cutPolls.map((r) => r.at - quietFrom));
        row.check('no 409 Conflict from 1 s after it stepped down', conflicts.length === 0, conflicts.map((r) => `${r.replica}@${(r.answeredAt ?? r.at) - quietFrom}`));
        row.check('the new leader polls Telegram', otherPolls.length > 0, otherPolls.length);
        row.check('every chat got the DOWN', down.without.length === 0, down.without);
        row.check('no chat got the DOWN twice (also after the network healed)', stillDown.duplicated.length === 0, stillDown.duplicated);
        row.check('the cut-off replica sent nothing', cutSends.length === 0, cutSends.map((r) => r.chatId));
        row.check('healed, it is a healthy standby within 5 s', rejoinedAt !== null && rejoinedAt - healAt <= 5000, row.details.rejoinedAsStandbyS);
        row.check('the new leader still leads', otherHealth?.role === 'leader' && otherHealth.code === 200, otherHealth);
        row.check('one incident for the DOWN', incidents.length === 1 && incidents[0]!.endedAt === null, row.details.incidents);
        row.done();
      });
    });
  }
});
