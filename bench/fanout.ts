/**
 * Figure 3: one 'down' transition to 10,000 subscribed Telegram chats through the real outbox and
 * the real Telegram notifier (grammY Api, pacer at the fake's rate), against a fake Bot API in
 * another process enforcing a global token bucket (429 + retry_after beyond it). Then a storm:
 * 600 portals down in one cycle, each chat subscribed to 20 of them — one message per chat.
 */
import { Api } from 'grammy';
import pino from 'pino';
import { buildAlertBatch } from '../src/core/alert-batch.js';
import { createCatalog, loadBuiltInCatalog } from '../src/core/catalog/index.js';
import { createFence } from '../src/core/fence.js';
import { createOutbox } from '../src/core/outbox.js';
import { chatKey, type ChatRecord, type PendingTransition } from '../src/core/types.js';
import { createTelegramNotifier } from '../src/platforms/telegram/notifier.js';
import { openStore } from '../src/store/open-store.js';
import { createOutboxStore } from '../src/store/outbox-store.js';
import { createSubscriptionStore } from '../src/store/subscription-store.js';
import { createHistoryStore } from '../src/store/history-store.js';
import { round, startWorker } from './lib.js';

export interface FanoutOptions {
  chats: number;
  ratePerSecond: number;
  stormChats: number;
  stormPortals: number;
  portalsPerChat: number;
  log: (line: string) => void;
}

interface BotStats {
  cpuSeconds: number;
  sent: number;
  accepted: number;
  rejected429: number;
  chats: number;
  duplicated: number;
  chatIds: string[];
  firstAt: number | null;
  lastAt: number | null;
  maxTextLength: number;
}

const TOKEN = '123456:bench';

function downTransition(portalId: string, cycleId: string, at: string): PendingTransition {
  return {
    id: `${portalId}:1`,
    portalId,
    from: 'up',
    to: 'down',
    at,
    kind: 'down',
    cause: 'spse_error',
    httpStatus: 500,
    errorCode: '81kep4jo9',
    errorCodeEstimate: '2023-05-25T08:48:09.749Z',
    detail: 'Maaf, terjadi error pada aplikasi SPSE',
    outageStartedAt: null,
    outageDurationMs: null,
    outageCause: null,
    outageErrorCode: null,
    cycleId,
  };
}

