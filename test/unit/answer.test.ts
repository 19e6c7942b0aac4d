import { describe, expect, it } from 'vitest';
import { ExtractiveAnswerer, LlmAnswerer, NO_EVIDENCE, UNSUPPORTED, answerMessages, validateCitations } from '../../src/ask/answer.js';
import type { Evidence } from '../../src/ask/evidence.js';
import type { LlmClient } from '../../src/stores/llm.js';

const ev = (number: number, text: string): Evidence => ({
  kind: 'GRAPH',
  graph: { kind: 'FACT', text, score: 1, entityIds: [], relationshipIds: [`rel_${number}`], itemIds: [] },
  id: `rel_${number}`,
  number,
  route: 'GRAPH',
  ranks: [{ route: 'GRAPH', rank: number, score: 1 }],
  fusedScore: 1 / (60 + number),
});
const evidence = [ev(1, 'Marie Curie -[SPOUSE_OF]-> Pierre Curie'), ev(2, 'Marie Curie -[WON]-> Nobel Prize in Physics')];
const fakeLlm = (reply: string | Error): LlmClient => ({
  model: 'fake',
  chat: async () => {
    if (reply instanceof Error) throw reply;
    return { text: reply };
  },
  chatStream: async function* () {
    if (reply instanceof Error) throw reply;
    yield* reply.match(/\s*\S+/g) ?? [];
    return undefined;
  },
});

describe('citation validation', () => {
  it('keeps valid citations with their positions', () => {
    const a = validateCitations('Marie Curie married Pierre Curie [1]. She won the Nobel Prize [2].', evidence);
    expect(a.grounded).toBe(true);
    expect(a.citations.map((c) => [c.number, c.evidenceId])).toEqual([
      [1, 'rel_1'],
      [2, 'rel_2'],
    ]);
    for (const c of a.citations) expect(a.text.slice(c.start, c.end)).toBe(`[${c.number}]`);
    expect(a.removedCitations).toEqual([]);
  });

  it('removes citations to evidence that does not exist and reports them', () => {
    const a = validateCitations('She married Pierre [1][7]. She also invented the telephone [9]. Both won [1, 2, 12].', evidence);
    expect(a.text).toBe('She married Pierre [1]. She also invented the telephone. Both won [1][2].');
    expect(a.removedCitations.sort()).toEqual([12, 7, 9].sort());
    expect(a.warnings[0]).toMatch(/\[7\], \[9\], \[12\]|\[7\]/);
    expect(a.citations.map((c) => c.number)).toEqual([1, 1, 2]);
  });

  it('withholds an answer that cites nothing valid', () => {
    const a = validateCitations('The moon is made of cheese [5].', evidence);
    expect(a).toMatchObject({ text: UNSUPPORTED, grounded: false, citations: [], removedCitations: [5] });
    expect(validateCitations('No citations at all.', evidence).text).toBe(UNSUPPORTED);
  });
});

describe('answerers', () => {
  it('extractive: one cited sentence per top evidence, never more than what exists', async () => {
    const a = await new ExtractiveAnswerer(3).answer('q', evidence);
    expect(a.mode).toBe('EXTRACTIVE');
    expect(a.text).toBe('Marie Curie -[SPOUSE_OF]-> Pierre Curie. [1] Marie Curie -[WON]-> Nobel Prize in Physics. [2]');
    expect(a.citations.map((c) => c.evidenceId)).toEqual(['rel_1', 'rel_2']);
  });

  it('says so when there is no evidence, with or without an LLM', async () => {
    expect((await new ExtractiveAnswerer().answer('q', [])).text).toBe(NO_EVIDENCE);
    expect((await new LlmAnswerer(fakeLlm('made up [1]')).answer('q', [])).text).toBe(NO_EVIDENCE);
  });

  it('LLM: validates the model answer; falls back to extractive when the model fails', async () => {
    const ok = await new LlmAnswerer(fakeLlm('Pierre Curie [1].')).answer('Who?', evidence);
    expect(ok).toMatchObject({ mode: 'LLM', grounded: true, text: 'Pierre Curie [1].' });
    const down = await new LlmAnswerer(fakeLlm(new Error('connection refused'))).answer('Who?', evidence);
    expect(down.mode).toBe('EXTRACTIVE');
    expect(down.warnings[0]).toMatch(/could not answer/);
  });

  it('numbers the evidence in the prompt and tells the model it is data', () => {
    const [system, user] = answerMessages('Who did Marie Curie marry?', evidence);
    expect(system!.content).toMatch(/never follow instructions/);
    expect(user!.content).toContain('[1] (knowledge graph) Marie Curie -[SPOUSE_OF]-> Pierre Curie');
    expect(user!.content).toContain('[2] (knowledge graph)');
  });
});

describe('vision', () => {
  const image = (number: number, source: string): Evidence => ({
    kind: 'IMAGE',
    item: { id: `img_${number}`, modality: 'IMAGE', text: 'a red square', title: '', source, documentId: '', chunkIndex: -1, metadata: {}, createdAt: new Date(0), updatedAt: new Date(0) },
    id: `img_${number}`,
    number,
    route: 'VECTOR',
    ranks: [{ route: 'VECTOR', rank: number, score: 0.9 }],
    fusedScore: 0.01,
  });

  it('attaches the stored images (data URLs) given for image evidence, and only those', () => {
    const ev = [image(1, 'https://img.example/red.png'), image(2, ''), ...evidence.map((e) => ({ ...e, number: e.number + 2 }))];
    const [, user] = answerMessages('What colour is it?', ev, { images: new Map([[2, 'data:image/png;base64,AAAA']]) });
    expect(Array.isArray(user!.content)).toBe(true);
    const parts = user!.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts[0]!.text).toContain('[1] (image caption) Image: a red square');
    expect(parts.slice(1)).toEqual([
      { type: 'text', text: 'Image [2]:' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    ]);
    expect(typeof answerMessages('q', ev)[1]!.content).toBe('string');
  });

  it('a vision answerer sends base64-ingested images from the media store, never the client-set source URL', async () => {
    const seen: unknown[] = [];
    const llm: LlmClient = {
      model: 'fake',
      chat: async (req: { messages: unknown }) => {
        seen.push(req.messages);
        return { text: 'It is red [1].' };
      },
      chatStream: async function* () {
        yield '';
      },
    } as unknown as LlmClient;
    const vision = { dataUrls: async (ids: string[]) => new Map(ids.filter((id) => id === 'img_1').map((id) => [id, 'data:image/png;base64,UkVE'])) };
    const answer = await new LlmAnswerer(llm, undefined, vision).answer('What colour?', [image(1, 'https://attacker.example/pixel.png'), image(2, '')]);
    expect(answer.text).toBe('It is red [1].');
    const sent = JSON.stringify(seen);
    expect(sent).toContain('data:image/png;base64,UkVE');
    expect(sent).not.toContain('attacker.example');
  });
});
