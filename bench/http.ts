import http from 'node:http';

/**
 * Server-side time of the last request the server answered (request event -> response finished),
 * in ms: the rest of a GraphQL call's time is the bench's client and the loopback transport.
 */
export function lastServerTime(server: http.Server): () => number {
  let lastMs = NaN;
  server.on('request', (_req, res: http.ServerResponse) => {
    const t0 = performance.now();
    res.on('finish', () => (lastMs = performance.now() - t0));
  });
  return () => lastMs;
}

/** Where the time of one GraphQL request went, as the client saw it. */
export interface RequestTiming {
  /**
   * From handing the encoded request to node's HTTP client to the answer's last byte received:
   * what HTTP load tools (wrk, autocannon) time as a request's latency. The server, both socket
   * hand-offs and node's HTTP parsing on both sides are in it.
   */
  wireMs: number;
  /** The client's own JSON work outside that window: encoding the request, parsing the answer. */
  clientMs: number;
}

/**
 * A minimal GraphQL-over-HTTP client on one keep-alive connection (node:http, no fetch/undici
 * overhead), so the client adds as little as possible to what is measured. `last` splits each
 * request's time into the HTTP exchange and the client's JSON encoding/parsing.
 */
export class GraphqlClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;
  last: RequestTiming = { wireMs: NaN, clientMs: NaN };

  constructor(url: string) {
    this.url = new URL(url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(this.url.hostname)) throw new Error(`refusing non-loopback GraphQL URL ${url}`);
  }

  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const t0 = performance.now();
    const body = JSON.stringify({ query, variables });
    const t1 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          hostname: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'apollo-require-preflight': 'true' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const t2 = performance.now();
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: T; errors?: { message: string }[] };
              this.last = { wireMs: t2 - t1, clientMs: t1 - t0 + (performance.now() - t2) };
              if (json.errors?.length) reject(new Error(`GraphQL error: ${json.errors.map((e) => e.message).join('; ')}`));
              else resolve(json.data as T);
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends `{ __typename }` n times: a fresh server's code paths get compiled before anything is timed. */
  async warm(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.request('{ __typename }');
  }

  close(): void {
    this.agent.destroy();
  }
}