async function deliver(
  apiRoot: string,
  ratePerSecond: number,
  records: ChatRecord[],
  transitions: PendingTransition[],
  catalog: ReturnType<typeof createCatalog>,
) {
  // The app's own in-memory store (its serializer and error handling), as `STORE_URL=memory://` runs it.
  const { keyv } = await openStore('memory://');
  // Written at the stored shape in one go (subscribing 10,000 chats one by one rewrites the index each time).
  await keyv.setMany(records.map((r) => ({ key: `chat:${chatKey(r.chat)}`, value: r })));
  await keyv.set('chats:index', records.map((r) => chatKey(r.chat)));
  const subscriptions = createSubscriptionStore(keyv);
  await subscriptions.load();
  const notifier = createTelegramNotifier(new Api(TOKEN, { apiRoot }), {
    messagesPerSecond: ratePerSecond,
    messagesPerMinutePerGroup: 20,
    messagesPerSecondPerChat: 1,
  });
  const results: Record<string, number> = {};
  const fence = createFence();
  fence.grant(Number.MAX_SAFE_INTEGER, 1);
  const outbox = createOutbox({
    fence,
    store: createOutboxStore(keyv),
    subscriptions,
    history: createHistoryStore(keyv, { incidentRetentionDays: 400, bucketRetentionDays: 35 }),
    notifiers: [notifier],
    portal: (id) => catalog.get(id),
    defaultLanguage: 'id',
    timezone: 'Asia/Jakarta',
    publicUrl: 'https://pantau.example.id',
    logger: pino({ level: 'silent' }),
    onDelivered: (_platform, result) => {
      results[result] = (results[result] ?? 0) + 1;
    },
  });
  await outbox.start();
  const cycleId = transitions[0]!.cycleId;
  const batch = buildAlertBatch(cycleId, transitions, (id) => subscriptions.subscribersOf(id), Date.now());
  const t0 = Date.now();
  const p0 = performance.now();
  const cpu0 = process.cpuUsage();
  await outbox.enqueue(batch);
  const enqueuedMs = performance.now() - p0;
  await outbox.idle();
  const seconds = (performance.now() - p0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await outbox.stop();
  return { batchMessages: batch.messages.length, seconds, enqueuedMs, startedAt: t0, results, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

export async function benchFanout(o: FanoutOptions): Promise<Record<string, unknown>> {
  const bot = await startWorker<{ apiRoot: string }>('bot-worker.ts', { BENCH_BOT_RATE: String(o.ratePerSecond) });
  try {
    const catalog = createCatalog(loadBuiltInCatalog());
    const portals = catalog.all();
    const at = new Date().toISOString();
    const record = (i: number, portalIds: string[]): ChatRecord => ({
      chat: { platform: 'telegram', chatId: String(100_000_000 + i), threadId: null, guildId: null },
      title: null,
      portals: portalIds,
      language: i % 3 === 0 ? 'en' : null,
      notifyDegraded: false,
      createdAt: at,
      updatedAt: at,
    });

    // --- one transition, every chat ------------------------------------------------------------
    const target = portals[0]!;
    const chats = Array.from({ length: o.chats }, (_, i) => record(i, [target.id]));
    const one = await deliver(bot.ready.apiRoot, o.ratePerSecond, chats, [downTransition(target.id, 'cbenchfan', at)], catalog);
    const stats = await bot.request<BotStats>('stats');
    const received = new Set(stats.chatIds);
    const lost = chats.filter((c) => !received.has(c.chat.chatId)).length;
    const ideal = o.chats / o.ratePerSecond;
    o.log(`  fan-out: ${stats.sent} sent to ${stats.chats} chats in ${one.seconds.toFixed(2)} s (ideal ${ideal} s), cpu here ${one.cpuSeconds.toFixed(1)} s, fake ${stats.cpuSeconds.toFixed(1)} s, 429s ${stats.rejected429}, results ${JSON.stringify(one.results)}`);

    // --- storm: 600 portals down at once ---------------------------------------------------------
    await bot.request('reset');
    const stormPortals = portals.slice(0, o.stormPortals);
    const stormChats = Array.from({ length: o.stormChats }, (_, i) =>
      record(i, Array.from({ length: o.portalsPerChat }, (_, k) => stormPortals[(i * 7 + k * Math.floor(o.stormPortals / o.portalsPerChat)) % stormPortals.length]!.id)),
    );
    const storm = await deliver(bot.ready.apiRoot, o.ratePerSecond, stormChats, stormPortals.map((p) => downTransition(p.id, 'cbenchstorm', at)), catalog);
    const stormStats = await bot.request<BotStats>('stats');
    o.log(`  storm: ${stormStats.sent} messages to ${stormStats.chats} chats in ${storm.seconds.toFixed(2)} s, 429s ${stormStats.rejected429}, results ${JSON.stringify(storm.results)}, longest text ${stormStats.maxTextLength}`);

    return {
      fanoutRatio: round(one.seconds / ideal),
      fanoutLost: lost,
      fanoutDuplicated: stats.duplicated,
      stormMessages: stormStats.sent,
      stormChats: stormStats.chats,
      fanout: {
        chats: o.chats,
        ratePerSecond: o.ratePerSecond,
        seconds: round(one.seconds, 3),
        idealSeconds: ideal,
        lastAcceptedAfterSeconds: stats.lastAt ? round((stats.lastAt - one.startedAt) / 1000, 3) : null,
        enqueueMs: round(one.enqueuedMs, 1),
        messagesSent: stats.sent,
        rejected429: stats.rejected429,
        botApiProcessCpuSeconds: round(stats.cpuSeconds, 2),
        outboxResults: one.results,
        notifierProcessCpuSeconds: round(one.cpuSeconds, 2),
      },
      storm: {
        chats: o.stormChats,
        portalsDown: o.stormPortals,
        portalsPerChat: o.portalsPerChat,
        batchMessages: storm.batchMessages,
        seconds: round(storm.seconds, 3),
        idealSeconds: o.stormChats / o.ratePerSecond,
        rejected429: stormStats.rejected429,
        duplicatedChats: stormStats.duplicated,
        outboxResults: storm.results,
        longestTextChars: stormStats.maxTextLength,
      },
    };
  } finally {
    await bot.close();
  }
}
