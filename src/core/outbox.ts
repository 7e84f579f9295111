import type { Logger } from 'pino';
import type { Fence } from './fence.js';
import { DeliveryError, type Notifier } from './notifier.js';
import type { HistoryStore, OutboxStore, SubscriptionStore } from './ports.js';
import type { Alert, AlertItem, AlertTenders, ChatRecord, Language, OutboxBatch, OutboxMessage, Portal, Transition, Uptime } from './types.js';

export interface OutboxOptions {
  store: OutboxStore;
  /** Sends happen only while this replica can prove its lease. */
  fence: Fence;
  subscriptions: SubscriptionStore;
  /** Uptime shown in single-portal alerts, read once per batch. */
  history: Pick<HistoryStore, 'uptimeMany'>;
  /** The tender stages each transition of a batch concerns, looked up once per batch. */
  tenders?: (transitions: readonly Transition[]) => Promise<Map<string, AlertTenders>>;
  notifiers: readonly Notifier[];
  portal: (id: string) => Portal | undefined;
  defaultLanguage: Language;
  timezone: string;
  publicUrl: string | null;
  logger: Logger;
  /** Messages in flight at once; each notifier keeps its platform's own rate. */
  concurrency?: number;
  /** A message that keeps failing transiently is dropped (and logged) after this long. */
  maxRetryAgeMs?: number;
  onDelivered?: (platform: string, result: string) => void;
}

export interface Outbox {
  enqueue(batch: OutboxBatch): Promise<void>;
  /** Loads what an earlier run left unsent and starts delivering. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when nothing is queued or in flight (for tests and graceful stops). */
  idle(): Promise<void>;
  pending(): number;
}

interface WorkItem {
  batch: OutboxBatch;
  message: OutboxMessage;
  attempt: number;
  notBefore: number;
  firstTriedAt: number;
}

/** How long a stop waits for the last delivery markers to be written. */
const STOP_FLUSH_MS = 5000;

const backoffMs = (attempt: number) => Math.min(300_000, 1000 * 2 ** Math.min(attempt, 9));

