import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BadInputError, ForbiddenError, PayloadTooLargeError, TimeoutError, UnavailableError } from '../../src/errors.js';
import { SafeFetcher, type HostLookup, type SafeFetcherOptions } from '../../src/ingest/safe-fetch.js';

// Everything here stays on loopback: the only real server listens on 127.0.0.1, every DNS name is
// resolved by a stubbed `lookup`, and the non-public targets (10.0.0.1, 169.254.169.254...) must be
// refused before any connection is attempted.

let dir: string;
let cert: string;
let server: Server;
let port: number;
let pinnedServer: Server;
let pinnedPort: number;
let png: Buffer;
/** Paths requested on the test server, and TCP connections accepted. */
const requests: string[] = [];
let connections = 0;

const slowSockets = new Set<ServerResponse>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safe-fetch-'));
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#3366cc' } }).png().toBuffer();

  server = createServer({ key, cert }, (req, res) => {
    requests.push(req.url ?? '/');
    const path = (req.url ?? '/').split('?')[0];
    res.on('error', () => {});
    const m = /^\/hop\/(\d+)$/.exec(path);
    if (m) {
      const n = Number(m[1]);
      res.writeHead(302, { location: n > 0 ? `/hop/${n - 1}` : '/x.png' }).end();
      return;
    }
    switch (path) {
      case '/x.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
        return;
      case '/redirect-ok':
        res.writeHead(301, { location: '/x.png' }).end();
        return;
      case '/redirect-private':
        res.writeHead(302, { location: 'https://10.0.0.1/latest/meta-data/' }).end();
        return;
      case '/redirect-metadata':
        res.writeHead(307, { location: `https://metadata.example:${port}/latest/meta-data/` }).end();
        return;
      case '/redirect-http':
        res.writeHead(308, { location: `http://127.0.0.1:${port}/x.png` }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/big-length':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': 5000 });
        res.end(Buffer.alloc(5000));
        return;
      case '/big-chunked': {
        res.writeHead(200, { 'content-type': 'image/png' }); // no content-length -> chunked
        let sent = 0;
        const pump = () => {
          while (sent < 1_000_000) {
            sent += 16_384;
            if (!res.write(Buffer.alloc(16_384))) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      case '/slow':
        slowSockets.add(res); // never answers
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  // A second loopback server on 127.0.0.2: the system resolver never returns that address for
  // "localhost", so reaching it proves the socket connected to the address WE resolved and checked.
  pinnedServer = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' }).end(png);
  });
  await new Promise<void>((resolve) => pinnedServer.listen(0, '127.0.0.2', resolve));
  pinnedPort = (pinnedServer.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const res of slowSockets) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  pinnedServer.closeAllConnections();
  await new Promise<void>((resolve) => pinnedServer.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  connections = 0;
});

/** A stub resolver: fixed answers per name, records every lookup, never touches real DNS. */
function stubLookup(table: Record<string, string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string) => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(fn, { calls });
}

const noDns = stubLookup({});

function fetcher(opts: Partial<SafeFetcherOptions> = {}): SafeFetcher {
  return new SafeFetcher({ timeoutMs: 3000, maxBytes: 1_000_000, maxRedirects: 3, lookup: noDns, ...opts });
}

/** The test-only allowance for the loopback server plus trust in its self-signed certificate. */
const allowLoopback = (): Partial<SafeFetcherOptions> => ({ allowAddress: (ip) => ip === '127.0.0.1', ca: cert });

describe('SafeFetcher: address checks before connecting', () => {
  it.each([['169.254.169.254'], ['10.0.0.1'], ['::1'], ['127.0.0.1'], ['fd00::1'], ['::ffff:127.0.0.1']])(
    'refuses a name resolving to %s without contacting anything',
    async (address) => {
      const lookup = stubLookup({ 'metadata.example': [address] });
      const f = fetcher({ lookup, ca: cert });
      const err = await f.fetch(`https://metadata.example:${port}/latest/meta-data/`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ForbiddenError);
      expect((err as Error).message).toContain('metadata.example');
      expect((err as Error).message).toMatch(/non-public address/);
      expect(lookup.calls).toEqual(['metadata.example']);
      expect(connections).toBe(0);
      expect(requests).toEqual([]);
    },
  );

  it('refuses when ANY resolved address is non-public, even if another one is allowed', async () => {
    const lookup = stubLookup({ 'mixed.example': ['127.0.0.1', '10.0.0.1'] });
    const f = fetcher({ lookup, ...allowLoopback() });
    await expect(f.fetch(`https://mixed.example:${port}/x.png`)).rejects.toBeInstanceOf(ForbiddenError);
    expect(connections).toBe(0);
  });

  it('refuses an IP-literal loopback URL without the test-only allowance', async () => {
    const f = fetcher({ ca: cert });
    const err = await f.fetch(`https://127.0.0.1:${port}/x.png`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toContain('127.0.0.1');
    await expect(f.fetch(`https://[::1]:${port}/x.png`)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(f.fetch(`https://0x7f.1:${port}/x.png`)).rejects.toBeInstanceOf(ForbiddenError); // URL normalises to 127.0.0.1
    expect(connections).toBe(0);
    expect(requests).toEqual([]);
  });

  it('never resolves through the system resolver for IP literals', async () => {
    const lookup = stubLookup({});
    const f = fetcher({ lookup, ca: cert });
    await expect(f.fetch(`https://169.254.169.254/latest/meta-data/`)).rejects.toBeInstanceOf(ForbiddenError);
    expect(lookup.calls).toEqual([]);
  });
});

describe('SafeFetcher: successful fetches (test-only loopback allowance)', () => {
  it('fetches a PNG from an allowed IP literal', async () => {
    const f = fetcher(allowLoopback());
    const res = await f.fetch(`https://127.0.0.1:${port}/x.png`);
    expect(res.contentType).toBe('image/png');
    expect(res.bytes.equals(png)).toBe(true);
    expect(res.finalUrl).toBe(`https://127.0.0.1:${port}/x.png`);
    const meta = await sharp(res.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 8, 6]);
  });

  it('connects to the checked address for a name (SNI/certificate checked against the name)', async () => {
    const lookup = stubLookup({ localhost: ['127.0.0.1'] });
    const f = fetcher({ lookup, ...allowLoopback() });
    const res = await f.fetch(`https://localhost:${port}/x.png?token=secret`);
    expect(res.bytes.equals(png)).toBe(true);
    expect(lookup.calls).toEqual(['localhost']); // resolved once by us, never again by the socket
  });

  it('pins the connection to the checked address (DNS rebinding cannot swap it)', async () => {
    // Stub says localhost -> 127.0.0.2; the OS would say 127.0.0.1/::1 where nothing listens on pinnedPort.
    let calls = 0;
    const lookup: HostLookup = async () => {
      calls++;
      return [{ address: '127.0.0.2', family: 4 }];
    };
    const f = fetcher({ lookup, allowAddress: (ip) => ip === '127.0.0.2', ca: cert });
    const res = await f.fetch(`https://localhost:${pinnedPort}/x.png`);
    expect(res.bytes.equals(png)).toBe(true);
    expect(calls).toBe(1);
  });

  it('verifies the certificate: an untrusted self-signed server is unavailable', async () => {
    const f = fetcher({ allowAddress: (ip) => ip === '127.0.0.1' }); // no ca
    const err = await f.fetch(`https://127.0.0.1:${port}/x.png`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain('127.0.0.1');
  });

  it('follows a relative redirect on the same allowed host', async () => {
    const f = fetcher(allowLoopback());
    const res = await f.fetch(`https://127.0.0.1:${port}/redirect-ok`);
    expect(res.bytes.equals(png)).toBe(true);
    expect(res.finalUrl).toBe(`https://127.0.0.1:${port}/x.png`);
    expect(requests).toEqual(['/redirect-ok', '/x.png']);
  });
});

describe('SafeFetcher: redirects are re-validated', () => {
  it('refuses a redirect to a private IP literal and contacts nothing further', async () => {
    const f = fetcher(allowLoopback());
    const err = await f.fetch(`https://127.0.0.1:${port}/redirect-private`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toContain('10.0.0.1');
    expect(requests).toEqual(['/redirect-private']);
    expect(connections).toBe(1);
  });

  it('refuses a redirect to a name resolving to the metadata address', async () => {
    const lookup = stubLookup({ 'metadata.example': ['169.254.169.254'] });
    const f = fetcher({ lookup, ...allowLoopback() });
    const err = await f.fetch(`https://127.0.0.1:${port}/redirect-metadata`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toContain('metadata.example');
    expect(lookup.calls).toEqual(['metadata.example']);
    expect(requests).toEqual(['/redirect-metadata']);
    expect(connections).toBe(1);
  });

  it('refuses a redirect to plain http', async () => {
    const f = fetcher(allowLoopback());
    const err = await f.fetch(`https://127.0.0.1:${port}/redirect-http`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/only https/);
    expect(requests).toEqual(['/redirect-http']);
  });

  it('follows up to maxRedirects and refuses more', async () => {
    const f = fetcher({ ...allowLoopback(), maxRedirects: 3 });
    // /hop/2 -> /hop/1 -> /hop/0 -> /x.png : exactly 3 redirects
    const ok = await f.fetch(`https://127.0.0.1:${port}/hop/2`);
    expect(ok.bytes.equals(png)).toBe(true);
    requests.length = 0;
    const err = await f.fetch(`https://127.0.0.1:${port}/hop/3`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/Too many redirects.*at most 3/);
    expect(requests).toEqual(['/hop/3', '/hop/2', '/hop/1', '/hop/0']);
    const loop = await f.fetch(`https://127.0.0.1:${port}/loop`).catch((e: unknown) => e);
    expect(loop).toBeInstanceOf(BadInputError);
  });

  it('maxRedirects 0 refuses any redirect', async () => {
    const f = fetcher({ ...allowLoopback(), maxRedirects: 0 });
    await expect(f.fetch(`https://127.0.0.1:${port}/redirect-ok`)).rejects.toBeInstanceOf(BadInputError);
  });
});

describe('SafeFetcher: URL validation', () => {
  it.each([
    ['http://127.0.0.1/x.png', 'http'],
    ['http://example.com/x.png', 'http'],
    ['ftp://example.com/x.png', 'ftp'],
    ['file:///etc/passwd', 'file'],
    ['gopher://example.com/', 'gopher'],
    ['data:image/png;base64,AAAA', 'data'],
  ])('refuses %s', async (url, scheme) => {
    const f = fetcher();
    const err = await f.fetch(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toContain(`"${scheme}"`);
    expect((err as Error).message).toContain('only https:// URLs are accepted');
  });

  it('refuses unparsable URLs and credentials in the URL', async () => {
    const f = fetcher();
    await expect(f.fetch('not a url')).rejects.toBeInstanceOf(BadInputError);
    const err = await f.fetch('https://user:pw@example.com/x.png').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/credentials/);
    expect((err as Error).message).not.toContain('pw');
  });

  it('maps resolver failures to UNAVAILABLE', async () => {
    const f = fetcher({ lookup: stubLookup({}) });
    const err = await f.fetch('https://nowhere.example/x.png').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain('nowhere.example');
  });
});

describe('SafeFetcher: limits and failures', () => {
  it('refuses by Content-Length', async () => {
    const f = fetcher({ ...allowLoopback(), maxBytes: 1000 });
    const err = await f.fetch(`https://127.0.0.1:${port}/big-length`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toMatch(/5000 bytes; the limit is 1000 bytes/);
  });

  it('refuses while streaming a chunked body without Content-Length', async () => {
    const f = fetcher({ ...allowLoopback(), maxBytes: 50_000 });
    const err = await f.fetch(`https://127.0.0.1:${port}/big-chunked`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toMatch(/limit of 50000 bytes/);
  });

  it('times out a server that never answers (the test would hang without the timeout)', async () => {
    const f = fetcher({ ...allowLoopback(), timeoutMs: 300 });
    const err = await f.fetch(`https://127.0.0.1:${port}/slow?key=secret`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/timed out after 300 ms/);
    expect((err as Error).message).not.toContain('secret');
  });

  it('honours a caller abort signal', async () => {
    const f = fetcher(allowLoopback());
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await f.fetch(`https://127.0.0.1:${port}/slow`, ac.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/cancelled/);
  });

  it('maps 404 to BAD_USER_INPUT with the status', async () => {
    const f = fetcher(allowLoopback());
    const err = await f.fetch(`https://127.0.0.1:${port}/missing.png?sig=secret`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toContain('HTTP 404');
    expect((err as Error).message).not.toContain('secret');
    expect((err as BadInputError).details).toMatchObject({ status: 404 });
  });

  it('maps a refused connection to UNAVAILABLE', async () => {
    // Find a free loopback port, then close it so the connection is refused.
    const { createServer: createNetServer } = await import('node:net');
    const tmp = createNetServer();
    await new Promise<void>((resolve) => tmp.listen(0, '127.0.0.1', resolve));
    const freePort = (tmp.address() as AddressInfo).port;
    await new Promise<void>((resolve) => tmp.close(() => resolve()));
    const f = fetcher(allowLoopback());
    const err = await f.fetch(`https://127.0.0.1:${freePort}/x.png`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).details).toMatchObject({ service: 'fetch' });
  });
});
