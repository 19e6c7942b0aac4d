import type { Config } from '../config.js';
import { BadInputError, InternalError, NotFoundError, TimeoutError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Route, RouteDecision } from '../router/index.js';
import type { Answer, Answerer } from './answer.js';
import type { Condenser, HistoryTurn } from './condense.js';
import type { ConversationStore, Turn } from '../stores/conversations.js';
import { renumber } from './fusion.js';
import type { Reranker } from './rerank.js';
import type { Retriever } from './retrieval.js';
import type { AskEvent, AskOptions, AskResult, ConversationInput, StageTiming } from './types.js';

/**
 * Questions answered with citations: conversation -> condense a follow-up -> route, retrieve and
 * fuse (the Retriever) -> rerank -> answer, as one stream of events (`askStream`) or drained (`ask`).
 */
export class AskService {
  constructor(
    private readonly deps: {
      retriever: Retriever;
      reranker: Reranker | undefined;
      answerer: Answerer;
      condenser: Condenser;
      conversations: ConversationStore;
      config: Config['ask'];
      maxTurns: number;
      log: Logger;
    },
  ) {}

  /** The routing decision alone (the `route` query): what would be searched, and why. */
  route(question: string, opts: { routes?: Route[] | null; signal?: AbortSignal } = {}): Promise<RouteDecision> {
    return this.deps.retriever.route(question, opts);
  }

  /** The whole answer at once: the event stream of `askStream`, drained. */
  async ask(question: string, opts: AskOptions = {}): Promise<AskResult> {
    for await (const event of this.events(question, opts, false)) {
      if (event.kind === 'ASK_COMPLETED') return event.result;
    }
    throw new InternalError('the ask stream ended without a result');
  }

  /**
   * The answer as it is produced (for chat UIs): route decision, evidence per route, answer
   * deltas (LLM tokens), then the complete result with validated citations. Aborting
   * `opts.signal`, or stopping the iteration, stops the work in flight.
   */
  askStream(question: string, opts: AskOptions = {}): AsyncGenerator<AskEvent, void, undefined> {
    return this.events(question, opts, true);
  }

  /**
   * The one code path of `ask` and `askStream`: conversation -> condense -> route -> retrieve
   * (events per route) -> fuse -> rerank -> answer (deltas) -> store the turn -> completed.
   * `streamAnswer` only chooses how the answer is generated (LLM streaming or one call).
   */
  private async *events(question: string, opts: AskOptions, streamAnswer: boolean): AsyncGenerator<AskEvent, void, undefined> {
    const started = performance.now();
    const q = this.deps.retriever.checkQuestion(question);
    const conversation = await this.openConversation(opts.conversation);
    const stages: StageTiming[] = [];
    const warnings: string[] = [];

    let standalone = q;
    let condensedQuestion: string | null = null;
    if (conversation.history.length > 0) {
      const t = performance.now();
      const c = await this.deps.condenser.condense(q, conversation.history, opts.signal);
      standalone = c.question.trim().slice(0, this.deps.config.questionMaxChars) || q;
      condensedQuestion = standalone;
      stages.push({ stage: 'condense', ms: performance.now() - t, detail: `${c.by}${standalone === q ? ': unchanged' : ''}` });
      if (c.warning) warnings.push(c.warning);
    }
    throwIfAborted(opts.signal);

    const retrieved = yield* this.deps.retriever.retrieval(standalone, opts);
    const { decision } = retrieved;
    stages.push(...retrieved.stages);
    warnings.push(...retrieved.warnings);

    let evidence = retrieved.evidence;
    let rerankTrace: AskResult['trace']['rerank'] = null;
    if (this.deps.reranker && evidence.length > 1) {
      const t = performance.now();
      const before = evidence.map((e) => e.id);
      const out = await this.deps.reranker.rerank(standalone, evidence, opts.signal);
      if (out.warning) warnings.push(out.warning);
      evidence = renumber(out.evidence);
      rerankTrace = { reranker: this.deps.reranker.name, before, after: evidence.map((e) => e.id) };
      stages.push({ stage: 'rerank', ms: performance.now() - t, detail: this.deps.reranker.name });
    }
    throwIfAborted(opts.signal);

    const t = performance.now();
    let answer: Answer;
    if (decision.refusal) {
      answer = { text: `I can't help with that: ${decision.refusal}`, citations: [], grounded: false, mode: 'NONE', removedCitations: [], warnings: [] };
      yield { kind: 'ANSWER_DELTA', text: answer.text };
    } else if (streamAnswer) {
      answer = yield* deltas(this.deps.answerer.stream(standalone, evidence, opts.signal));
    } else {
      answer = await this.deps.answerer.answer(standalone, evidence, opts.signal);
      yield { kind: 'ANSWER_DELTA', text: answer.text };
    }
    stages.push({ stage: 'generate', ms: performance.now() - t, detail: answer.mode });
    warnings.push(...answer.warnings);
    throwIfAborted(opts.signal);

    const conversationId = await this.saveTurn(conversation, { question: q, standalone, answer: answer.text, at: Date.now() }, warnings);
    const result: AskResult = {
      question: q,
      conversationId,
      answer,
      evidence,
      decision,
      warnings,
      trace: { stages, rerank: rerankTrace, condensedQuestion, totalMs: performance.now() - started },
    };
    yield { kind: 'ASK_COMPLETED', result };
  }

