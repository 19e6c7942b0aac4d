import type { z } from 'zod';
import { UnavailableError } from '../errors.js';

/**
 * The LLM as a store: a chat-completion model behind an interface. The one adapter is
 * ./openai.ts (any OpenAI-compatible endpoint, the only importer of the `openai` package);
 * ./metered-llm.ts reports each call to telemetry; tests use an HTTP stub of the API.
 */

/** Parts of a multimodal user message (OpenAI's format): text, and images by URL for vision models. */
export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ChatContentPart[];
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature?: number;
  /** Ask for a JSON object (`response_format: {type: 'json_object'}`). */
  json?: boolean;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface ChatResponse {
  text: string;
  usage?: { promptTokens: number; completionTokens: number };
}

export type ChatUsage = NonNullable<ChatResponse['usage']>;

/** A chat-completion model. Failures are UnavailableError('llm') or TimeoutError({service: 'llm'}). */
export interface LlmClient {
  chat(req: ChatRequest): Promise<ChatResponse>;
  /**
   * The same completion streamed: yields text deltas as the model produces them and returns the
   * token usage when the server reports it. Aborting `req.signal` (or calling `return()` on the
   * iterator) closes the HTTP stream. Failures are the same errors as `chat`, thrown while iterating.
   */
  chatStream(req: ChatRequest): AsyncGenerator<string, ChatUsage | undefined, undefined>;
  readonly model: string;
}

/**
 * The LLM (or the network to it) failed. `status` is the HTTP status when the server answered
 * (4xx: our request or credentials are wrong, retrying will not help; 5xx/429: it may).
 */
export class LlmUnavailableError extends UnavailableError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super('llm', message);
  }
}

/** A model's JSON reply, checked: the value, or what is wrong with it (for a warning or a repair prompt). */
export type JsonReply<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Parse a model's JSON reply against `schema`. Models wrap JSON in a ```json fence or put prose
 * around it even when asked not to: a fence is removed, and when the whole text is not JSON the
 * outermost {...} is tried. The one parser of every LLM reply (router, text-to-Cypher, condenser,
 * reranker), so they all accept the same shapes and describe the same failures.
 */
export function parseJsonReply<T>(text: string, schema: z.ZodType<T>): JsonReply<T> {
  const t = text.trim();
  if (!t) return { ok: false, problem: 'the reply was empty' };
  const unfenced = /^```(?:json)?\s*\n?([\s\S]*?)\n?\s*```$/i.exec(t)?.[1] ?? t;
  const first = unfenced.indexOf('{');
  const last = unfenced.lastIndexOf('}');
  let raw: unknown;
  let parsed = false;
  for (const candidate of [unfenced, first >= 0 && last > first ? unfenced.slice(first, last + 1) : null]) {
    if (candidate === null) continue;
    try {
      raw = JSON.parse(candidate);
      parsed = true;
      break;
    } catch {
      /* try the next candidate */
    }
  }
  if (!parsed) return { ok: false, problem: 'the reply is not JSON' };
  const checked = schema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { ok: false, problem: `the JSON does not match the schema (${issue.path.join('.') || 'reply'}: ${issue.message})` };
  }
  return { ok: true, value: checked.data };
}
