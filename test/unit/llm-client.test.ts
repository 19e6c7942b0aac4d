import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, TimeoutError, UnavailableError } from '../../src/errors.js';
import { LlmUnavailableError } from '../../src/stores/llm.js';
import { OpenAiLlm, createLlm } from '../../src/stores/openai.js';
import { start, type OpenAiStub } from '../stubs/openai-stub.js';

const API_KEY = 'sk-test-SECRET-0123456789abcdef';
let stub: OpenAiStub;

function llm(timeoutMs = 2_000, apiKey = API_KEY) {
  return new OpenAiLlm({ baseUrl: stub.baseUrl, apiKey, model: 'stub-model', timeoutMs });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

const hello = [{ role: 'user' as const, content: 'Say hello' }];

beforeAll(async () => {
  stub = await start();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.reset();
});
afterEach(() => {
  // A test that scripted more answers than were used called the LLM less often than it meant to.
  expect(stub.pending()).toBe(0);
});

describe('OpenAiLlm against the stub', () => {
  it('returns the completion text and usage, and sends model, messages and the bearer key', async () => {
    stub.enqueue({ content: 'Hello there', usage: { prompt_tokens: 7, completion_tokens: 2 } });
    const res = await llm().chat({ messages: [{ role: 'system', content: 'Be brief' }, ...hello], temperature: 0, maxTokens: 50 });
    expect(res).toEqual({ text: 'Hello there', usage: { promptTokens: 7, completionTokens: 2 } });
    const req = stub.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.model).toBe('stub-model');
    expect(req.messages).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'Say hello' },
    ]);
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.body!.temperature).toBe(0);
    expect(req.body!.max_tokens).toBe(50);
    expect(req.body!.response_format).toBeUndefined();
    expect(req.stream).toBe(false);
  });

  it('json: true sets response_format json_object', async () => {
    stub.enqueue({ content: '{"cypher": "RETURN 1"}' });
    const res = await llm().chat({ messages: hello, json: true });
    expect(res.text).toBe('{"cypher": "RETURN 1"}');
    expect(stub.requests[0]!.body!.response_format).toEqual({ type: 'json_object' });
  });

  it('works without an API key (local servers): sends a placeholder', async () => {
    stub.enqueue({ content: 'ok' });
    await llm(2_000, '').chat({ messages: hello });
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer not-needed');
  });

  it('HTTP 500 -> UnavailableError(llm) with the status, without the API key, and no retry', async () => {
    stub.enqueue({ status: 500, body: { error: { message: `backend exploded while using key ${API_KEY}`, type: 'server_error' } } });
    const err = await failure(llm().chat({ messages: hello }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect((err as LlmUnavailableError).code).toBe(ErrorCode.UNAVAILABLE);
    expect((err as LlmUnavailableError).details).toEqual({ service: 'llm' });
    expect((err as LlmUnavailableError).status).toBe(500);
    expect(err.message).toContain('500');
    expect(err.message).not.toContain(API_KEY);
    expect(err.message).not.toContain('SECRET');
    expect(stub.requests).toHaveLength(1); // maxRetries: 0
  });

  it('HTTP 401 echoing the key -> UnavailableError with status 401, key redacted', async () => {
    stub.enqueue({ status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}. Bearer ${API_KEY}`, type: 'invalid_request_error' } } });
    const err = await failure(llm().chat({ messages: hello }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as LlmUnavailableError).status).toBe(401);
    expect(err.message).toMatch(/401/);
    expect(err.message).not.toContain(API_KEY);
    expect(err.message).not.toContain('SECRET');
    expect(JSON.stringify((err as LlmUnavailableError).details)).not.toContain('SECRET');
  });

  it('an answer slower than the timeout -> TimeoutError(service llm)', async () => {
    stub.enqueue({ delayMs: 2_000, content: 'too late' });
    const err = await failure(llm(300).chat({ messages: hello }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).details).toEqual({ service: 'llm' });
    expect(err.message).toContain('300 ms');
  });

  it('a malformed body -> UnavailableError', async () => {
    stub.enqueue({ malformed: true });
    const err = await failure(llm().chat({ messages: hello }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/malformed/);
  });

  it('a 200 without choices -> UnavailableError', async () => {
    stub.enqueue((req) => ({ status: 200, body: { id: 'x', object: 'chat.completion', model: req.model } }));
    const err = await failure(llm().chat({ messages: hello }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/not a chat completion/);
  });

  it("the caller's abort signal cancels the call -> TimeoutError", async () => {
    stub.enqueue({ delayMs: 2_000, content: 'never read' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await failure(llm(10_000).chat({ messages: hello, signal: ac.signal }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/aborted/);
  });

  it('an already-aborted signal fails without a request', async () => {
    const err = await failure(llm().chat({ messages: hello, signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(stub.requests).toHaveLength(0);
  });

  it('a closed port -> UnavailableError (connection)', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((r) => dead.close(() => r()));
    const client = new OpenAiLlm({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: API_KEY, model: 'm', timeoutMs: 2_000 });
    const err = await failure(client.chat({ messages: hello }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/cannot be reached/);
    expect(err.message).not.toContain(API_KEY);
  });

  it('an unscripted request fails loudly', async () => {
    const err = await failure(llm().chat({ messages: hello }));
    expect(err.message).toMatch(/no scripted response/);
  });

  it('the stub also streams (SSE) for stream: true', async () => {
    stub.enqueue({ content: 'one two three' });
    const res = await fetch(`${stub.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: hello, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('one two three');
    expect(chunks.at(-1).usage.completion_tokens).toBeGreaterThan(0);
  });

  it('sends multimodal content (text and image parts) as the OpenAI API expects', async () => {
    stub.enqueue({ content: 'A red square [1].' });
    await llm().chat({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: 'image_url', image_url: { url: 'https://img.example/red.png' } }] }],
    });
    expect(stub.requests.at(-1)!.body!.messages[0].content).toEqual([
      { type: 'text', text: 'What is it?' },
      { type: 'image_url', image_url: { url: 'https://img.example/red.png' } },
    ]);
  });

  it('createLlm returns undefined without configuration', () => {
    expect(createLlm(undefined)).toBeUndefined();
    expect(createLlm({ baseUrl: stub.baseUrl, apiKey: '', model: 'm', timeoutMs: 1000 })?.model).toBe('m');
  });
});
