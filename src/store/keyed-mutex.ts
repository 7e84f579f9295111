/**
 * Serialises work per key inside one process: `run(keys, fn)` starts `fn` once every earlier run
 * holding any of `keys` has finished. All keys of a run are queued at once, in call order, so two
 * runs over overlapping keys can never wait for each other.
 */
export function createKeyedMutex() {
  const tails = new Map<string, Promise<void>>();
  return async function run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = unique.map((key) => tails.get(key)).filter((tail): tail is Promise<void> => tail !== undefined);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    for (const key of unique) tails.set(key, mine);
    try {
      await Promise.all(before);
      return await fn();
    } finally {
      release();
      for (const key of unique) if (tails.get(key) === mine) tails.delete(key);
    }
  };
}
export type KeyedMutex = ReturnType<typeof createKeyedMutex>;
