import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { testServices } from '../helpers.js';

/** End to end over real HTTP against the started server, on real Milvus and Neo4j. */
let ctx: Awaited<ReturnType<typeof testServices>>;
let app: App;
let url: string;
let base: string;

// A loopback server that records whether anything connected to it: the image URL guard must
// refuse before any connection is made.
let contacted = 0;
const trap = net.createServer((s) => {
  contacted++;
  s.destroy();
});

const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const gql = async (query: string, variables?: Record<string, unknown>) => {
  const res = await post(JSON.stringify({ query, variables }));
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] } };
};

beforeAll(async () => {
  ctx = await testServices({ PORT: '0', HOST: '127.0.0.1', BODY_LIMIT: '2mb' });
  app = await createApp(ctx.runtime);
  url = await app.listen();
  base = url.replace(/\/graphql$/, '');
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await app?.stop();
  await ctx?.cleanup();
  trap.close();
});

describe('HTTP surface', () => {
  it('GET /healthz answers 200 while the process is alive', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports Milvus and Neo4j with latency', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { services: { name: string; ok: boolean; latencyMs: number }[] };
    expect(body.services.map((s) => [s.name, s.ok])).toEqual([
      ['milvus', true],
      ['neo4j', true],
      ['media', true],
    ]);
  });

  it('serves the Apollo Sandbox landing page to a browser in development', async () => {
    const res = await fetch(url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/sandbox/i);
    expect(html).toContain('<!DOCTYPE html>');
  });

  it('ingests over HTTP and finds the item by text and by image', async () => {
    const red = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images/solid-red-32x32.png')).toString('base64');
    const ing = await gql('mutation($b: String!) { ingestImage(input: { base64: $b, caption: "red" }) { item { id } } }', { b: red });
    expect(ing.status).toBe(200);
    const id = ing.body.data.ingestImage.item.id as string;
    const txt = await gql('mutation { ingestText(input: { text: "a short note about red squares" }) { documentId } }');
    expect(txt.body.errors).toBeUndefined();
    const s = await gql('query($b: String!) { search(input: { image: { base64: $b }, topK: 2 }) { hits { rank score item { id modality } } } }', { b: red });
    expect(s.body.data.search.hits[0].item.id).toBe(id);
    const t = await gql('{ search(input: { text: "red", topK: 5 }) { hits { item { modality } } } }');
    expect(t.body.data.search.hits).toHaveLength(2);
  });

  it('answers malformed JSON with 400 and a code', async () => {
    const res = await post('{"query": "{ health { status } }"');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE, and the server stays up', async () => {
    const huge = JSON.stringify({ query: 'mutation($b: String!) { ingestImage(input: { base64: $b }) { item { id } } }', variables: { b: 'A'.repeat(3 * 1024 * 1024) } });
    const res = await post(huge);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers parse and validation errors with their GraphQL codes', async () => {
    const parse = await gql('{ health { status ');
    expect(parse.body.errors![0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await gql('{ nope }');
    expect(invalid.body.errors![0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badVar = await gql('query($k: Int) { search(input: { text: "x", topK: $k }) { tookMs } }', { k: 'ten' });
    expect(badVar.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses image URLs into loopback, private or link-local space without contacting them', async () => {
    const port = (trap.address() as net.AddressInfo).port;
    for (const target of [`https://127.0.0.1:${port}/a.png`, `https://localhost:${port}/a.png`, `https://[::ffff:127.0.0.1]:${port}/a.png`]) {
      const r = await gql('mutation($u: String!) { ingestImage(input: { url: $u }) { item { id } } }', { u: target });
      expect(r.status).toBe(200);
      expect(r.body.errors![0]!.extensions.code, target).toBe('FORBIDDEN');
      const s = await gql('query($u: String!) { search(input: { image: { url: $u } }) { tookMs } }', { u: target });
      expect(s.body.errors![0]!.extensions.code, target).toBe('FORBIDDEN');
    }
    expect(contacted).toBe(0);
  });

  it('refuses a simple (non-JSON) POST that a browser could send cross-site: CSRF prevention', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ health { status } }"}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF|content-type/i);
  });

  // /graphql is served straight from node's HTTP server for plain JSON bodies and by the express
  // route (body-parser) for anything else: both must give the same answers.
  it('answers a gzip-compressed JSON body like a plain one (the express route)', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const res = await post(gzipSync(body), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a JSON body that is not an object or array, and a non-utf-8 charset, with codes', async () => {
    for (const text of ['"{ __typename }"', '42', '']) {
      const res = await post(text);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect([res.status, body.errors[0]!.extensions.code], JSON.stringify(text)).toEqual([400, 'BAD_REQUEST']);
    }
    const latin = await post(JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/json; charset=latin1' });
    expect(latin.status).toBe(415);
    expect(((await latin.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    const utf8 = await post(JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/json; charset=UTF-8' });
    expect(await utf8.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a chunked body (no content-length) once it passes the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      const chunk = 'A'.repeat(256 * 1024);
      req.write(`{"query": "{ __typename }", "variables": {"b": "`);
      for (let i = 0; i < 12; i++) req.write(chunk); // 3 MB > BODY_LIMIT=2mb
      req.end('"}}');
    });
    expect(status).toBe(413);
    expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers GET /graphql?query=..., echoes x-request-id, and keeps the other routes', async () => {
    const res = await fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true', 'x-request-id': 'req-123' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${base}/graphqlx`)).status).toBe(404);
  });
});
