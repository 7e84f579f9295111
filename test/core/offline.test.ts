import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createFakePortal, createRefusedPort, type FakePortal } from '../fakes/fake-portal.js';
import { startApp } from '../helpers/app.js';

describe('monitor offline', () => {
  let app: App | null = null;
  const fakes: FakePortal[] = [];
  afterEach(async () => {
    await app?.stop();
    app = null;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  const fake = async (mode: 'healthy' = 'healthy') => {
    const portal = await createFakePortal({ mode });
    fakes.push(portal);
    return portal;
  };

  it('asks the reference addresses only when a check failed at the network level, and not every cycle', async () => {
    const portal = await fake();
    const reference = await fake();
    app = await startApp(`check: { failuresToDown: 1, referenceUrls: ["${reference.url}"] }\nportals:\n  - { id: a, name: A, url: "${portal.url}" }\n`, {});
    await app.monitor.runCycle({ all: true });
    expect(reference.requests.count).toBe(0);
  });

  it('records nothing as an outage while every reference address fails, and says offline', async () => {
    const dead = await createRefusedPort();
    const references = [await createRefusedPort(), await createRefusedPort()];
    app = await startApp(
      `check: { failuresToDown: 1, referenceUrls: [${references.map((r) => `"${r.url}"`).join(', ')}] }\nportals:\n  - { id: a, name: A, url: "${dead.url}" }\n`,
      {},
    );
    const report = await app.monitor.runCycle({ all: true });
    expect(report.offline).toBe(true);
    expect(app.monitor.health().offline).toBe(true);
    expect(app.monitor.status('a')?.state).toBe('unknown');
  });

  it('trusts its network when a reference answers, so one portal refusing is an outage', async () => {
    const dead = await createRefusedPort();
    const reference = await fake();
    app = await startApp(`check: { failuresToDown: 1, referenceUrls: ["${reference.url}"] }\nportals:\n  - { id: a, name: A, url: "${dead.url}" }\n`, {});
    const report = await app.monitor.runCycle({ all: true });
    expect(report.offline).toBe(false);
    expect(reference.requests.count).toBe(1);
    expect(app.monitor.status('a')?.state).toBe('down');
    // Asked again only after its answer has aged.
    await app.monitor.runCycle({ all: true });
    expect(reference.requests.count).toBe(1);
  });
});
