/**
 * confirmSeconds: from a subscribed portal failing to its DOWN alert reaching the chat, with the
 * defaults (interval 60 s, failuresToDown 2, retryIntervalSeconds 15), in real time. Twenty
 * portals have been up for a while (their last checks spread over the past minute, as in steady
 * state), each fails at a random moment of the next minute, and each has a chat of its own on a
 * fake Bot API. Expected: the next check finds it (0–60 s later), the retry 15 s after confirms it.
 */
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { initialStatus } from '../src/core/state-machine.js';
import type { PortalStatus } from '../src/core/types.js';
import { createFakeBotApi } from '../test/fakes/fake-bot-api.js';
import { createFakePortal, type FakePortal } from '../test/fakes/fake-portal.js';
import { median, percentile, round, seeded } from './lib.js';

export async function benchConfirm(o: { portals?: number; log: (line: string) => void }): Promise<Record<string, unknown>> {
  const count = o.portals ?? 20;
  const random = seeded(42);
  const telegram = await createFakeBotApi();
  const fakes: FakePortal[] = [];
  for (let i = 0; i < count; i++) fakes.push(await createFakePortal({ mode: 'healthy', slug: `p${i}` }));
  const yaml = [
    'check: { referenceUrls: [] }',
    'telegram: { pollTimeoutSeconds: 1, messagesPerSecond: 100 }',
    'portals:',
    ...fakes.map((f, i) => `  - { id: p${i}, name: "LPSE Bench ${i}", url: "${f.url}" }`),
  ].join('\n');
  const config = loadConfig(yaml, { STORE_URL: 'memory://', HTTP_PORT: '0', TELEGRAM_BOT_TOKEN: '123:confirm', TELEGRAM_API_ROOT: telegram.apiRoot, LOG_LEVEL: 'silent' }, 'bench');
  const app = await createApp(config, { logger: pino({ level: 'silent' }) });
  const now = Date.now();
  // Steady state: up for a while, last checked at some moment of the past minute.
  const steady: PortalStatus[] = fakes.map((_, i) => {
    const last = new Date(now - random() * 60_000).toISOString();
    const view = { state: 'up' as const, seen: { state: 'up' as const, cause: 'ok' as const, httpStatus: 200, errorCode: null, errorCodeEstimate: null, detail: 'HTTP 200', networkLevel: false, at: last, latencyMs: 20 }, streak: { state: 'up' as const, count: 5, since: last }, healthyStreak: { count: 5, since: last } };
    return { ...initialStatus(`p${i}`, now - 3_600_000), state: 'up', cause: 'ok', detail: 'HTTP 200', lastCheckedAt: last, streak: view.streak, healthyStreak: view.healthyStreak, vantages: { hub: view } };
  });
  await app.states.setMany(steady);
  for (let i = 0; i < count; i++) await app.subscriptions.subscribe({ platform: 'telegram', chatId: String(1000 + i), threadId: null, guildId: null }, [`p${i}`]);
  const failedAt = new Map<number, number>();
  const timers: NodeJS.Timeout[] = [];
  try {
    await app.start();
    for (let i = 0; i < count; i++) {
      timers.push(
        setTimeout(() => {
          fakes[i]!.setMode('spse-error');
          failedAt.set(i, Date.now());
        }, random() * 60_000),
      );
    }
    const seconds: number[] = [];
    const deadline = Date.now() + 150_000;
    for (let i = 0; i < count; i++) {
      const chatId = 1000 + i;
      const left = Math.max(1000, deadline - Date.now());
      const alert = await telegram.waitFor((m) => String(m.chat_id) === String(chatId) && /DOWN/.test(m.text ?? ''), left).catch(() => null);
      if (alert && failedAt.has(i)) seconds.push((alert.at - failedAt.get(i)!) / 1000);
    }
    o.log(`  confirm: ${seconds.length}/${count} DOWN alerts, seconds from failure: ${seconds.map((s) => s.toFixed(0)).join(' ')}`);
    return {
      confirmSeconds: round(median(seconds), 1),
      confirmP90Seconds: round(percentile(seconds, 90), 1),
      confirmMaxSeconds: round(Math.max(...seconds), 1),
      alerts: seconds.length,
      portals: count,
      settings: { intervalSeconds: config.check.intervalSeconds, failuresToDown: config.check.failuresToDown, retryIntervalSeconds: config.check.retryIntervalSeconds },
    };
  } finally {
    timers.forEach(clearTimeout);
    await app.stop().catch(() => undefined);
    await Promise.all(fakes.map((f) => f.close()));
    await telegram.close();
  }
}
