/** What openStore throws can end up in a log line: it must never carry the URL's password. */
import { describe, expect, it } from 'vitest';
import { openStore, redactStoreUrl, StoreError } from '../../src/store/open-store.js';
import { createRefusedPort } from '../fakes/fake-portal.js';

const SECRET = 'sup3rsecret';

/** Everything of an error a logger or a crash report could print, down its cause chain. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    parts.push(String(current));
    if (typeof current === 'object') {
      const object = current as Record<string, unknown>;
      parts.push(String(object.message), String(object.stack));
      parts.push(JSON.stringify(current, Object.getOwnPropertyNames(current)));
      for (const name of Object.getOwnPropertyNames(current)) parts.push(String(object[name]));
      current = object.cause;
    } else {
      current = undefined;
    }
  }
  return parts.join('\n');
}

async function failureOf(url: string): Promise<unknown> {
  try {
    const store = await openStore(url, process.cwd(), { connectTimeoutMs: 1000 });
    await store.close();
  } catch (error) {
    return error;
  }
  throw new Error(`openStore(${redactStoreUrl(url)}) did not fail`);
}

describe('openStore errors carry no password', () => {
  it('a malformed Redis URL (Node’s URL error carries the whole input)', async () => {
    // The trap: Node's own error for this URL holds the password in `input`.
    const nodeError = (() => {
      try {
        new URL(`redis://u:${SECRET}@bad host:6379`);
      } catch (error) {
        return error;
      }
    })();
    expect(everythingIn(nodeError)).toContain(SECRET);

    const error = await failureOf(`redis://u:${SECRET}@bad host:6379`);
    expect(error).toBeInstanceOf(StoreError);
    expect(everythingIn(error)).not.toContain(SECRET);
    expect((error as Error).message).toContain('redis://u:***@bad host:6379');
  });

  it('a PostgreSQL URL with a password, to a port nobody answers', async () => {
    const { port } = await createRefusedPort();
    const error = await failureOf(`postgresql://pantau:${SECRET}@127.0.0.1:${port}/pantau`);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/ECONNREFUSED/);
    expect((error as StoreError).code).toBe('ECONNREFUSED');
    expect(everythingIn(error)).not.toContain(SECRET);
  });

  it('a Redis URL with a password, to a port nobody answers', async () => {
    const { port } = await createRefusedPort();
    const error = await failureOf(`redis://u:${SECRET}@127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(StoreError);
    expect(everythingIn(error)).not.toContain(SECRET);
  });

  it('a percent-encoded password, an unknown scheme, no scheme at all', async () => {
    for (const url of [
      `postgresql://pantau:${encodeURIComponent(`${SECRET}/@`)}@bad host/x`,
      `mysql://root:${SECRET}@localhost/pantau`,
      `root:${SECRET}@localhost`,
      `postgresql://pantau@bad host/db?password=${SECRET}`,
    ]) {
      const error = await failureOf(url);
      expect(error).toBeInstanceOf(StoreError);
      expect(everythingIn(error)).not.toContain(SECRET);
    }
  });

  it('redacts a description whether or not the URL parses', () => {
    expect(redactStoreUrl(`redis://u:${SECRET}@host:6379`)).toBe('redis://u:***@host:6379');
    expect(redactStoreUrl(`redis://u:${SECRET}@bad host:6379`)).toBe('redis://u:***@bad host:6379');
    expect(redactStoreUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactStoreUrl(`postgresql://host/db?password=${SECRET}`)).not.toContain(SECRET);
  });
});
