import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { createFakeDiscord, type FakeDiscord } from '../../fakes/fake-discord.js';
import { startApp } from '../../helpers/app.js';

let discord: FakeDiscord;
let proxy: Server;
let app: App | null = null;

afterAll(async () => {
  await app?.stop();
  await discord?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
});

/** Discord's REST answers 503 until `outage.over`; then requests pass through to the fake. */
async function flakyDiscordRest(target: string, outage: { over: boolean; refused: number }): Promise<string> {
  proxy = createServer(async (req, res) => {
    if (!outage.over) {
      outage.refused++;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"upstream unavailable","code":0}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<string, string>;
    const upstream = await fetch(`${target}${req.url!.replace(/^\/api/, '')}`, {
      method: req.method!,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api`;
}

it('keeps trying to start Discord when it is unreachable at boot, and connects once it answers', async () => {
  discord = await createFakeDiscord();
  const outage = { over: false, refused: 0 };
  const apiRoot = await flakyDiscordRest(discord.apiRoot, outage);
  app = await startApp('portals:\n  - { id: gresikkab, name: Gresik, url: "http://127.0.0.1:9/" }\n', { DISCORD_TOKEN: 'fake-token', DISCORD_API_ROOT: apiRoot });
  await expect.poll(() => outage.refused, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(app.isLeader()).toBe(true); // monitoring runs meanwhile
  outage.over = true;
  await expect.poll(() => discord.commandWrites, { timeout: 15_000, interval: 200 }).toBe(1);
}, 30_000);
