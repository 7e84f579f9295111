import { createHash } from 'node:crypto';
import { chatKey, type ChatRecord, type OutboxBatch, type PendingTransition } from './types.js';

/**
 * A message's idempotency key says what it carries: the chat and the transitions (whose ids are
 * stable, `<portalId>:<seq>`). The same alert built twice — after a restart, by another replica,
 * in another cycle — has the same key, so its delivery marker is found and it is not sent again.
 */
export function messageKey(chat: string, transitionIds: readonly string[], digests?: Map<string, string>): string {
  const ids = [...transitionIds].sort().join(',');
  let digest = digests?.get(ids);
  if (digest === undefined) {
    digest = createHash('sha256').update(ids).digest('base64url').slice(0, 22);
    digests?.set(ids, digest);
  }
  return `${chat}|${digest}`;
}

/**
 * Turns the transitions of one check cycle into one outbox batch: one message per chat, however
 * many of its portals changed (a national outage of 600 portals is one message to each chat).
 * Up ↔ degraded goes only to chats that asked for it; silent transitions go nowhere.
 */
export function buildAlertBatch(
  cycleId: string,
  transitions: PendingTransition[],
  subscribersOf: (portalId: string) => ChatRecord[],
  now: number,
): OutboxBatch {
  const perChat = new Map<string, { record: ChatRecord; transitionIds: string[] }>();
  for (const transition of transitions) {
    if (transition.kind === 'silent') continue;
    const optIn = transition.kind === 'degraded' || transition.kind === 'recovered';
    for (const record of subscribersOf(transition.portalId)) {
      if (optIn && !record.notifyDegraded) continue;
      const key = chatKey(record.chat);
      const entry = perChat.get(key) ?? { record, transitionIds: [] };
      entry.transitionIds.push(transition.id);
      perChat.set(key, entry);
    }
  }
  // 10,000 chats of one outage carry the same transitions: one digest for all of them.
  const digests = new Map<string, string>();
  return {
    id: cycleId,
    createdAt: new Date(now).toISOString(),
    transitions: transitions.filter((t) => t.kind !== 'silent'),
    messages: [...perChat.entries()].map(([key, { record, transitionIds }]) => ({
      key: messageKey(key, transitionIds, digests),
      chat: record.chat,
      transitionIds,
    })),
  };
}
