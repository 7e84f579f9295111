import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { healthReport } from '../src/health.js';
import { createFence } from '../src/core/fence.js';
import { createLeadership } from '../src/leadership.js';
import { createLocalLease } from '../src/store/leases.js';

const idleMonitor = { running: false, lastCycleStartedAt: null, lastCycleFinishedAt: null, lastProgressAt: null, offline: false, overdue: false };

describe('taking up the lease holder’s duties', () => {
  it('is all or nothing: a failed start stops what started, frees the lease, says why, and tries again', async () => {
    const lease = createLocalLease();
    const log: string[] = [];
    let attempts = 0;
    const fence = createFence();
    const leadership = createLeadership({
      lease,
      fence,
      holder: 'a',
      ttlMs: 300,
      platforms: [],
      logger: pino({ level: 'silent' }),
      duties: {
        async start() {
          attempts += 1;
          log.push(fence.valid() ? 'start (fenced in)' : 'start');
          if (attempts === 1) throw new Error('record chat:telegram:1 could not be read');
        },
        async stop() {
          log.push('stop');
        },
      },
    });
    await leadership.start();
    expect(leadership.isLeader()).toBe(false);
    expect(leadership.startError()).toContain('chat:telegram:1');
    expect(log).toEqual(['start (fenced in)', 'stop']);
    expect(fence.valid()).toBe(false);
    // The lease was released: another replica could take it now.
    expect(await lease.tryAcquire('b', 300)).not.toBeNull();
    await lease.release('b');
    const health = healthReport(idleMonitor, { leader: leadership.isLeader(), startError: leadership.startError() });
    expect(health.status).toBe('cannot_lead');

    await expect.poll(() => leadership.isLeader(), { timeout: 2000 }).toBe(true);
    expect(leadership.startError()).toBeNull();
    expect(attempts).toBe(2);
    await leadership.stop();
    expect(log.at(-1)).toBe('stop');
  });
});

describe('health', () => {
  it('is ok for a standby, and never ok for a leader whose loop does not run or makes no progress', () => {
    expect(healthReport(idleMonitor, { leader: false, startError: null }).status).toBe('ok');
    expect(healthReport(idleMonitor, { leader: true, startError: null }).status).toBe('stopped');
    expect(healthReport({ ...idleMonitor, running: true, overdue: true }, { leader: true, startError: null }).status).toBe('overdue');
    expect(healthReport({ ...idleMonitor, running: true }, { leader: true, startError: null }).status).toBe('ok');
  });
});
