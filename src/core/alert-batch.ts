import { chatKey, type ChatRecord, type OutboxBatch, type PendingTransition } from './types.js';

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
  return {
    id: cycleId,
    createdAt: new Date(now).toISOString(),
    transitions: transitions.filter((t) => t.kind !== 'silent'),
    messages: [...perChat.entries()].map(([key, { record, transitionIds }]) => ({
      key: `${cycleId}|${key}`,
      chat: record.chat,
      transitionIds,
    })),
  };
}
