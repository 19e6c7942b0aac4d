import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Config } from '../config.js';
import { TimeoutError, errorMessage } from '../errors.js';
import { LlmUnavailableError, type ChatRequest, type ChatResponse, type ChatUsage, type LlmClient } from './llm.js';

type LlmConfig = Omit<NonNullable<Config['llm']>, 'vision'>;

/**
 * An OpenAI-compatible chat-completions API through the `openai` package: the only module that
 * imports it. No retries here (maxRetries: 0): callers own the retry/fallback policy. Error
 * messages never contain the API key.
 */
export class OpenAiLlm implements LlmClient {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  private readonly apiKey: string;

  constructor(cfg: LlmConfig) {
    this.model = cfg.model;
    this.timeoutMs = cfg.timeoutMs;
    this.apiKey = cfg.apiKey;
    this.client = new OpenAI({ baseURL: cfg.baseUrl, apiKey: cfg.apiKey || 'not-needed', timeout: cfg.timeoutMs, maxRetries: 0 });
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    // The SDK's timeout covers the wait for response headers; ours also covers a body that stalls.
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    let completion: ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: req.messages as ChatCompletionMessageParam[],
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
          ...(req.json ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal },
      );
    } catch (err) {
      throw this.mapError(err, req.signal, deadline);
    }
    // A server that is not really OpenAI-compatible may answer 200 with text or an odd object.
    if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
      throw new LlmUnavailableError('the LLM returned a response that is not a chat completion');
    }
    const text = completion.choices[0]?.message?.content;
    if (typeof text !== 'string') throw new LlmUnavailableError('the LLM returned a completion without text');
    const usage = completion.usage
      ? { promptTokens: completion.usage.prompt_tokens ?? 0, completionTokens: completion.usage.completion_tokens ?? 0 }
      : undefined;
    return usage ? { text, usage } : { text };
  }

  async *chatStream(req: ChatRequest): AsyncGenerator<string, ChatUsage | undefined, undefined> {
    // A stream may legitimately take longer than timeoutMs in total; what must not happen is a
    // silence that long (before the first chunk or between two chunks).
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error('idle timeout')), this.timeoutMs);
    };
    const signal = req.signal ? AbortSignal.any([req.signal, idle.signal]) : idle.signal;
    let usage: ChatUsage | undefined;
    arm();
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: req.messages as ChatCompletionMessageParam[],
          stream: true,
          stream_options: { include_usage: true },
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
          ...(req.json ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal },
      );
      for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
        arm();
        if (!chunk || typeof chunk !== 'object') throw new LlmUnavailableError('the LLM streamed something that is not a chat completion chunk');
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
        const delta = Array.isArray(chunk.choices) ? chunk.choices[0]?.delta?.content : undefined;
        if (typeof delta === 'string' && delta) yield delta;
      }
    } catch (err) {
      if (err instanceof LlmUnavailableError) throw err;
      throw this.mapError(err, req.signal, idle.signal);
    } finally {
      // Also reached when the consumer stops early (return()): abort so the HTTP stream is closed.
      clearTimeout(timer);
      if (!idle.signal.aborted) idle.abort(new Error('stream consumer finished'));
    }
    return usage;
  }

  private mapError(err: unknown, callerSignal: AbortSignal | undefined, deadline: AbortSignal): Error {
    if (err instanceof APIConnectionTimeoutError || deadline.aborted) {
      return new TimeoutError(`the LLM did not answer within ${this.timeoutMs} ms`, { service: 'llm' });
    }
    if (err instanceof APIUserAbortError || callerSignal?.aborted) {
      return new TimeoutError('the LLM call was aborted', { service: 'llm' });
    }
    if (err instanceof APIConnectionError) {
      return new LlmUnavailableError(`the LLM cannot be reached: ${this.redact(causeMessage(err))}`);
    }
    if (err instanceof APIError && typeof err.status === 'number') {
      const what = err.status >= 500 ? 'the LLM failed' : err.status === 429 ? 'the LLM is rate-limited' : 'the LLM refused the request';
      return new LlmUnavailableError(`${what} (HTTP ${err.status}): ${this.redact(err.message)}`, err.status);
    }
    if (err instanceof SyntaxError) return new LlmUnavailableError(`the LLM returned a malformed response: ${this.redact(err.message)}`);
    return new LlmUnavailableError(`the LLM call failed: ${this.redact(errorMessage(err))}`);
  }

  /** Servers echo keys back ("Incorrect API key provided: sk-..."): strip ours and anything key-like. */
  private redact(text: string): string {
    let out = text.slice(0, 1000);
    if (this.apiKey.length >= 4) out = out.split(this.apiKey).join('[redacted]');
    return out.replace(/\b(sk|pk|rk)-[A-Za-z0-9_*-]{4,}/g, '$1-[redacted]').replace(/(Bearer\s+)\S+/gi, '$1[redacted]');
  }
}

function causeMessage(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

/** The configured LLM, or undefined when none is configured (features that need one fall back). */
export function createLlm(config: LlmConfig | undefined): LlmClient | undefined {
  return config ? new OpenAiLlm(config) : undefined;
}
