import { describe, expect, it } from 'vitest';
import { createTelegramPacer } from '../../../src/platforms/telegram/notifier.js';

/** When each acquire resolved, in ms from the start. */
async function timeline(pacer: ReturnType<typeof createTelegramPacer>, chats: string[]): Promise<number[]> {
  const start = Date.now();
  return Promise.all(chats.map(async (chat) => {
    await pacer.acquire(chat);
    return Date.now() - start;
  }));
}

describe('Telegram pacing', () => {
  it('spaces messages to one group by the per-group minute budget', async () => {
    const pacer = createTelegramPacer({ messagesPerSecond: 1000, messagesPerMinutePerGroup: 300, messagesPerSecondPerChat: 100 });
    const times = await timeline(pacer, ['-1', '-1', '-1']);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(390); // 60 s / 300 = 200 ms apart
  });

  it('spaces messages to one private chat by the per-chat rate, and other chats are not held up', async () => {
    const pacer = createTelegramPacer({ messagesPerSecond: 1000, messagesPerMinutePerGroup: 20, messagesPerSecondPerChat: 10 });
    const times = await timeline(pacer, ['7', '7', '8', '9']);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(95);
    expect(Math.max(times[2]!, times[3]!)).toBeLessThan(60);
  });

  it('keeps the global pace across chats, and holds a chat after a 429', async () => {
    const pacer = createTelegramPacer({ messagesPerSecond: 20, messagesPerMinutePerGroup: 20, messagesPerSecondPerChat: 1 });
    const times = await timeline(pacer, ['1', '2', '3', '4', '5']);
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(190); // 50 ms apart
    pacer.holdChat('6', 300);
    const [held] = await timeline(pacer, ['6']);
    expect(held).toBeGreaterThanOrEqual(290);
  });

  it('makes up a short stall of the process, but never banks idle time as a burst', async () => {
    const pacer = createTelegramPacer({ messagesPerSecond: 100, messagesPerMinutePerGroup: 20, messagesPerSecondPerChat: 1 });
    await pacer.acquire('1');
    // The event loop is busy for 60 ms (a long garbage collection, say): the slots it slept through
    // (10 ms apart) are still this second's, so the next five go at once.
    const busyUntil = Date.now() + 60;
    while (Date.now() < busyUntil);
    const afterStall = await timeline(pacer, ['2', '3', '4', '5', '6']);
    expect(Math.max(...afterStall)).toBeLessThan(15);

    // Idle for longer than the allowance: the pace starts afresh, 10 ms apart.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterIdle = await timeline(pacer, ['7', '8', '9', '10', '11']);
    expect(Math.max(...afterIdle)).toBeGreaterThanOrEqual(38);
  });
});