/**
 * Delivers outbox batches exactly once per chat: a message is marked done only after its platform
 * accepted it (or refused it for good), markers are written in small group commits, and a batch is
 * dropped only when all of its messages are marked. Rate limits wait; nothing is dropped for them.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const { store, logger } = options;
  const concurrency = options.concurrency ?? 32;
  const maxRetryAgeMs = options.maxRetryAgeMs ?? 24 * 3_600_000;
  const queue: WorkItem[] = [];
  const remaining = new Map<string, number>();
  let inFlight = 0;
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let marks: Array<{ key: string; result: string; batchId: string }> = [];
  let flushing: Promise<void> | null = null;
  let idleWaiters: Array<() => void> = [];
  const transitionsById = new WeakMap<OutboxBatch, Map<string, OutboxBatch['transitions'][number]>>();
  const uptimeByBatch = new WeakMap<OutboxBatch, Promise<Map<string, Uptime>>>();
  const tendersByBatch = new WeakMap<OutboxBatch, Promise<Map<string, AlertTenders>>>();

  /** The batch's tender lines, once for all its chats; an alert goes out without them when the lookup fails. */
  function tendersOf(batch: OutboxBatch): Promise<Map<string, AlertTenders>> {
    let lookup = tendersByBatch.get(batch);
    if (!lookup) {
      lookup = (options.tenders?.(batch.transitions) ?? Promise.resolve(new Map<string, AlertTenders>())).catch((error: unknown) => {
        logger.warn({ err: error, batch: batch.id }, 'tender lookup failed; alerts go out without tender lines');
        return new Map<string, AlertTenders>();
      });
      tendersByBatch.set(batch, lookup);
    }
    return lookup;
  }

  /** Every portal of a batch's uptime, looked up once for all its chats; an alert goes out without it when the lookup fails. */
  function uptimeOf(batch: OutboxBatch): Promise<Map<string, Uptime>> {
    let lookup = uptimeByBatch.get(batch);
    if (!lookup) {
      const ids = [...new Set(batch.transitions.map((t) => t.portalId))];
      lookup = options.history.uptimeMany(ids, Date.now()).catch((error: unknown) => {
        logger.warn({ err: error, batch: batch.id }, 'uptime lookup failed; alerts go out without it');
        return new Map<string, Uptime>();
      });
      uptimeByBatch.set(batch, lookup);
    }
    return lookup;
  }

  async function renderAlert(batch: OutboxBatch, message: OutboxMessage, record: ChatRecord | undefined): Promise<Alert | null> {
    let byId = transitionsById.get(batch);
    if (!byId) transitionsById.set(batch, (byId = new Map(batch.transitions.map((t) => [t.id, t]))));
    const [uptime, tenders] = await Promise.all([uptimeOf(batch), tendersOf(batch)]);
    const items: AlertItem[] = [];
    for (const id of message.transitionIds) {
      const transition = byId.get(id);
      const portal = transition && options.portal(transition.portalId);
      if (transition && portal) items.push({ transition, portal, uptime: uptime.get(portal.id) ?? null, tenders: tenders.get(transition.id) });
    }
    if (items.length === 0) return null;
    return {
      chat: message.chat,
      language: record?.language ?? options.defaultLanguage,
      timezone: options.timezone,
      publicUrl: options.publicUrl,
      items,
    };
  }

  function settle(item: WorkItem, result: string) {
    marks.push({ key: item.message.key, result, batchId: item.batch.id });
    options.onDelivered?.(item.message.chat.platform, result);
    void flush();
  }

  let flushRetry: NodeJS.Timeout | null = null;

  /**
   * Records delivery markers in small group commits. When the store refuses, the marks are kept
   * and written again a second later: the messages were sent, and a marker lost would send them
   * again after a restart.
   */
  function flush(): Promise<void> {
    if (flushing) return flushing;
    if (marks.length === 0) return Promise.resolve();
    const taking = marks;
    marks = [];
    flushing = (async () => {
      try {
        await store.markDone(taking);
      } catch (error) {
        logger.error({ err: error, marks: taking.length }, 'could not record delivered alerts; retrying');
        marks = [...taking, ...marks];
        flushRetry ??= setTimeout(() => {
          flushRetry = null;
          void flush();
        }, 1000);
        return;
      }
      for (const mark of taking) {
        const left = (remaining.get(mark.batchId) ?? 1) - 1;
        remaining.set(mark.batchId, left);
        if (left > 0) continue;
        remaining.delete(mark.batchId);
        // A batch left behind is completed by the next start(), which finds all its markers.
        await store.complete(mark.batchId).catch((error: unknown) => logger.warn({ err: error, batch: mark.batchId }, 'could not drop a delivered batch; the next start does'));
      }
    })().finally(() => {
      flushing = null;
      if (marks.length > 0 && !flushRetry) void flush();
      checkIdle();
    });
    return flushing;
  }

  function checkIdle() {
    if (queue.length === 0 && inFlight === 0 && marks.length === 0 && !flushing) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  async function attempt(item: WorkItem) {
    const { message } = item;
    if (!options.fence.valid()) {
      // Not ours to send any more (or not yet again): the next lease holder sends it from the store.
      retry(item, 1000, false);
      return;
    }
    const notifier = options.notifiers.find((n) => n.platform === message.chat.platform);
    const log = logger.child({ chat: `${message.chat.platform}:${message.chat.chatId}`, key: message.key });
    if (!notifier) {
      log.warn('no notifier for this platform is running (token not set); alert not sent');
      settle(item, 'no_platform');
      return;
    }
    const record = options.subscriptions.get(message.chat);
    const alert = await renderAlert(item.batch, message, record);
    if (!alert) {
      settle(item, 'empty');
      return;
    }
    try {
      await notifier.deliver(alert, () => options.fence.valid());
      settle(item, 'sent');
    } catch (error) {
      if (!(error instanceof DeliveryError)) {
        log.error({ err: error }, 'unexpected error while delivering an alert; will retry');
        retry(item, backoffMs(item.attempt));
        return;
      }
      switch (error.kind) {
        case 'rate_limited':
          log.warn({ retryAfterMs: error.details.retryAfterMs }, 'rate limited by the platform; waiting');
          retry(item, error.details.retryAfterMs ?? 1000, false);
          return;
        case 'transient':
          if (Date.now() - item.firstTriedAt > maxRetryAgeMs) {
            log.error({ err: error }, 'alert dropped after retrying for too long');
            settle(item, 'expired');
          } else {
            log.warn({ err: error, attempt: item.attempt }, 'delivery failed; will retry');
            retry(item, backoffMs(item.attempt));
          }
          return;
        case 'gone': {
          const removed = await options.subscriptions.removeChat(message.chat);
          log.warn({ reason: error.message, portals: removed?.portals ?? [] }, 'chat is gone; its subscriptions were removed');
          settle(item, 'gone');
          return;
        }
        case 'moved': {
          const newChatId = error.details.newChatId!;
          await options.subscriptions.moveChat(message.chat.platform, message.chat.chatId, newChatId);
          log.info({ newChatId }, 'chat moved; subscriptions follow it and the alert is sent there');
          item.message = { ...message, chat: { ...message.chat, chatId: newChatId } };
          retry(item, 0, false);
          return;
        }
        case 'thread_gone':
          log.info('topic not found; sending to the chat itself');
          item.message = { ...message, chat: { ...message.chat, threadId: null } };
          retry(item, 0, false);
          return;
        case 'rejected':
          log.error({ err: error }, 'platform refused the alert; dropped');
          settle(item, 'rejected');
          return;
        case 'fenced':
          // Not sent: the next lease holder sends it from the store.
          retry(item, 1000, false);
          return;
      }
    }
  }

  function retry(item: WorkItem, delayMs: number, countsAsAttempt = true) {
    if (countsAsAttempt) item.attempt += 1;
    item.notBefore = Date.now() + delayMs;
    queue.push(item);
  }

  function pump() {
    if (!running) return;
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const now = Date.now();
    let soonest = Infinity;
    for (let i = 0; i < queue.length && inFlight < concurrency; ) {
      const item = queue[i]!;
      if (item.notBefore <= now) {
        queue.splice(i, 1);
        inFlight++;
        void attempt(item).finally(() => {
          inFlight--;
          pump();
          checkIdle();
        });
      } else {
        soonest = Math.min(soonest, item.notBefore);
        i++;
      }
    }
    if (soonest !== Infinity) timer = setTimeout(pump, Math.max(0, soonest - Date.now()));
  }

  async function schedule(batch: OutboxBatch) {
    const done = await store.doneKeys(batch);
    const todo = batch.messages.filter((m) => !done.has(m.key));
    if (todo.length === 0) {
      await store.complete(batch.id);
      return;
    }
    remaining.set(batch.id, todo.length);
    const now = Date.now();
    for (const message of todo) queue.push({ batch, message, attempt: 0, notBefore: now, firstTriedAt: now });
    pump();
  }

  return {
    async enqueue(batch) {
      const added = await store.add(batch);
      if (!added) return;
      if (batch.messages.length === 0) {
        await store.complete(batch.id);
        return;
      }
      if (running) await schedule(batch);
    },
    async start() {
      running = true;
      const batches = await store.pendingBatches();
      if (batches.length) logger.info({ batches: batches.length }, 'resuming undelivered alerts');
      for (const batch of batches) await schedule(batch);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // A store that does not answer must not hold the stop: what is not recorded by then is sent
      // again by the next lease holder (at least once, never lost).
      await Promise.race([flush(), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS).unref())]);
      if (flushRetry) clearTimeout(flushRetry);
      flushRetry = null;
      if (marks.length > 0) logger.warn({ marks: marks.length }, 'delivery markers not recorded at stop; those alerts may be sent again by the next lease holder');
      marks = [];
      // The store is the truth: a later start() loads what is still unsent, exactly once.
      queue.length = 0;
      remaining.clear();
      checkIdle();
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
    pending: () => queue.length + inFlight,
  };
}
