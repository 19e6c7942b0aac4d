import type { LlmPurpose, Telemetry } from '../telemetry.js';
import type { ChatRequest, ChatResponse, ChatUsage, LlmClient } from './llm.js';

/** An LlmClient that reports each call (purpose, latency, tokens) to telemetry. */
export function meteredLlm(llm: LlmClient, telemetry: Telemetry, purpose: LlmPurpose): LlmClient {
  return {
    get model() {
      return llm.model;
    },
    async chat(req: ChatRequest): Promise<ChatResponse> {
      const started = performance.now();
      try {
        const res = await llm.chat(req);
        telemetry.llmCall(purpose, performance.now() - started, true, res.usage);
        return res;
      } catch (err) {
        telemetry.llmCall(purpose, performance.now() - started, false);
        throw err;
      }
    },
    async *chatStream(req: ChatRequest): AsyncGenerator<string, ChatUsage | undefined, undefined> {
      const started = performance.now();
      let reported = false;
      try {
        const usage = yield* llm.chatStream(req);
        reported = true;
        telemetry.llmCall(purpose, performance.now() - started, true, usage);
        return usage;
      } finally {
        // A failure, or a consumer that stopped early (cancelled): a call that did not complete.
        if (!reported) telemetry.llmCall(purpose, performance.now() - started, false);
      }
    },
  };
}
