/**
 * Two small proxies the fault tests put between a replica and the world:
 *
 * - {@link startTcpProxy}: a TCP proxy between one replica and its store. `pause()` stops
 *   forwarding in both directions and holds the connections open (a partition the replica cannot
 *   tell from a slow store), `cut()` destroys them, `resume()` forwards again (data held meanwhile
 *   is delivered then, as a network that heals would).
 * - {@link startBotApiTap}: an HTTP proxy in front of the shared fake Bot API, one per replica, that
 *   records which replica made which call, when it arrived and when and how it was answered. Both
 *   replicas use the same token (as in production), so the fake alone cannot tell them apart.
 */
import http from 'node:http';
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly paused: boolean;
  /** Connections currently open through the proxy. */
  connections(): number;
  pause(): void;
  resume(): void;
  /** Destroys every connection (the store sees the client vanish; the client sees a reset). */
  cut(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    if (paused) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    get paused() {
      return paused;
    },
    connections: () => pairs.size,
    pause() {
      paused = true;
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      paused = false;
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    cut() {
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    async close() {
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One Bot API call as the tap saw it. */
export interface TapRecord {
  replica: string;
  method: string;
  chatId: string | null;
  /** Date.now() when the request (with its body) reached the tap. */
  at: number;
  /** Date.now() when the fake's answer was passed back; undefined while pending or when it never came. */
  answeredAt?: number;
  /** HTTP status the fake answered; 0 when forwarding failed. */
  status?: number;
  /** The replica went away before its answer was passed back (killed, or it aborted the request). */
  clientGone?: boolean;
}

export interface BotApiTap {
  readonly replica: string;
  /** Pass as TELEGRAM_API_ROOT. */
  readonly apiRoot: string;
  readonly records: TapRecord[];
  /** Called as each request arrives, before it is sent on (a test may stop the replica right there). */
  onRequest: ((record: TapRecord) => void) | null;
  close(): Promise<void>;
}

export async function startBotApiTap(replica: string, upstreamRoot: string): Promise<BotApiTap> {
  const upstream = new URL(upstreamRoot);
  const records: TapRecord[] = [];
  const sockets = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = /\/([A-Za-z0-9_]+)\/?$/.exec(new URL(req.url ?? '/', 'http://tap').pathname)?.[1] ?? '?';
      let chatId: string | null = null;
      if (String(req.headers['content-type'] ?? '').includes('json')) {
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { chat_id?: unknown };
          if (parsed.chat_id !== undefined) chatId = String(parsed.chat_id);
        } catch {
          // Not JSON after all: recorded without a chat.
        }
      }
      const record: TapRecord = { replica, method, chatId, at: Date.now() };
      records.push(record);
      tap.onRequest?.(record);
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: false },
        (answer) => {
          record.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => {
            record.answeredAt = Date.now();
          });
        },
      );
      forward.on('error', () => {
        record.status ??= 0;
        record.answeredAt ??= Date.now();
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end();
      });
      // A replica that went away (killed, or it aborted a long poll): what it asked was already
      // sent on, as it would be on a real network; a waiting long poll is dropped with it.
      res.on('close', () => {
        if (!res.writableFinished) {
          record.clientGone = true;
          if (method === 'getUpdates') forward.destroy();
        }
      });
      forward.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const tap: BotApiTap = {
    replica,
    apiRoot: `http://127.0.0.1:${port}`,
    records,
    onRequest: null,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return tap;
}
