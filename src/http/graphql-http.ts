import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { bodyLimitBytes } from '../config.js';
import type { Context } from '../context.js';
import { BadRequestError, InternalError, PayloadTooLargeError, formatAppError, type AppError } from '../errors.js';

export type ContextFn = (args: { req: IncomingMessage; res: ServerResponse }) => Promise<Context>;

/**
 * Hands a request whose body is already parsed (or absent) to Apollo and writes its answer with
 * plain `res.end`: Apollo has already set content-type and the status, so express's `res.send`
 * (charset parsing, an ETag hash, a freshness check on every answer) would be work no GraphQL client
 * uses. Streamed (incremental delivery) bodies are written chunk by chunk.
 */
export async function answerGraphql(apollo: ApolloServer<Context>, context: ContextFn, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const headers = new HeaderMap();
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined) headers.set(name, typeof value === 'string' ? value : value.join(', '));
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const request: HTTPGraphQLRequest = { method: (req.method ?? 'GET').toUpperCase(), headers, search: query < 0 ? '' : url.slice(query), body };
  const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: () => context({ req, res }) });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** Body-level refusals in GraphQL's error shape (the same answers for both routes to Apollo). */
export function sendBodyError(res: ServerResponse, status: number, error: AppError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors: [formatAppError(error)] }));
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
const JSON_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** True for a request this handler parses itself: everything else at /graphql takes the express route. */
function plainJsonOrNoBody(req: IncomingMessage): boolean {
  // type-is's test for a body: a transfer-encoding or any content-length (0 included).
  const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  if (req.method !== 'POST') return !hasBody;
  if (!hasBody) return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const semi = type.indexOf(';');
  if ((semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() !== 'application/json') return false;
  if (semi < 0) return true;
  // Parameters: only charset=utf-8 (body-parser's default) is decoded here.
  for (const param of type.slice(semi + 1).split(';')) {
    const [k, v] = param.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'charset' && v !== 'utf-8' && v !== '"utf-8"') return false;
  }
  return true;
}

/**
 * POST/GET /graphql straight from node's HTTP server: no express routing, no body-parser. A JSON
 * body (utf-8, no content-encoding) is read and parsed here with the same limit and the same
 * answers as express.json + our body-error handler (413 PAYLOAD_TOO_LARGE, 400 BAD_REQUEST for a
 * body that is not a JSON object or array); a GET carries no body. Any other /graphql request
 * (compressed or non-JSON body, another charset, a GET with a body) goes to `fallback`, the express
 * route, so its answer does not change. Measured: express routing plus body-parser cost ~0.1-0.2 ms
 * of CPU per request.
 */
export function graphqlHttpHandler(
  apollo: ApolloServer<Context>,
  opts: { bodyLimit: string; context: ContextFn; fallback: (req: IncomingMessage, res: ServerResponse) => void },
): (req: IncomingMessage, res: ServerResponse) => void {
  apollo.assertStarted('graphqlHttpHandler()');
  const limit = bodyLimitBytes(opts.bodyLimit);
  const tooLarge = () => new PayloadTooLargeError(`request body is larger than ${opts.bodyLimit}`);
  const run = (req: IncomingMessage, res: ServerResponse, body: unknown) =>
    answerGraphql(apollo, opts.context, req, res, body).catch(() => sendBodyError(res, 500, new InternalError('the GraphQL answer could not be written')));

  return (req, res) => {
    if (!plainJsonOrNoBody(req)) {
      opts.fallback(req, res);
      return;
    }
    if (req.method !== 'POST') {
      void run(req, res, undefined);
      return;
    }
    const declared = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      sendBodyError(res, 413, tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let parsed = false;
    const parseAndRun = () => {
      parsed = true;
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
      let body: unknown;
      if (text.length === 0) body = {};
      else {
        // body-parser's strict mode: only an object or an array is a JSON body.
        let i = 0;
        while (i < text.length && JSON_SPACE.has(text.charCodeAt(i))) i++;
        const first = text.charCodeAt(i);
        try {
          if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) throw new SyntaxError('not an object or array');
          body = JSON.parse(text);
        } catch {
          sendBodyError(res, 400, new BadRequestError('request body is not valid JSON'));
          return;
        }
      }
      void run(req, res, body);
    };
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        sendBodyError(res, 413, tooLarge());
        return;
      }
      chunks.push(chunk);
      // The whole declared body is here: node's parser delivers no byte past Content-Length, so
      // 'end' can only follow. Answering now saves waiting a turn of the event loop for it.
      if (size === declared) parseAndRun();
    });
    req.on('end', () => {
      if (refused || parsed) return;
      if (!Number.isNaN(declared) && size !== declared) {
        sendBodyError(res, 400, new BadRequestError('request size did not match content length'));
        return;
      }
      parseAndRun();
    });
    // An aborted upload: the socket is gone, nothing to answer.
    req.on('error', () => undefined);
  };
}
