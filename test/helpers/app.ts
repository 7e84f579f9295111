import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Ticker } from '../../src/core/ticker.js';

/** A throw-away SQLite file, so a test can restart the bot on the same store. */
export function tempSqliteUrl(): string {
  return `sqlite://${path.join(mkdtempSync(path.join(tmpdir(), 'pantau-test-')), 'pantau.sqlite')}`;
}

/** A ticker that never ticks: the test runs each cycle by hand. */
export const byHand = (): Ticker => ({ start: () => undefined, stop: async () => undefined });

/** Starts the whole app from a YAML text and environment, with checks driven by hand. */
export async function startApp(yaml: string, env: Record<string, string>, options: AppOptions = {}): Promise<App> {
  const config = loadConfig(yaml, { HTTP_PORT: '0', STORE_URL: 'memory://', ...env }, 'test.yaml');
  // This machine has no internet: the default reference addresses would always fail and judge the
  // monitor offline. Tests about references name their own (fakes on loopback).
  if (!yaml.includes('referenceUrls')) config.check.referenceUrls = [];
  const app = await createApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ticker: byHand(), ...options });
  await app.start();
  return app;
}

/** One check cycle over every portal, then wait until its alerts are delivered. */
export async function cycle(app: App) {
  const report = await app.monitor.runCycle({ all: true });
  await app.outbox.idle();
  return report;
}

/** A config listing `portals` at the addresses `urlOf` gives, confirming after one check. */
export function portalsYaml(portals: Array<{ id: string; name: string; province: string }>, urlOf: (id: string) => string): string {
  return [
    'check:',
    '  failuresToDown: 1',
    '  successesToUp: 1',
    '  timeoutSeconds: 5',
    'portals:',
    ...portals.flatMap((p) => [`  - id: ${p.id}`, `    name: ${JSON.stringify(p.name)}`, `    url: ${urlOf(p.id)}`, `    province: ${p.province}`]),
  ].join('\n');
}
