import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorCodes, inProcess, seed } from '../graphql.js';
import { testServices } from '../helpers.js';
import { start as startLlm, type OpenAiStub, type StubRequest } from '../stubs/openai-stub.js';

const ASK = `query($q: String!, $o: AskOptions, $c: ConversationInput) { ask(question: $q, options: $o, conversation: $c) {
  question conversationId warnings
  answer { text mode grounded }
  decision { routes { route query } }
  evidence { id text }
  trace { condensedQuestion stages { stage detail } } } }`;

type Gql = Awaited<ReturnType<typeof inProcess>>;


const GRAPH = { routes: ['GRAPH'] };

describe('conversations without an LLM (heuristic condensing)', () => {
  let ctx: Awaited<ReturnType<typeof testServices>>;
  let gql: Gql;
  beforeAll(async () => {
    ctx = await testServices({ CONVERSATION_MAX_TURNS: '2', CONVERSATION_TTL_MS: '1000', CONVERSATION_MAX_COUNT: '50' });
    gql = await inProcess(ctx.runtime);
    await seed((q) => gql.exec(q));
  });
  afterAll(async () => {
    await gql?.stop();
    await ctx?.cleanup();
  });

  it('a one-off question has no conversation and no condense stage', async () => {
    const r = await gql.exec(ASK, { q: 'Who was Marie Curie?', o: GRAPH });
    expect(r.errors).toBeUndefined();
    expect(r.data!.ask.conversationId).toBeNull();
    expect(r.data!.ask.trace.condensedQuestion).toBeNull();
    expect(r.data!.ask.trace.stages.map((s: { stage: string }) => s.stage)).not.toContain('condense');
  });

  it('id-based: a follow-up is condensed with the entity the previous turn named', async () => {
    const first = await gql.exec(ASK, { q: 'Who was Marie Curie?', o: GRAPH, c: {} });
    expect(first.errors).toBeUndefined();
    const id = first.data!.ask.conversationId as string;
    expect(id).toMatch(/^conv_/);
    expect(first.data!.ask.trace.condensedQuestion).toBeNull();

    const follow = await gql.exec(ASK, { q: 'and what about her husband?', o: GRAPH, c: { id } });
    expect(follow.errors).toBeUndefined();
    const a = follow.data!.ask;
    expect(a.question).toBe('and what about her husband?');
    expect(a.trace.condensedQuestion).toBe("what about Marie Curie's husband?");
    expect(a.trace.stages[0]).toMatchObject({ stage: 'condense', detail: 'HEURISTIC' });
    expect(a.conversationId).toBe(id);
    // The condensed question is what was routed and answered: the graph finds the spouse.
    expect(a.evidence.map((e: { text: string }) => e.text)).toContain('Marie Curie -[SPOUSE_OF]-> Pierre Curie');

    const turns = (await ctx.stores.conversations.get(id))!;
    expect(turns.map((t) => [t.question, t.standalone])).toEqual([
      ['Who was Marie Curie?', 'Who was Marie Curie?'],
      ['and what about her husband?', "what about Marie Curie's husband?"],
    ]);
  });

  it('a standalone question in a conversation is left as it is', async () => {
    const first = await gql.exec(ASK, { q: 'Who was Marie Curie?', o: GRAPH, c: {} });
    const r = await gql.exec(ASK, { q: 'What did Pierre Curie study?', o: GRAPH, c: { id: first.data!.ask.conversationId } });
    expect(r.data!.ask.trace.condensedQuestion).toBe('What did Pierre Curie study?');
    expect(r.data!.ask.trace.stages[0]).toMatchObject({ stage: 'condense', detail: 'HEURISTIC: unchanged' });
  });

  it('history-based: the caller passes the earlier turns; nothing is stored', async () => {
    const r = await gql.exec(ASK, {
      q: 'Who was her husband?',
      o: GRAPH,
      c: { history: [{ question: 'Tell me about Marie Curie', answer: 'Marie Curie was a physicist and chemist.' }] },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.ask.trace.condensedQuestion).toBe("Who was Marie Curie's husband?");
    expect(r.data!.ask.conversationId).toBeNull();
  });

  it('keeps at most CONVERSATION_MAX_TURNS turns per conversation (the latest)', async () => {
    const first = await gql.exec(ASK, { q: 'Who was Marie Curie?', o: GRAPH, c: {} });
    const id = first.data!.ask.conversationId as string;
    await gql.exec(ASK, { q: 'Who was Pierre Curie?', o: GRAPH, c: { id } });
    await gql.exec(ASK, { q: 'What did she discover?', o: GRAPH, c: { id } });
    const turns = (await ctx.stores.conversations.get(id))!;
    expect(turns.map((t) => t.question)).toEqual(['Who was Pierre Curie?', 'What did she discover?']);
  });

  it('a conversation expires CONVERSATION_TTL_MS after it was last used: NOT_FOUND', async () => {
    const first = await gql.exec(ASK, { q: 'Who was Marie Curie?', o: GRAPH, c: {} });
    const id = first.data!.ask.conversationId as string;
    await new Promise((r) => setTimeout(r, 1200));
    const r = await gql.exec(ASK, { q: 'and her husband?', o: GRAPH, c: { id } });
    expect(errorCodes(r)).toEqual(['NOT_FOUND']);
    expect(r.errors![0]!.message).toMatch(/another instance/);
  });

  it('an unknown id is NOT_FOUND; id and history together is BAD_USER_INPUT', async () => {
    expect(errorCodes(await gql.exec(ASK, { q: 'and her husband?', c: { id: 'conv_unknown' } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql.exec(ASK, { q: 'and her husband?', c: { id: 'conv_unknown', history: [{ question: 'Who?' }] } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql.exec(ASK, { q: 'and her husband?', c: { history: [{ question: '  ' }] } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('conversations with an LLM (stub): the condense prompt', () => {
  let llm: OpenAiStub;
  let ctx: Awaited<ReturnType<typeof testServices>>;
  let gql: Gql;
  const system = (req: StubRequest) => req.messages.find((m) => m.role === 'system')?.content ?? '';
  const isCondense = (req: StubRequest) => /standalone question/.test(system(req));
  const dispatcher = (condensed: string) => (req: StubRequest) => {
    const s = system(req);
    if (isCondense(req)) return { content: condensed };
    if (/rank evidence passages/i.test(s)) return { content: '{"ranking": [1]}' };
    if (/Answer the question using ONLY/.test(s)) return { content: 'Pierre Curie [1].' };
    if (/cypher/i.test(s)) return { content: '{"cypher": null, "reason": "use the template"}' };
    return { content: '{"routes": [{"route": "GRAPH", "query": "Marie Curie husband", "reason": "relationship", "confidence": 0.9}], "refuse": null}' };
  };

  beforeAll(async () => {
    llm = await startLlm();
    ctx = await testServices({ LLM_BASE_URL: llm.baseUrl, ROUTER_CACHE_SIZE: '0' });
    gql = await inProcess(ctx.runtime);
    await seed((q) => gql.exec(q));
  });
  afterAll(async () => {
    await gql?.stop();
    await ctx?.cleanup();
    await llm?.close();
  });
  beforeEach(() => llm.reset());

  it('id-based: the LLM rewrites the follow-up from the stored turns', async () => {
    for (let i = 0; i < 10; i++) llm.enqueue(dispatcher('{"question": "Who was the husband of Marie Curie?"}'));
    const first = await gql.exec(ASK, { q: 'Who was Marie Curie?', o: GRAPH, c: {} });
    expect(first.errors).toBeUndefined();
    expect(llm.requests.some(isCondense)).toBe(false); // nothing to condense on a first question

    const r = await gql.exec(ASK, { q: 'and what about her husband?', o: GRAPH, c: { id: first.data!.ask.conversationId } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.ask.trace.condensedQuestion).toBe('Who was the husband of Marie Curie?');
    expect(r.data!.ask.trace.stages[0]).toMatchObject({ stage: 'condense', detail: 'LLM' });
    const call = llm.requests.find(isCondense)!;
    const user = call.messages.find((m) => m.role === 'user')!.content;
    expect(user).toContain('User: Who was Marie Curie?');
    expect(user).toContain('Assistant: Pierre Curie [1].');
    expect(user).toContain('Last question: and what about her husband?');
  });

  it('history-based, and an unusable LLM reply falls back to the heuristic with a warning', async () => {
    for (let i = 0; i < 10; i++) llm.enqueue(dispatcher('I think you mean the husband.'));
    const r = await gql.exec(ASK, { q: 'and what about her husband?', o: GRAPH, c: { history: [{ question: 'Who was Marie Curie?' }] } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.ask.trace.condensedQuestion).toBe("what about Marie Curie's husband?");
    expect(r.data!.ask.trace.stages[0]).toMatchObject({ stage: 'condense', detail: 'HEURISTIC' });
    expect(r.data!.ask.warnings.some((w: string) => /could not condense.*heuristic/.test(w))).toBe(true);
  });
});
