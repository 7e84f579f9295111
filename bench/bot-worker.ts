/** Runs the fake Telegram Bot API in its own process (the notifier's process stays uncontended). */
import { createFakeBotApi } from '../test/fakes/fake-bot-api.js';
import { failWorker, serveWorker } from './lib.js';

const ratePerSecond = Number(process.env.BENCH_BOT_RATE ?? 1000);

try {
  const api = await createFakeBotApi({ ratePerSecond, keepAlive: true, validateHtml: true, recordCalls: false });
  serveWorker(
    { apiRoot: api.apiRoot },
    {
      reset: () => {
        api.reset();
        return true;
      },
      stats: () => {
        const perChat = new Map<string, number>();
        let firstAt = Infinity;
        let lastAt = 0;
        let maxLength = 0;
        for (const m of api.sent) {
          if (m.method !== 'sendMessage') continue;
          const key = String(m.chat_id);
          perChat.set(key, (perChat.get(key) ?? 0) + 1);
          firstAt = Math.min(firstAt, m.at);
          lastAt = Math.max(lastAt, m.at);
          maxLength = Math.max(maxLength, m.text?.length ?? 0);
        }
        let duplicated = 0;
        for (const n of perChat.values()) if (n > 1) duplicated++;
        const cpu = process.cpuUsage();
        return {
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          sent: api.sent.filter((m) => m.method === 'sendMessage').length,
          accepted: api.accepted,
          rejected429: api.rejected429,
          chats: perChat.size,
          duplicated,
          chatIds: [...perChat.keys()],
          firstAt: Number.isFinite(firstAt) ? firstAt : null,
          lastAt: lastAt || null,
          maxTextLength: maxLength,
        };
      },
    },
    () => api.close(),
  );
} catch (error) {
  failWorker(error);
}
