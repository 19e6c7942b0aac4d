import { AppError, ErrorCode, TimeoutError } from '../errors.js';
import { z } from 'zod';
import { parseJsonReply, type ChatMessage, type LlmClient } from '../stores/llm.js';
import type { GraphStore } from '../stores/graph-store.js';
import { checkCypherStatically } from '../stores/cypher-guard.js';
import { repairPrompt, text2CypherMessages } from './prompts.js';
import type { CypherAttempt, Text2Cypher, Text2CypherResult } from './types.js';

/** The first attempt plus one repair round. */
export const MAX_ATTEMPTS = 2;
const MAX_ERROR_CHARS = 2_000;

/** `reason` of a give-up result starts with one of these. */
export const GiveUp = {
  /** The query ran past the time budget (no repair: a second slow query would double the wait). */
  TIMEOUT: 'timeout: ',
  /** The model said the graph cannot answer the question. */
  DECLINED: 'declined: ',
  /** Both attempts were unusable, refused or failed. */
  NO_QUERY: 'no usable query: ',
} as const;

export type ParsedModelOutput =
  | { kind: 'cypher'; cypher: string }
  | { kind: 'declined'; reason: string }
  | { kind: 'unusable'; error: string };

/** A JSON object; what it holds is checked below (so the errors can say which field is wrong). */
const CypherReply = z.object({ cypher: z.unknown().optional(), query: z.unknown().optional(), reason: z.unknown().optional() });

/**
 * The model's reply -> a query. Accepts `{"cypher": "..."}` (also wrapped in a ```json fence or
 * surrounded by prose), `{"cypher": null, "reason": "..."}` as a refusal, or a ```cypher fenced
 * block. Anything else is unusable. A trailing `;` is dropped.
 */
export function parseModelOutput(text: string): ParsedModelOutput {
  const t = text.trim();
  if (!t) return { kind: 'unusable', error: 'the reply was empty' };
  const parsed = parseJsonReply(t, CypherReply);
  if (parsed.ok) {
    const o = parsed.value;
    const q = o.cypher !== undefined ? o.cypher : o.query;
    if (typeof q === 'string' && q.trim()) return { kind: 'cypher', cypher: tidy(q) };
    if (q === null) return { kind: 'declined', reason: typeof o.reason === 'string' && o.reason.trim() ? o.reason.trim().slice(0, 500) : 'no reason given' };
    return { kind: 'unusable', error: 'the JSON reply has no "cypher" string' };
  }
  const fences = t.matchAll(/```([\w-]*)[ \t]*\r?\n([\s\S]*?)```/g);
  for (const [, lang, body] of fences) {
    const code = body!.trim();
    if (!code || code.startsWith('{')) continue;
    if (!lang || /^(cypher|neo4j|cql)$/i.test(lang)) return { kind: 'cypher', cypher: tidy(code) };
  }
  return { kind: 'unusable', error: 'expected a JSON object {"cypher": "..."}, got text that is neither JSON nor a ```cypher block' };
}

function tidy(cypher: string): string {
  return cypher.trim().replace(/[\s;]+$/, '');
}

export interface LlmText2CypherOptions {
  llm: LlmClient;
  graph: GraphStore;
  /** Per-query transaction timeout (config.graph.cypherTimeoutMs). */
  timeoutMs: number;
  /** Rows returned at most (config.graph.cypherRowLimit); more -> `truncated`. */
  rowLimit: number;
}

type Problem = { kind: 'unusable' | 'refused' | 'write' | 'error'; message: string };

/**
 * Question -> Cypher with an LLM, run read-only, with one repair round.
 *
 * - Model misbehaviour (unusable reply, refused or failing query, query timeout) never throws:
 *   the result is `{ok: false, reason, attempts}`, `reason` starting with a `GiveUp` prefix.
 * - The LLM being down throws (UnavailableError / TimeoutError with service 'llm'), as does Neo4j
 *   being down (UnavailableError 'neo4j'): the caller falls back to template traversal.
 * - A query that exceeds `timeoutMs` gives up at once (GiveUp.TIMEOUT), without a repair round.
 */
export class LlmText2Cypher implements Text2Cypher {
  constructor(private readonly opts: LlmText2CypherOptions) {}

  async run(question: string, signal?: AbortSignal): Promise<Text2CypherResult> {
    throwIfAborted(signal);
    const schema = await this.opts.graph.schema();
    const messages: ChatMessage[] = text2CypherMessages(schema, question, this.opts.rowLimit);
    const attempts: CypherAttempt[] = [];

    for (let round = 0; round < MAX_ATTEMPTS; round++) {
      throwIfAborted(signal);
      const reply = await this.opts.llm.chat({ messages, temperature: 0, json: true, maxTokens: 1024, signal });
      const parsed = parseModelOutput(reply.text);
      let problem: Problem;

      if (parsed.kind === 'declined') {
        attempts.push({ cypher: null, error: `the model declined: ${parsed.reason}` });
        return { ok: false, reason: `${GiveUp.DECLINED}${parsed.reason}`, attempts };
      }
      if (parsed.kind === 'unusable') {
        problem = { kind: 'unusable', message: parsed.error };
        attempts.push({ cypher: null, error: `unusable model output: ${parsed.error}` });
      } else {
        const cypher = parsed.cypher;
        const refusal = checkCypherStatically(cypher);
        if (refusal) {
          problem = { kind: 'refused', message: refusal };
          attempts.push({ cypher, error: `refused before running: ${refusal}` });
        } else {
          throwIfAborted(signal);
          try {
            const res = await this.opts.graph.runReadOnly(cypher, {}, { timeoutMs: this.opts.timeoutMs, rowLimit: this.opts.rowLimit });
            return { ok: true, answer: { cypher, columns: res.columns, rows: res.rows, truncated: res.truncated }, attempts };
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            const message = err.message.slice(0, MAX_ERROR_CHARS);
            if (err.code === ErrorCode.TIMEOUT && err.details.service === 'neo4j') {
              attempts.push({ cypher, error: message });
              return { ok: false, reason: `${GiveUp.TIMEOUT}${message}`, attempts };
            }
            if (err.code === ErrorCode.FORBIDDEN) {
              problem = { kind: 'write', message };
            } else if (err.code === ErrorCode.BAD_USER_INPUT) {
              problem = { kind: 'error', message };
            } else {
              throw err; // Neo4j unavailable and the like: not the model's fault
            }
            attempts.push({ cypher, error: message });
          }
        }
      }
      messages.push({ role: 'assistant', content: reply.text.slice(0, 4_000) }, { role: 'user', content: repairPrompt(question, problem) });
    }
    const last = attempts[attempts.length - 1]!;
    return { ok: false, reason: `${GiveUp.NO_QUERY}no usable read-only query after ${attempts.length} attempts; last problem: ${last.error}`, attempts };
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TimeoutError('the question-to-Cypher run was aborted', { service: 'text2cypher' });
}
