/** Runs the fake portal farm in its own process, so the checker's CPU time is measured alone. */
import { createFakePortalFarm } from '../test/fakes/fake-portal.js';
import { failWorker, serveWorker } from './lib.js';

const hosts = Number(process.env.BENCH_FARM_HOSTS ?? 20);
const portalsPerHost = Number(process.env.BENCH_FARM_PER_HOST ?? 50);

try {
  const farm = await createFakePortalFarm({ hosts, portalsPerHost });
  serveWorker(
    { portals: farm.portals.map((p) => ({ id: p.id, url: p.url, kind: p.mode.kind })), origins: farm.origins },
    { requests: () => farm.requests.count },
    () => farm.close(),
  );
} catch (error) {
  failWorker(error);
}