  /** The earlier turns of the conversation, and where this turn will be stored. */
  private async openConversation(input: ConversationInput | null | undefined): Promise<{ id: string | null; store: boolean; history: HistoryTurn[] }> {
    if (!input) return { id: null, store: false, history: [] };
    const { id, history } = input;
    if (id != null && history != null) {
      throw new BadInputError('pass either conversation.id (a stored conversation) or conversation.history (turns you keep), not both', 'conversation');
    }
    if (id != null) {
      const turns = await this.deps.conversations.get(id);
      if (!turns) {
        throw new NotFoundError(
          `no conversation with id "${id}": it expired, was evicted, was lost in a restart, or was started on another instance; start a new one or pass history`,
          { id },
        );
      }
      return { id, store: true, history: turns };
    }
    if (history != null) {
      const turns = history.slice(-this.deps.maxTurns).map((h, i) => {
        const question = h.question.trim();
        if (!question) throw new BadInputError(`conversation.history[${i}].question is empty`, `conversation.history[${i}].question`);
        if (question.length > this.deps.config.questionMaxChars) {
          throw new BadInputError(`conversation.history[${i}].question is longer than ${this.deps.config.questionMaxChars} characters`, `conversation.history[${i}].question`);
        }
        return { question, answer: h.answer ?? null };
      });
      return { id: null, store: false, history: turns };
    }
    return { id: null, store: true, history: [] };
  }

  /** Stores the turn (a new conversation is created on its first answered turn); returns the conversation id. */
  private async saveTurn(conversation: { id: string | null; store: boolean }, turn: Turn, warnings: string[]): Promise<string | null> {
    if (!conversation.store) return null;
    if (conversation.id === null) return this.deps.conversations.create([turn]);
    if (await this.deps.conversations.append(conversation.id, turn)) return conversation.id;
    // Expired or evicted while this turn ran: keep the conversation going under a new id.
    warnings.push(`conversation "${conversation.id}" expired while this question was answered; it continues as a new conversation`);
    return this.deps.conversations.create([turn]);
  }
}

/** Answer text deltas as events; returns the final answer. Stopping early closes the source. */
async function* deltas(source: AsyncGenerator<string, Answer, undefined>): AsyncGenerator<AskEvent, Answer, undefined> {
  let done = false;
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) {
        done = true;
        return r.value;
      }
      if (r.value) yield { kind: 'ANSWER_DELTA', text: r.value };
    }
  } finally {
    if (!done) await source.return(undefined as never).catch(() => undefined);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TimeoutError('the question was cancelled', { reason: errorMessage(signal.reason) });
}
