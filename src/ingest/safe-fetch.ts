import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { AppError, BadInputError, ForbiddenError, PayloadTooLargeError, TimeoutError, UnavailableError, errorMessage } from '../errors.js';
import { bareHost, isIpLiteral, isPublicAddress } from './address-guard.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeFetcherOptions {
  /** Overall budget for the whole fetch, redirects included. */
  timeoutMs: number;
  /** Maximum response body size in bytes (checked on Content-Length and while streaming). */
  maxBytes: number;
  /** Maximum number of redirects followed (0 = none). */
  maxRedirects: number;
  /** Resolver; defaults to the system resolver (`dns.promises.lookup`, all addresses). */
  lookup?: HostLookup;
  /**
   * TEST-ONLY escape hatch: addresses for which this returns true are allowed even though they are
   * not public (e.g. a loopback test server). Production wiring never passes it, and no
   * environment variable or config key maps to it, so the allowance cannot be turned on from env.
   */
  allowAddress?: (ip: string) => boolean;
  /** TEST-ONLY: extra trusted CA (a self-signed test certificate). Never set by production config. */
  ca?: string | Buffer;
  /** User-Agent header sent with each request. */
  userAgent?: string;
}

export interface FetchResult {
  bytes: Buffer;
  contentType: string | undefined;
  finalUrl: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const defaultLookup: HostLookup = async (hostname) => {
  const results: LookupAddress[] = await dnsPromises.lookup(hostname, { all: true, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

/** Reject with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * An HTTPS client for fetching user-supplied URLs (e.g. image URLs) without SSRF exposure:
 *
 * - only `https:` URLs without embedded credentials;
 * - the host is resolved here and refused if ANY of its addresses is not public; the connection is
 *   then pinned to the checked address (custom `lookup` on the socket, SNI/certificate checked
 *   against the host name), so a DNS answer that changes between check and connect (rebinding)
 *   cannot redirect us to an internal address;
 * - redirects are followed manually and every hop is re-validated the same way;
 * - one overall timeout, a byte cap on Content-Length and on the streamed body.
 *
 * Error messages name the host only, never the full URL (query strings may carry secrets).
 */
export class SafeFetcher {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxRedirects: number;
  private readonly lookup: HostLookup;
  private readonly allowAddress: ((ip: string) => boolean) | undefined;
  private readonly ca: string | Buffer | undefined;
  private readonly userAgent: string;

  constructor(opts: SafeFetcherOptions) {
    if (!(opts.timeoutMs > 0)) throw new Error('SafeFetcher: timeoutMs must be > 0');
    if (!(opts.maxBytes > 0)) throw new Error('SafeFetcher: maxBytes must be > 0');
    if (!(opts.maxRedirects >= 0)) throw new Error('SafeFetcher: maxRedirects must be >= 0');
    this.timeoutMs = opts.timeoutMs;
    this.maxBytes = opts.maxBytes;
    this.maxRedirects = opts.maxRedirects;
    this.lookup = opts.lookup ?? defaultLookup;
    this.allowAddress = opts.allowAddress;
    this.ca = opts.ca;
    this.userAgent = opts.userAgent ?? 'knowledge-graphql/0.1 (+image fetch)';
  }

  async fetch(url: string, signal?: AbortSignal): Promise<FetchResult> {
    const controller = new AbortController();
    const timeoutReason = new TimeoutError(`Fetching the URL timed out after ${this.timeoutMs} ms`, {
      timeoutMs: this.timeoutMs,
    });
    const timer = setTimeout(() => controller.abort(timeoutReason), this.timeoutMs);
    const onOuterAbort = () => controller.abort(signal?.reason);
    if (signal) {
      if (signal.aborted) controller.abort(signal.reason);
      else signal.addEventListener('abort', onOuterAbort, { once: true });
    }
    let host = '';
    try {
      let current = this.parseUrl(url);
      for (let hop = 0; ; hop++) {
        host = current.hostname;
        const address = await this.checkHost(current, controller.signal);
        const res = await this.request(current, address, controller.signal);
        const status = res.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          res.destroy();
          const location = res.headers.location;
          if (!location) {
            throw new BadInputError(`The server at ${current.hostname} answered ${status} (redirect) without a Location header`, 'url');
          }
          if (hop >= this.maxRedirects) {
            throw new BadInputError(
              `Too many redirects fetching from ${current.hostname}: at most ${this.maxRedirects} redirect(s) are followed`,
              'url',
              { maxRedirects: this.maxRedirects },
            );
          }
          let next: string;
          try {
            next = new URL(location, current).href;
          } catch {
            throw new BadInputError(`The server at ${current.hostname} redirected to an invalid URL`, 'url');
          }
          current = this.parseUrl(next, 'redirect target');
          continue;
        }
        if (status < 200 || status > 299) {
          res.destroy();
          throw new BadInputError(`Fetching from ${current.hostname} failed: the server answered HTTP ${status}`, 'url', {
            status,
          });
        }
        const bytes = await this.readBody(res, current.hostname, controller.signal);
        const contentType = res.headers['content-type'];
        return { bytes, contentType: contentType || undefined, finalUrl: current.href };
      }
    } catch (err) {
      throw this.translate(err, host, controller.signal, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onOuterAbort);
      if (!controller.signal.aborted) controller.abort(); // tear down any leftover socket
    }
  }

  /** Parse and validate scheme / credentials. */
  private parseUrl(raw: string, what = 'URL'): URL {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new BadInputError(`The ${what} is not a valid absolute URL; an https:// URL is accepted`, 'url');
    }
    if (u.protocol !== 'https:') {
      throw new BadInputError(
        `The ${what} uses the scheme "${u.protocol.replace(/:$/, '')}"; only https:// URLs are accepted`,
        'url',
        { accepted: ['https'] },
      );
    }
    if (u.username || u.password) {
      throw new BadInputError(`The ${what} must not contain credentials (user:password@); remove them`, 'url');
    }
    if (!u.hostname) throw new BadInputError(`The ${what} has no host`, 'url');
    return u;
  }

  private isAllowed(ip: string): boolean {
    return isPublicAddress(ip) || (this.allowAddress?.(bareHost(ip)) ?? false);
  }

  /** Resolve the host and check every address; returns the address to connect to. */
  private async checkHost(u: URL, signal: AbortSignal): Promise<ResolvedAddress> {
    const host = bareHost(u.hostname);
    if (isIpLiteral(host)) {
      if (!this.isAllowed(host)) {
        throw new ForbiddenError(
          `The URL host ${u.hostname} is a non-public address (private, loopback, link-local or reserved); only public internet hosts may be fetched`,
          { host: u.hostname },
        );
      }
      return { address: host, family: host.includes(':') ? 6 : 4 };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await abortable(this.lookup(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw new UnavailableError('fetch', `Could not resolve the host ${host}: ${errorMessage(err)}`, { cause: err });
    }
    if (addresses.length === 0) {
      throw new UnavailableError('fetch', `Could not resolve the host ${host}: no addresses`);
    }
    const bad = addresses.filter((a) => !this.isAllowed(a.address));
    if (bad.length > 0) {
      throw new ForbiddenError(
        `The host ${host} resolves to a non-public address (private, loopback, link-local or reserved); only public internet hosts may be fetched`,
        { host },
      );
    }
    const first = addresses[0]!;
    return { address: bareHost(first.address), family: first.family };
  }

  /** Open the request pinned to `addr`. Resolves with the response head. */
  private request(u: URL, addr: ResolvedAddress, signal: AbortSignal): Promise<IncomingMessage> {
    const host = bareHost(u.hostname);
    const literal = isIpLiteral(host);
    // The socket never resolves the name itself: it is handed the address we just checked.
    const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
      if (options.all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address: addr.address, family: addr.family }]);
      } else {
        callback(null, addr.address, addr.family);
      }
    };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest({
        protocol: 'https:',
        hostname: host,
        port: u.port ? Number(u.port) : 443,
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers: {
          'user-agent': this.userAgent,
          accept: '*/*',
          'accept-encoding': 'identity',
        },
        agent: false,
        lookup: pinnedLookup,
        family: addr.family,
        // SNI + certificate identity are checked against the name, not the pinned address.
        ...(literal ? {} : { servername: host }),
        ...(this.ca !== undefined ? { ca: this.ca } : {}),
        signal,
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
  }

  private async readBody(res: IncomingMessage, host: string, signal: AbortSignal): Promise<Buffer> {
    const lengthHeader = res.headers['content-length'];
    if (lengthHeader !== undefined) {
      const declared = Number(lengthHeader);
      if (Number.isFinite(declared) && declared > this.maxBytes) {
        res.destroy();
        throw new PayloadTooLargeError(
          `The resource at ${host} is ${declared} bytes; the limit is ${this.maxBytes} bytes`,
          { maxBytes: this.maxBytes, bytes: declared },
        );
      }
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > this.maxBytes) {
          res.destroy();
          throw new PayloadTooLargeError(
            `The resource at ${host} is larger than the limit of ${this.maxBytes} bytes`,
            { maxBytes: this.maxBytes },
          );
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (signal.aborted || err instanceof AppError) throw err;
      throw new UnavailableError('fetch', `Reading the response from ${host} failed: ${errorMessage(err)}`, { cause: err });
    }
    if (!res.complete) {
      if (signal.aborted) throw signal.reason;
      throw new UnavailableError('fetch', `The response from ${host} ended prematurely`);
    }
    return Buffer.concat(chunks, total);
  }

  /** Map anything thrown during a fetch to an AppError. */
  private translate(err: unknown, host: string, signal: AbortSignal, outer: AbortSignal | undefined): AppError {
    if (err instanceof AppError) return err;
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof TimeoutError && !outer?.aborted) {
        return new TimeoutError(`Fetching from ${host || 'the URL host'} timed out after ${this.timeoutMs} ms (the limit for the whole fetch, redirects included)`, {
          timeoutMs: this.timeoutMs,
        });
      }
      if (reason instanceof AppError) return reason;
      if (outer?.aborted) {
        return new TimeoutError(`Fetching from ${host || 'the URL host'} was cancelled by the caller`);
      }
      return new TimeoutError(`Fetching from ${host || 'the URL host'} timed out after ${this.timeoutMs} ms`, {
        timeoutMs: this.timeoutMs,
      });
    }
    const code = (err as { code?: unknown } | null)?.code;
    const detail = typeof code === 'string' ? `${code}: ${errorMessage(err)}` : errorMessage(err);
    return new UnavailableError('fetch', `Could not fetch from ${host || 'the URL host'}: ${detail}`, { cause: err });
  }
}
