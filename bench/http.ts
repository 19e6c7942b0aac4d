import type http from 'node:http';
import net from 'node:net';

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
   * From writing the encoded request to the socket to the answer's last byte received: what HTTP
   * load tools (wrk, autocannon) time as a request's latency. The server (node's HTTP parsing
   * included) and both socket hand-offs are in it.
   */
  wireMs: number;
  /** The client's own JSON work outside that window: encoding the request, parsing the answer. */
  clientMs: number;
}

/**
 * A minimal GraphQL-over-HTTP/1.1 client on one keep-alive connection, one request at a time, so
 * the client adds as little as possible to what is measured (as HTTP load tools do: node's
 * `http.request` alone costs ~0.1 ms a call in ClientRequest and agent bookkeeping). It writes the
 * request with `net` and reads the answer by its Content-Length (node's server sends one for every
 * GraphQL answer the benches ask for; anything else is an error, never a silent mis-read). A
 * connection the server closed (keep-alive timeout) is reopened for the next request. `last`
 * splits each request's time into the HTTP exchange and the client's JSON encoding/parsing.
 */
export class GraphqlClient {
  private readonly url: URL;
  private socket: net.Socket | null = null;
  private pending: { onData: (chunk: Buffer) => void; fail: (err: Error) => void } | null = null;
  last: RequestTiming = { wireMs: NaN, clientMs: NaN };

  constructor(url: string) {
    this.url = new URL(url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(this.url.hostname)) throw new Error(`refusing non-loopback GraphQL URL ${url}`);
  }

  private connection(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = net.connect({ host: this.url.hostname.replace(/^\[|\]$/g, ''), port: Number(this.url.port), noDelay: true });
    socket.on('data', (chunk: Buffer) => this.pending?.onData(chunk));
    const gone = (err?: Error) => {
      if (this.socket === socket) this.socket = null;
      this.pending?.fail(err ?? new Error('the server closed the connection before answering'));
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
    this.socket = socket;
    return socket;
  }

  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    if (this.pending) return Promise.reject(new Error('GraphqlClient: one request at a time'));
    const t0 = performance.now();
    const body = Buffer.from(JSON.stringify({ query, variables }), 'utf8');
    const head =
      `POST ${this.url.pathname}${this.url.search} HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\nApollo-Require-Preflight: true\r\n\r\n`;
    const t1 = performance.now();
    return new Promise<T>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let bodyStart = -1;
      let total = -1;
      const fail = (err: Error) => {
        this.pending = null;
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (bodyStart < 0) {
          const all = chunks.length === 1 ? chunk : Buffer.concat(chunks, received);
          const end = all.indexOf('\r\n\r\n');
          if (end < 0) return;
          const header = all.subarray(0, end).toString('latin1');
          const length = /\r\ncontent-length: *(\d+)/i.exec(header);
          if (!length) {
            fail(new Error(`GraphqlClient: an answer without Content-Length (${header.split('\r\n')[0]})`));
            this.socket?.destroy();
            return;
          }
          bodyStart = end + 4;
          total = bodyStart + Number(length[1]);
          chunks.length = 0;
          chunks.push(all);
        }
        if (received < total) return;
        const t2 = performance.now();
        this.pending = null;
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        if (received > total) {
          reject(new Error('GraphqlClient: more bytes than the answer announced'));
          this.socket?.destroy();
          return;
        }
        try {
          const json = JSON.parse(all.toString('utf8', bodyStart, total)) as { data?: T; errors?: { message: string }[] };
          this.last = { wireMs: t2 - t1, clientMs: t1 - t0 + (performance.now() - t2) };
          if (json.errors?.length) reject(new Error(`GraphQL error: ${json.errors.map((e) => e.message).join('; ')}`));
          else resolve(json.data as T);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      this.pending = { onData, fail };
      const socket = this.connection();
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    });
  }

  /** Sends `{ __typename }` n times: a fresh server's code paths get compiled before anything is timed. */
  async warm(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.request('{ __typename }');
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}
