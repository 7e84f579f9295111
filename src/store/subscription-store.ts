import type Keyv from 'keyv';
import type { SubscriptionStore } from '../core/ports.js';
import { chatKey, type ChatRecord, type ChatRef } from '../core/types.js';
import { createRecordAccess } from './record-access.js';
import { chatRecordSchema, keyListSchema } from './schemas.js';

const INDEX_KEY = 'chats:index';

/**
 * One record per chat plus an index of chat keys; the lease holder is the only writer, so the
 * in-memory copy it keeps is the truth.
 */
export function createSubscriptionStore(keyv: Keyv, now: () => number = Date.now): SubscriptionStore {
  const access = createRecordAccess(keyv);
  const records = new Map<string, ChatRecord>();
  const byPortal = new Map<string, Set<string>>();
  const recordKey = (key: string) => `chat:${key}`;

  function indexPortals(key: string, portals: string[], present: boolean) {
    for (const portalId of portals) {
      let set = byPortal.get(portalId);
      if (!set) byPortal.set(portalId, (set = new Set()));
      if (present) set.add(key);
      else set.delete(key);
      if (set.size === 0) byPortal.delete(portalId);
    }
  }

  async function save(record: ChatRecord, isNew: boolean) {
    const key = chatKey(record.chat);
    await access.set(recordKey(key), record);
    if (isNew) await access.set(INDEX_KEY, [...records.keys(), ...(records.has(key) ? [] : [key])]);
    const previous = records.get(key);
    if (previous) indexPortals(key, previous.portals, false);
    records.set(key, record);
    indexPortals(key, record.portals, true);
  }

  function fresh(chat: ChatRef, title: string | null): ChatRecord {
    const at = new Date(now()).toISOString();
    return { chat, title, portals: [], language: null, notifyDegraded: false, createdAt: at, updatedAt: at };
  }

  async function remove(keys: string[]): Promise<ChatRecord[]> {
    const removed: ChatRecord[] = [];
    for (const key of keys) {
      const record = records.get(key);
      if (!record) continue;
      removed.push(record);
    }
    if (removed.length === 0) return removed;
    const remaining = [...records.keys()].filter((key) => !keys.includes(key));
    await access.set(INDEX_KEY, remaining);
    for (const record of removed) {
      const key = chatKey(record.chat);
      await access.delete(recordKey(key));
      indexPortals(key, record.portals, false);
      records.delete(key);
    }
    return removed;
  }

  return {
    async load() {
      records.clear();
      byPortal.clear();
      const keys = (await access.get(keyListSchema, INDEX_KEY)) ?? [];
      const values = await access.getMany(chatRecordSchema, keys.map(recordKey));
      values.forEach((record, index) => {
        if (!record) return;
        records.set(keys[index]!, record);
        indexPortals(keys[index]!, record.portals, true);
      });
    },
    get: (chat) => records.get(chatKey(chat)),
    all: () => [...records.values()],
    subscribersOf(portalId) {
      return [...(byPortal.get(portalId) ?? [])].map((key) => records.get(key)!).filter(Boolean);
    },
    subscribedPortalIds: () => new Set(byPortal.keys()),
    async subscribe(chat, portalIds, title = null) {
      const existing = records.get(chatKey(chat));
      const record = existing ?? fresh(chat, title);
      const added = portalIds.filter((id) => !record.portals.includes(id));
      const already = portalIds.filter((id) => record.portals.includes(id));
      if (added.length === 0 && existing) return { added, already };
      await save(
        { ...record, chat, title: title ?? record.title, portals: [...record.portals, ...new Set(added)], updatedAt: new Date(now()).toISOString() },
        !existing,
      );
      return { added: [...new Set(added)], already };
    },
    async unsubscribe(chat, portalIds) {
      const record = records.get(chatKey(chat));
      if (!record) return { removed: [] };
      const removed = portalIds === 'all' ? record.portals : record.portals.filter((id) => portalIds.includes(id));
      if (removed.length === 0) return { removed };
      await save({ ...record, portals: record.portals.filter((id) => !removed.includes(id)), updatedAt: new Date(now()).toISOString() }, false);
      return { removed };
    },
    async update(chat, change) {
      const existing = records.get(chatKey(chat));
      const record = { ...(existing ?? fresh(chat, null)), ...change, updatedAt: new Date(now()).toISOString() };
      await save(record, !existing);
      return record;
    },
    async removeChat(chat) {
      const [removed] = await remove([chatKey(chat)]);
      return removed;
    },
    async removeWhere(predicate) {
      return remove([...records.entries()].filter(([, record]) => predicate(record)).map(([key]) => key));
    },
    async moveChat(platform, fromChatId, toChatId) {
      const moving = [...records.values()].filter((r) => r.chat.platform === platform && r.chat.chatId === fromChatId);
      const moved: ChatRecord[] = [];
      for (const record of moving) {
        const target = { ...record.chat, chatId: toChatId };
        const existing = records.get(chatKey(target));
        const merged: ChatRecord = {
          ...(existing ?? record),
          chat: target,
          portals: [...new Set([...(existing?.portals ?? []), ...record.portals])],
          updatedAt: new Date(now()).toISOString(),
        };
        await save(merged, !existing);
        moved.push(merged);
      }
      await remove(moving.map((record) => chatKey(record.chat)));
      return moved;
    },
  };
}
