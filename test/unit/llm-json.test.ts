import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Evidence } from '../../src/ask/evidence.js';
import { LlmReranker } from '../../src/ask/rerank.js';
import { parseJsonReply, type ChatRequest, type ChatResponse, type LlmClient } from '../../src/stores/llm.js';

const Schema = z.object({ ranking: z.array(z.number().int()) });

describe('parseJsonReply (the one parser of LLM JSON replies)', () => {
  it.each([
    ['bare JSON', '{"ranking": [2, 1]}'],
    ['a ```json fence', '```json\n{"ranking": [2, 1]}\n```'],
    ['a bare fence', '```\n{"ranking": [2, 1]}\n```'],
    ['prose around it', 'Sure! Here is the ranking: {"ranking": [2, 1]} Hope this helps.'],
  ])('accepts %s', (_what, text) => {
    expect(parseJsonReply(text, Schema)).toEqual({ ok: true, value: { ranking: [2, 1] } });
  });

  it.each([
    ['', 'the reply was empty'],
    ['I cannot rank these.', 'the reply is not JSON'],
    ['{"ranking": [2, 1]', 'the reply is not JSON'],
    ['{"ranking": "2, 1"}', 'the JSON does not match the schema (ranking: '],
    ['[2, 1]', 'the JSON does not match the schema (reply: '],
  ])('refuses %j, saying why', (text, problem) => {
    const r = parseJsonReply(text, Schema);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.problem).toContain(problem);
  });
});

describe('LlmReranker', () => {
  const llm = (text: string): LlmClient => ({
    model: 'stub',
    chat: async (_req: ChatRequest): Promise<ChatResponse> => ({ text }),
    // eslint-disable-next-line require-yield
    chatStream: async function* () {
      return undefined;
    },
  });
  const item = (id: string, text: string) => ({ id, modality: 'TEXT' as const, text, title: '', source: '', documentId: '', chunkIndex: 0, metadata: {}, createdAt: new Date(0), updatedAt: new Date(0) });
  const evidence: Evidence[] = [1, 2, 3].map((n) => ({
    kind: 'TEXT',
    item: item(`txt_${n}`, `passage ${n}`),
    id: `txt_${n}`,
    number: n,
    route: 'VECTOR',
    ranks: [{ route: 'VECTOR', rank: n, score: 1 / n }],
    fusedScore: 1 / n,
  }));

  it('reads a fenced reply (models fence JSON even when asked not to)', async () => {
    const out = await new LlmReranker(llm('```json\n{"ranking": [3, 1]}\n```')).rerank('q', evidence);
    expect(out.warning).toBeNull();
    expect(out.evidence.map((e) => e.id)).toEqual(['txt_3', 'txt_1', 'txt_2']);
  });

  it('keeps the fused order, with a warning, when the reply is unusable', async () => {
    const out = await new LlmReranker(llm('no idea')).rerank('q', evidence);
    expect(out.warning).toMatch(/unusable|failed/);
    expect(out.evidence.map((e) => e.id)).toEqual(['txt_1', 'txt_2', 'txt_3']);
  });
});
