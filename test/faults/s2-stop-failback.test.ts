/**
 * Scenario 2: SIGSTOP of the leader while a slow DOWN is going out (the fake Bot API lets 8
 * messages a second through; the stop lands as the leader's 8th request arrives, a quarter of the
 * way), past its lease until the other replica leads and has sent the rest, then SIGCONT: the
 * resumed replica sends nothing more (duplicates only for sends in flight at the stop: accepted,
 * not yet marked), reports standby and pantau_leader 0 within a TTL, and writes nothing over the
 * incident or the state.
 *
 * Scenario 3, on the same replicas: the portal recovers (the new leader announces the UP), then the
 * new leader is stopped (SIGTERM) and the first replica leads again: it announces nothing already
 * announced, and its /api/portals shows the current state, not the DOWN it remembered.
 */
import { describe, it } from 'vitest';
import {
  CHAT_COUNT,
  FAULTS_ENABLED,
  PORTALS,
  STORE_KINDS,
  TTL_MS,
  inFlightAtFault,
  seconds,
  sleep,
  storedIncidents,
  storedState,
  tally,
  useFaultStack,
  waitFor,
  watchStored,
  whenAllAlerted,
  whenLeader,
  whenReady,
} from './harness.js';

describe.skipIf(!FAULTS_ENABLED)('scenarios 2 and 3: SIGSTOP/SIGCONT of the leader, then fail back', () => {
  for (const kind of STORE_KINDS) {
    describe(kind, () => {
      const faults = useFaultStack(kind);

      it('the resumed replica stands by and sends nothing; on fail back it announces nothing again', async () => {
        const stack = await faults.start('s2-stop');
        const s2 = faults.row('2 SIGSTOP leader mid-alert, SIGCONT');
        const { leader: first, standby: second } = await whenReady(stack);

        // ---- scenario 2
        // Slow: 8 messages a second get through, the rest are answered 429 (retry after 1 s). The
        // stop lands as the leader's 8th DOWN request arrives: the rest of its burst has passed
        // the outbox's lease check and waits for its turn in the Telegram pacer (5 ms apart).
        stack.fake.setRateLimit(8, 1);
        let stopAt = 0;
        let requests = 0;
        first.tap.onRequest = (record) => {
          if (record.method !== 'sendMessage' || stopAt) return;
          if (++requests >= CHAT_COUNT / 4) stopAt = first.signal('SIGSTOP');
        };
        const flipAt = stack.setMode('alfa', 'spse-error');
        await waitFor('the leader to be stopped mid-alert', () => stopAt, 15_000, 20);
        const leadsAt = await whenLeader(second, 15_000);
        s2.takeoverS = seconds(leadsAt - stopAt);
        await whenAllAlerted(stack, 'alfa', 'down', flipAt, 25_000);
        stack.fake.setRateLimit(undefined);
        await sleep(800); // the new leader's delivery markers are written
        const incidentsBefore = await storedIncidents(stack, 'alfa');
        const watch = await watchStored(stack, 'alfa');

        const contAt = first.signal('SIGCONT');
        let standbyAt: number | null = null;
        await waitFor(
          'the resumed replica to report role standby and pantau_leader 0',
          async () => {
            const [health, metric] = await Promise.all([first.health(), first.leaderMetric()]);
            return health?.role === 'standby' && metric === 0 ? (standbyAt = Date.now()) : null;
          },
          10_000,
          50,
        ).catch(() => undefined);
        await sleep(Math.max(0, contAt + TTL_MS + 1500 - Date.now()));
        const watched = await watch.stop();
        const incidentsAfter = await storedIncidents(stack, 'alfa');
        const sendsAfterCont = first.calls('sendMessage').filter((r) => r.at >= contAt);
        const down = tally(stack, 'alfa', 'down', flipAt);
        const inFlight = await inFlightAtFault(stack, first, flipAt, stopAt, contAt);
        const unexplained = down.duplicated.filter((chat) => !inFlight.chats.includes(chat));
        const secondHealth = await second.health();
        const firstLog = first.logLines().filter((l) => Number(l.time) >= contAt);
        const stale = (incidents: typeof incidentsBefore) => JSON.stringify(incidents.map((i) => [i.id, i.startedAt, i.endedAt]));

        s2.chatsWithoutAlert = down.without.length;
        s2.duplicatedChats = down.duplicated.length;
        s2.details = {
          downsAcceptedFromStoppedLeader: inFlight.accepted,
          ofWhichReachedTheFakeAfterTheStop: inFlight.arrivedAfterFault,
          inFlightAtStop: inFlight.chats.length,
          duplicatesNotInFlight: unexplained,
          sendsAfterSigcont: sendsAfterCont.map((r) => ({ chat: r.chatId, msAfterSigcont: r.at - contAt, status: r.status })),
          standbyAfterSigcontS: standbyAt === null ? null : seconds(standbyAt - contAt),
          staleStateWrites: watched.regressions,
          incidentVersionsWhileResumed: watched.incidentVersions.length,
          resumedReplicaSaid: firstLog.filter((l) => Number(l.level) >= 40).map((l) => String(l.msg)).slice(0, 6),
        };
        s2.note = `in flight at the stop: ${inFlight.chats.length}; sent after SIGCONT: ${sendsAfterCont.length}; standby ${standbyAt === null ? 'never' : `after ${seconds(standbyAt - contAt)} s`}; stale writes: ${watched.regressions.length}`;
        s2.check('the other replica leads within TTL + 2 s of the stop', leadsAt - stopAt <= TTL_MS + 2000, s2.takeoverS);
        s2.check('every chat got the DOWN', down.without.length === 0, down.without);
        s2.check('a DOWN came twice only to chats whose message was in flight at the stop', unexplained.length === 0, { duplicated: down.duplicated, inFlight: inFlight.chats });
        s2.check('the resumed replica sent nothing after SIGCONT', sendsAfterCont.length === 0, sendsAfterCont.map((r) => r.chatId));
        s2.check('the resumed replica reports standby and pantau_leader 0 within a TTL', standbyAt !== null && standbyAt - contAt <= TTL_MS, s2.details.standbyAfterSigcontS);
        s2.check('the resumed replica wrote no stale state (lastCheckedAt never went back)', watched.regressions.length === 0, watched.regressions);
        s2.check('the incident was not rewritten', stale(incidentsAfter) === stale(incidentsBefore) && watched.incidentVersions.length === 1, {
          before: stale(incidentsBefore),
          versions: watched.incidentVersions,
        });
        s2.check('the new leader still leads', secondHealth?.role === 'leader' && secondHealth.code === 200, secondHealth);
        s2.done();

        // ---- scenario 3: fail back
        const s3 = faults.row('3 fail back (SIGTERM new leader)');
        const recoverAt = stack.setMode('alfa', 'healthy');
        await whenAllAlerted(stack, 'alfa', 'up', recoverAt, 15_000);
        await sleep(1000);
        const termAt = second.signal('SIGTERM');
        const backAt = await whenLeader(first, 15_000);
        s3.takeoverS = seconds(backAt - termAt);
        const exit = await Promise.race([second.exited, sleep(10_000).then(() => null)]);
        await sleep(Math.max(0, backAt + TTL_MS - Date.now())); // three cycles of the first replica leading again
        const announcedAgain = stack.fake.sent.filter((m) => m.at >= termAt);
        const up = tally(stack, 'alfa', 'up', recoverAt);
        const portals = await first.portals();
        const detail = await first.portalDetail('alfa');
        const state = await storedState(stack, 'alfa');
        const alfa = portals?.find((p) => p.id === 'alfa');

        s3.chatsWithoutAlert = up.without.length;
        s3.duplicatedChats = new Set([...up.duplicated, ...announcedAgain.map((m) => String(m.chat_id))]).size;
        s3.details = {
          stoppedLeaderExit: exit,
          messagesAfterFailBack: announcedAgain.map((m) => `${String(m.chat_id)}: ${(m.text ?? '').slice(0, 40)}`),
          apiPortals: portals?.map((p) => `${p.id}=${p.state}`),
          alfaSince: alfa?.since,
          storedSince: state?.since,
          incidents: detail?.incidents.map((i) => ({ id: i.id, endedAt: i.endedAt })),
        };
        s3.note = `announced again: ${announcedAgain.length}; /api/portals: ${portals?.map((p) => p.state).join(',') ?? 'no answer'}`;
        s3.check('the first replica leads again within TTL + 2 s of the SIGTERM', backAt - termAt <= TTL_MS + 2000, s3.takeoverS);
        s3.check('the stopped leader exited cleanly', exit?.code === 0, exit);
        s3.check('every chat got the UP (from the new leader)', up.without.length === 0, up.without);
        s3.check('nothing was announced again after the fail back', announcedAgain.length === 0, s3.details.messagesAfterFailBack);
        s3.check('/api/portals shows every portal up (the current state)', portals?.length === PORTALS.length && portals.every((p) => p.state === 'up'), s3.details.apiPortals);
        s3.check('its alfa is the stored one (since the recovery)', alfa !== undefined && alfa.since === state?.since && Date.parse(alfa.since) >= recoverAt - 1500, { api: alfa?.since, stored: state?.since });
        s3.check('one incident, closed', detail?.incidents.length === 1 && detail.incidents[0]!.endedAt !== null, s3.details.incidents);
        s3.done();
      });
    });
  }
});
