import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { byHand } from './helpers/app.js';
import { createFakeBotApi } from './fakes/fake-bot-api.js';
import { createFakePortal, createRefusedPort } from './fakes/fake-portal.js';

const TOKEN = '987654:SECRET-token-that-must-never-be-logged';

describe('logs', () => {
  let app: App | null = null;
  afterEach(async () => {
    await app?.stop();
    app = null;
  });

  it('are JSON lines with a component and never contain the bot token (the production logger), even when the Bot API fails', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const telegram = await createFakeBotApi();
    const portal = await createFakePortal({ mode: 'healthy' });
    const refused = await createRefusedPort();
    const config = loadConfig(
      `portals:\n  - { id: gresikkab, name: Gresik, url: "${portal.url}" }\n  - { id: mati, name: Mati, url: "${refused.url}" }\ncheck: { failuresToDown: 1, successesToUp: 1, timeoutSeconds: 1, referenceUrls: [] }\ntelegram: { pollTimeoutSeconds: 0 }\n`,
      { STORE_URL: 'memory://', HTTP_PORT: '0', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot, LOG_LEVEL: 'debug' },
    );
    app = await createApp(config, { logger: createLogger({ level: 'debug', secrets: [TOKEN] }, sink), ticker: byHand() });
    await app.start();
    await app.subscriptions.subscribe({ platform: 'telegram', chatId: '-100', threadId: null, guildId: null }, ['mati']);
    telegram.failNext({ method: 'sendMessage', times: 2, error: { code: 500 } });
    await app.monitor.runCycle({ all: true });
    // The Bot API goes away entirely: grammY's network errors are logged too.
    await telegram.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await portal.close();

    expect(lines.length).toBeGreaterThan(3);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.some((entry) => entry.component === 'monitor' && String(entry.msg).includes('mati'))).toBe(true);
    expect(lines.join('\n')).not.toContain('SECRET-token');
  });
});
