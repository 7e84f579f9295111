/**
 * A fake HTTP forward proxy on loopback, for checks that go through a proxy (the office or home
 * connection in Indonesia, a residential proxy).
 *
 * - Absolute-form requests (`GET http://host:port/path`) are forwarded and the answer relayed.
 * - `CONNECT host:port` opens a tunnel (https portals; undici's ProxyAgent tunnels http too).
 * - Optionally requires `Proxy-Authorization: Basic …` (407 with `Proxy-Authenticate` otherwise).
 * - Counts requests per target (`host:port`), with what it did about each.
 * - Can be switched to refuse everything (407), answer 502, hang (accept and never answer), or be
 *   closed (its port then refuses connections).
 * - `hosts` names only the proxy can resolve: a portal reachable only through the proxy.
 */
import http from 'node:http';
import net from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'bad-gateway' | 'hang';

export interface ProxyCredentials {
  username: string;
  password: string;
}

export interface FakeProxyOptions {
  /** Require `Proxy-Authorization: Basic` with these credentials; 407 without or with others. */
  auth?: ProxyCredentials;
  /** Initial mode. Default `forward`. */
  mode?: ProxyMode;
  /** Names only the proxy resolves (`lpse.intranet.test` → `127.0.0.1`); other names resolve as usual. */
  hosts?: Record<string, string>;
}

/** What the proxy did with one request. */
export type ProxyOutcome =
  /** Tunnel opened, or the answer relayed. */
  | 'forwarded'
  /** 407: credentials missing or wrong. */
  | 'auth-required'
  /** 407 whatever the credentials (mode `refuse`). */
  | 'refused'
  /** 502 (mode `bad-gateway`). */
  | 'bad-gateway'
  /** Never answered (mode `hang`). */
  | 'hang'
  /** 502: the target could not be reached. */
  | 'unreachable'
  /** 400: neither CONNECT nor an absolute URL. */
  | 'bad-request';

export interface SeenProxyRequest {
  method: string;
  /** `host:port` asked for (the scheme's default port filled in). */
  target: string;
  /** The request target as sent: `host:port` for CONNECT, the absolute URL otherwise. */
  url: string;
  /** The Proxy-Authorization header as received (tests check what was sent). */
  proxyAuthorization: string | null;
  outcome: ProxyOutcome;
  /** Epoch ms. */
  at: number;
}

export interface ProxyRequestLog {
  /** Every request received. */
  readonly count: number;
  readonly list: readonly SeenProxyRequest[];
  /** Requests that asked for `target` (`host:port`), whatever the outcome. */
  to(target: string): number;
  /** Requests for `target` that were forwarded (tunnel opened, answer relayed). */
  forwardedTo(target: string): number;
  clear(): void;
}

export interface FakeProxy {
  /** `http://127.0.0.1:PORT` (no credentials). */
  readonly url: string;
  readonly port: number;
  /** The proxy URL with these credentials in it (percent-encoded as a URL needs). */
  urlWith(credentials: ProxyCredentials): string;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  readonly requests: ProxyRequestLog;
  /** Sockets open now (clients' and upstream). */
  readonly openConnections: number;
  /** Stops listening (the port refuses from then on) and destroys every socket. Idempotent. */
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  407: 'Proxy Authentication Required',
  502: 'Bad Gateway',
};

