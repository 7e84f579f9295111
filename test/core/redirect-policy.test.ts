import type { LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  MAX_LOCATION_LENGTH,
  guardedLookup,
  isForbiddenAddress,
  isPrivateHost,
  nextHop,
  normalizeOrigins,
  type ResolveAll,
} from '../../src/core/redirect-policy.js';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.10.3', 'loopback /8'],
    ['10.0.0.1', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['172.31.255.254', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['[::1]', 'IPv6 loopback in brackets'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::10.0.0.1', 'IPv4-compatible private'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['64:ff9b::127.0.0.1', 'NAT64 of loopback'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['localhost', 'not an address'],
    ['', 'empty'],
  ])('%s (%s) is forbidden', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each([
    ['8.8.8.8'],
    ['104.18.32.7'], // Cloudflare, in front of spse.inaproc.id
    ['100.63.255.255'], // just below CGNAT
    ['100.128.0.0'], // just above CGNAT
    ['172.15.255.255'],
    ['172.32.0.0'],
    ['169.253.1.1'],
    ['2606:4700::6812:2007'],
    ['2001:4860:4860::8888'],
    ['::ffff:8.8.8.8'],
    ['64:ff9b::808:808'],
    ['2002:808:808::1'],
  ])('%s is a public address', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('nextHop', () => {
  const base = new URL('https://lpse.gresikkab.go.id/eproc4');
  const own = normalizeOrigins(['http://LOCALHOST:8080/', 'https://status.example.org:443', 'not a url']);

  it('resolves relative locations and drops credentials and fragments', () => {
    const hop = nextHop('/eproc4/publik?x=1#top', base, own);
    expect('url' in hop && hop.url.href).toBe('https://lpse.gresikkab.go.id/eproc4/publik?x=1');
    const withCredentials = nextHop('https://user:secret@spse.inaproc.id/gresikkab', base, own);
    expect('url' in withCredentials && withCredentials.url.href).toBe('https://spse.inaproc.id/gresikkab');
  });

  it.each([
    ['javascript:alert(1)', 'REDIRECT_SCHEME'],
    ['file:///etc/passwd', 'REDIRECT_SCHEME'],
    ['gopher://127.0.0.1:6379/_INFO', 'REDIRECT_SCHEME'],
    ['data:text/html,<title>LPSE</title>', 'REDIRECT_SCHEME'],
    ['http://[::1', 'REDIRECT_INVALID'],
    ['http://localhost:8080/portal/gresikkab', 'REDIRECT_OWN'],
    ['https://status.example.org/', 'REDIRECT_OWN'],
    [`https://spse.inaproc.id/${'a'.repeat(MAX_LOCATION_LENGTH)}`, 'REDIRECT_TOO_LONG'],
  ])('refuses %s', (location, refused) => {
    expect(nextHop(location, base, own)).toEqual({ refused });
  });

  it('follows other ports and hosts of the same name (only the exact origins are the bot)', () => {
    expect('url' in nextHop('http://localhost:8081/', base, own)).toBe(true);
  });
});

describe('isPrivateHost', () => {
  const resolve: ResolveAll = async (name) => {
    if (name === 'intranet.test') return [{ address: '10.20.30.40', family: 4 }];
    if (name === 'mixed.test') return [{ address: '104.18.32.7', family: 4 }, { address: 'fd00::1', family: 6 }];
    if (name === 'public.test') return [{ address: '104.18.32.7', family: 4 }];
    throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
  };
  it.each([
    ['http://127.0.0.1:9000/gresikkab', true],
    ['http://[::1]:9000/', true],
    ['http://intranet.test/eproc4', true],
    ['http://mixed.test/eproc4', true],
    ['https://public.test/eproc4', false],
    ['https://does-not-resolve.test/', false],
    ['https://104.18.32.7/', false],
  ])('%s → %s', async (url, expected) => {
    expect(await isPrivateHost(new URL(url), resolve, isForbiddenAddress)).toBe(expected);
  });
});

describe('guardedLookup', () => {
  const table: Record<string, LookupAddress[]> = {
    'public.test': [
      { address: '104.18.32.7', family: 4 },
      { address: '2606:4700::6812:2007', family: 6 },
    ],
    'rebind.test': [
      { address: '104.18.32.7', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
    'v6only.test': [{ address: '2606:4700::6812:2007', family: 6 }],
  };
  const lookup = guardedLookup(async (name) => {
    const found = table[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found;
  }, isForbiddenAddress);
  const call = (name: string, options: LookupOptions) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined }>((resolve) =>
      lookup(name, options, (err, address, family) => resolve({ err, address, family })),
    );

  it('hands over exactly the checked addresses, one or all, by family', async () => {
    expect(await call('public.test', { all: true })).toMatchObject({ err: null, address: table['public.test'] });
    expect(await call('public.test', {})).toMatchObject({ err: null, address: '104.18.32.7', family: 4 });
    expect(await call('public.test', { family: 6 })).toMatchObject({ err: null, address: '2606:4700::6812:2007', family: 6 });
    expect(await call('public.test', { all: true, family: 4 })).toMatchObject({ err: null, address: [{ address: '104.18.32.7', family: 4 }] });
  });

  it('refuses a name when any of its addresses is private', async () => {
    const { err } = await call('rebind.test', { all: true });
    expect(err?.code).toBe('REDIRECT_PRIVATE');
    expect((await call('rebind.test', { family: 4 })).err?.code).toBe('REDIRECT_PRIVATE');
  });

  it('passes DNS failures through and reports a missing family as not found', async () => {
    expect((await call('nowhere.test', {})).err?.code).toBe('ENOTFOUND');
    expect((await call('v6only.test', { family: 4 })).err?.code).toBe('ENOTFOUND');
  });
});
