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

/**
 * A minimal GraphQL-over-HTTP client on one keep-alive connection (node:http, no fetch/undici
 * overhead), so the client adds as little as possible to what is measured.
 */
export class GraphqlClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;

  constructor(url: string) {
    this.url = new URL(url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(this.url.hostname)) throw new Error(`refusing non-loopback GraphQL URL ${url}`);
  }

  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify({ query, variables });
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
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: T; errors?: { message: string }[] };
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

  close(): void {
    this.agent.destroy();
  }
}