/** `host:port` of an absolute-form URL or a CONNECT target, or null when it is neither. */
function targetOf(method: string, requestTarget: string): { host: string; port: number } | null {
  try {
    if (method === 'CONNECT') {
      const url = new URL(`http://${requestTarget}`);
      if (!url.port) return null;
      return { host: url.hostname, port: Number(url.port) };
    }
    if (!/^https?:\/\//i.test(requestTarget)) return null;
    const url = new URL(requestTarget);
    return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
  } catch {
    return null;
  }
}

const bare = (host: string) => (host.startsWith('[') ? host.slice(1, -1) : host);

export async function createFakeProxy(options: FakeProxyOptions = {}): Promise<FakeProxy> {
  let mode: ProxyMode = options.mode ?? 'forward';
  const list: SeenProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  const expected = options.auth ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` : null;
  const resolveHost = (host: string) => options.hosts?.[host] ?? bare(host);

  /** Decides what to do with a request before forwarding: null to forward, else the refusal. */
  function verdict(proxyAuthorization: string | null, target: unknown): { outcome: Exclude<ProxyOutcome, 'forwarded' | 'unreachable'>; status: number | null } | null {
    if (target === null) return { outcome: 'bad-request', status: 400 };
    if (mode === 'hang') return { outcome: 'hang', status: null };
    if (mode === 'refuse') return { outcome: 'refused', status: 407 };
    if (expected !== null && proxyAuthorization !== expected) return { outcome: 'auth-required', status: 407 };
    if (mode === 'bad-gateway') return { outcome: 'bad-gateway', status: 502 };
    return null;
  }

  function record(method: string, url: string, target: { host: string; port: number } | null, auth: string | null, outcome: ProxyOutcome): SeenProxyRequest {
    const seen: SeenProxyRequest = {
      method,
      url,
      target: target ? `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}` : url,
      proxyAuthorization: auth,
      outcome,
      at: Date.now(),
    };
    list.push(seen);
    return seen;
  }

  const rawAnswer = (status: number) => {
    const extra = status === 407 ? 'Proxy-Authenticate: Basic realm="fake-proxy"\r\n' : '';
    const body = `${status} ${STATUS_TEXT[status] ?? ''}\n`;
    return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  };

  const server = http.createServer();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A client going away mid-request is normal here.
  server.on('clientError', (_error: Error, socket: net.Socket) => socket.destroy());

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const auth = typeof req.headers['proxy-authorization'] === 'string' ? req.headers['proxy-authorization'] : null;
    const target = targetOf('CONNECT', req.url ?? '');
    client.on('error', () => undefined);
    const refusal = verdict(auth, target);
    if (refusal) {
      record('CONNECT', req.url ?? '', target, auth, refusal.outcome);
      // hang: the socket stays open until the client or close() ends it
      if (refusal.status !== null) client.end(rawAnswer(refusal.status));
      return;
    }
    const seen = record('CONNECT', req.url ?? '', target, auth, 'forwarded');
    const upstream = net.connect({ host: resolveHost(target!.host), port: target!.port });
    let connected = false;
    sockets.add(upstream);
    upstream.once('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (connected) return; // the tunnel closes with it
      seen.outcome = 'unreachable';
      client.end(rawAnswer(502));
    });
  });

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const auth = typeof req.headers['proxy-authorization'] === 'string' ? req.headers['proxy-authorization'] : null;
    const method = req.method ?? 'GET';
    const target = targetOf(method, req.url ?? '');
    const refusal = verdict(auth, target);
    if (refusal) {
      record(method, req.url ?? '', target, auth, refusal.outcome);
      if (refusal.status === null) return; // hang: the socket stays open until the client or close() ends it
      res.writeHead(refusal.status, {
        'content-type': 'text/plain',
        ...(refusal.status === 407 ? { 'proxy-authenticate': 'Basic realm="fake-proxy"' } : {}),
      });
      res.end(`${refusal.status} ${STATUS_TEXT[refusal.status] ?? ''}\n`);
      return;
    }
    const seen = record(method, req.url ?? '', target, auth, 'forwarded');
    const url = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: resolveHost(url.hostname), port: target!.port, method, path: `${url.pathname}${url.search}`, headers: { ...headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      seen.outcome = 'unreachable';
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('502 Bad Gateway\n');
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    urlWith: ({ username, password }) => `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
    },
    requests: {
      get count() {
        return list.length;
      },
      get list() {
        return list;
      },
      to: (target) => list.filter((r) => r.target === target).length,
      forwardedTo: (target) => list.filter((r) => r.target === target && r.outcome === 'forwarded').length,
      clear() {
        list.length = 0;
      },
    },
    get openConnections() {
      return sockets.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
