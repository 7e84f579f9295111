import type Keyv from 'keyv';
import type { SubscriptionStore } from '../core/ports.js';
import { chatKey, type ChatRecord, type ChatRef } from '../core/types.js';
import { createKeyedMutex } from './keyed-mutex.js';
import { createRecordAccess, type StoreModuleOptions } from './record-access.js';
import { chatRecordSchema } from './schemas.js';

const RECORD_PREFIX = 'chat:';

/**
 * One `chat:<key>` record per chat, found by listing that prefix in the store: there is no shared
 * index, so chats subscribing at once never lose each other (the old `chats:index` record, which
 * every new chat read-modified-wrote, is no longer read or written). The lease holder is the only
 * writer, so the in-memory copy it keeps is the truth; its own commands run concurrently, so every
 * change to a chat runs under that chat's lock: two subscribe() calls on one chat both count.
 */
export function createSubscriptionStore(keyv: Keyv, now: () => number = Date.now, options: StoreModuleOptions = {}): SubscriptionStore {
  const access = createRecordAccess(keyv, options);
  const records = new Map<string, ChatRecord>();
  const byPortal = new Map<string, Set<string>>();
  const recordKey = (key: string) => `${RECORD_PREFIX}${key}`;
  const locked = createKeyedMutex();

  function indexPortals(key: string, portals: string[], present: boolean) {
    for (const portalId of portals) {
      let set = byPortal.get(portalId);
      if (!set) byPortal.set(portalId, (set = new Set()));
      if (present) set.add(key);
      else set.delete(key);
      if (set.size === 0) byPortal.delete(portalId);
    }
  }

  /** Only under the chat's lock. */
  async function save(record: ChatRecord) {
    const key = chatKey(record.chat);
    await access.set(recordKey(key), record);
    const previous = records.get(key);
    if (previous) indexPortals(key, previous.portals, false);
    records.set(key, record);
    indexPortals(key, record.portals, true);
  }

  function fresh(chat: ChatRef, title: string | null): ChatRecord {
    const at = new Date(now()).toISOString();
    return { chat, title, portals: [], language: null, notifyDegraded: false, createdAt: at, updatedAt: at };
  }

  /** Only under the locks of `keys`. */
  async function remove(keys: string[]): Promise<ChatRecord[]> {
    const removed: ChatRecord[] = [];
    for (const key of keys) {
      const record = records.get(key);
      if (!record) continue;
      await access.delete(recordKey(key));
      indexPortals(key, record.portals, false);
      records.delete(key);
      removed.push(record);
    }
    return removed;
  }

  return {
    async load() {
      const loaded = await access.list(chatRecordSchema, RECORD_PREFIX);
      records.clear();
      byPortal.clear();
      for (const { key, value } of loaded) {
        const chat = key.slice(RECORD_PREFIX.length);
        records.set(chat, value);
        indexPortals(chat, value.portals, true);
      }
    },
    get: (chat) => records.get(chatKey(chat)),
    all: () => [...records.values()],
    subscribersOf(portalId) {
      return [...(byPortal.get(portalId) ?? [])].map((key) => records.get(key)!).filter(Boolean);
    },
    subscribedPortalIds: () => new Set(byPortal.keys()),
    subscribe(chat, portalIds, title = null) {
      return locked([chatKey(chat)], async () => {
        const existing = records.get(chatKey(chat));
        const record = existing ?? fresh(chat, title);
        const added = [...new Set(portalIds.filter((id) => !record.portals.includes(id)))];
        const already = portalIds.filter((id) => record.portals.includes(id));
        if (added.length === 0 && existing) return { added, already };
        await save({ ...record, chat, title: title ?? record.title, portals: [...record.portals, ...added], updatedAt: new Date(now()).toISOString() });
        return { added, already };
      });
    },
    unsubscribe(chat, portalIds) {
      return locked([chatKey(chat)], async () => {
        const record = records.get(chatKey(chat));
        if (!record) return { removed: [] };
        const removed = portalIds === 'all' ? record.portals : record.portals.filter((id) => portalIds.includes(id));
        if (removed.length === 0) return { removed };
        await save({ ...record, portals: record.portals.filter((id) => !removed.includes(id)), updatedAt: new Date(now()).toISOString() });
        return { removed };
      });
    },
    update(chat, change) {
      return locked([chatKey(chat)], async () => {
        const existing = records.get(chatKey(chat));
        const record = { ...(existing ?? fresh(chat, null)), ...change, updatedAt: new Date(now()).toISOString() };
        await save(record);
        return record;
      });
    },
    async removeChat(chat) {
      const key = chatKey(chat);
      const [removed] = await locked([key], () => remove([key]));
      return removed;
    },
    async removeWhere(predicate) {
      const candidates = [...records.entries()].filter(([, record]) => predicate(record)).map(([key]) => key);
      if (candidates.length === 0) return [];
      return locked(candidates, () => {
        // Asked again under the locks: a chat may have changed while they were awaited.
        const still = candidates.filter((key) => {
          const record = records.get(key);
          return record !== undefined && predicate(record);
        });
        return remove(still);
      });
    },
    async moveChat(platform, fromChatId, toChatId) {
      const movingNow = () => [...records.values()].filter((r) => r.chat.platform === platform && r.chat.chatId === fromChatId);
      const keysOf = (moving: ChatRecord[]) => moving.flatMap((record) => [chatKey(record.chat), chatKey({ ...record.chat, chatId: toChatId })]);
      const planned = movingNow();
      if (planned.length === 0) return [];
      return locked(keysOf(planned), async () => {
        // Only records whose locks are held (a topic added meanwhile moves on the next migration notice).
        const held = new Set(keysOf(planned));
        const moving = movingNow().filter((record) => held.has(chatKey(record.chat)));
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
          await save(merged);
          moved.push(merged);
        }
        await remove(moving.map((record) => chatKey(record.chat)).filter((key) => !moved.some((m) => chatKey(m.chat) === key)));
        return moved;
      });
    },
  };
}
