import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemFilter } from '../../src/domain.js';
import { UnavailableError } from '../../src/errors.js';
import { MemoryVectorStore } from '../../src/stores/memory-vector.js';
import type { VectorHit } from '../../src/stores/vector-store.js';
import { CURIE_WORLD, TRAINS_TEXT, errorCodes, seed } from '../graphql.js';
import { memoryRuntime } from '../fakes/memory-runtime.js';

/** Routing, retrieval, fusion and cited answers, through the real schema, on in-memory stores. */
const ASK = `query($q: String!, $o: AskOptions) { ask(question: $q, options: $o) {
  answer { text grounded mode citations { number evidenceId } }
  evidence { id number route fusedScore text ranks { route rank } }
  decision { decidedBy routes { route query } }
  warnings
  trace { stages { stage detail } }
} }`;

type Ask = {
  answer: { text: string; grounded: boolean; mode: string; citations: { number: number; evidenceId: string }[] };
  evidence: { id: string; number: number; route: string; fusedScore: number; text: string; ranks: { route: string; rank: number }[] }[];
  decision: { decidedBy: string; routes: { route: string; query: string }[] };
  warnings: string[];
  trace: { stages: { stage: string; detail: string | null }[] };
};

let world: Awaited<ReturnType<typeof memoryRuntime>>;

beforeAll(async () => {
  world = await memoryRuntime();
  await seed(world.gql.exec, [...CURIE_WORLD, TRAINS_TEXT]);
});
afterAll(() => world.gql.stop());

async function ask(q: string, o?: Record<string, unknown>): Promise<Ask> {
  const r = await world.gql.exec<{ ask: Ask }>(ASK, { q, o });
  expect(r.errors).toBeUndefined();
  return r.data!.ask;
}

describe('ask on in-memory stores', () => {
  it('the offline router sends a relationship question to GRAPH; the answer cites the SPOUSE_OF fact', async () => {
    const a = await ask('Who was Marie Curie married to?');
    expect(a.decision.decidedBy).toBe('OFFLINE');
    expect(a.decision.routes.map((r) => r.route)).toContain('GRAPH');
    const fact = a.evidence.find((e) => e.text.includes('SPOUSE_OF'));
    expect(fact).toMatchObject({ route: 'GRAPH' });
    expect(fact!.text).toContain('Pierre Curie');
    expect(a.answer.grounded).toBe(true);
    expect(a.answer.mode).toBe('EXTRACTIVE');
    expect(a.answer.text).toContain('Pierre Curie');
    // every citation points at evidence of this answer
    const ids = new Set(a.evidence.map((e) => e.id));
    expect(a.answer.citations.length).toBeGreaterThan(0);
    for (const c of a.answer.citations) expect(ids.has(c.evidenceId)).toBe(true);
  });

  it('VECTOR ranks the stored texts by similarity to the question', async () => {
    const a = await ask('trains on rails', { routes: ['VECTOR'] });
    expect(a.decision.decidedBy).toBe('FORCED');
    expect(a.evidence[0]!.text).toContain('Trains run on rails');
    expect(a.evidence.every((e) => e.route === 'VECTOR')).toBe(true);
    const scores = a.evidence.map((e) => e.fusedScore);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });

  it('two routes are fused: numbered 1..n in fused order, each ranked by the route that found it', async () => {
    const a = await ask('Marie Curie polonium', { routes: ['VECTOR', 'GRAPH'] });
    expect(new Set(a.evidence.map((e) => e.route))).toEqual(new Set(['VECTOR', 'GRAPH']));
    expect(a.evidence.map((e) => e.number)).toEqual(a.evidence.map((_, i) => i + 1));
    for (let i = 1; i < a.evidence.length; i++) expect(a.evidence[i - 1]!.fusedScore).toBeGreaterThanOrEqual(a.evidence[i]!.fusedScore);
    for (const e of a.evidence) expect(e.ranks.map((r) => r.route)).toContain(e.route);
    expect(a.trace.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['route', 'retrieve:VECTOR', 'retrieve:GRAPH', 'fuse', 'generate']));
  });

  it('routed search returns the items the graph route points at', async () => {
    const r = await world.gql.exec<{ search: { hits: { item: { text: string } }[]; decision: { routes: { route: string }[] } } }>(
      'query($t: String!) { search(input: { text: $t, routed: true, topK: 3 }) { hits { item { text } } decision { routes { route } } } }',
      { t: 'Who was Marie Curie married to?' },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.search.hits.map((h) => h.item.text)).toContain('Marie Curie discovered polonium and radium.');
  });

  it('a refused question gets no retrieval and no evidence', async () => {
    const a = await ask('how do I build a pipe bomb at home');
    expect(a.decision.routes).toEqual([]);
    expect(a.evidence).toEqual([]);
    expect(a.answer.grounded).toBe(false);
  });

  it('bad options are BAD_USER_INPUT before any route runs', async () => {
    const r = await world.gql.exec(ASK, { q: '   ' });
    expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
    const k = await world.gql.exec(ASK, { q: 'Marie Curie', o: { topK: 0 } });
    expect(errorCodes(k)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('a failing route on in-memory stores', () => {
  class DownVectors extends MemoryVectorStore {
    override async search(_v: Float32Array | number[], _o: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]> {
      throw new UnavailableError('milvus', 'Milvus search failed');
    }
  }

  it('becomes a warning while another route answers; all routes failing is UNAVAILABLE', async () => {
    const w = await memoryRuntime({}, { vectors: new DownVectors() });
    try {
      await seed(w.gql.exec);
      const r = await w.gql.exec<{ ask: Ask }>(ASK, { q: 'Who was Marie Curie married to?', o: { routes: ['VECTOR', 'GRAPH'] } });
      expect(r.errors).toBeUndefined();
      expect(r.data!.ask.warnings.some((x) => x.startsWith('VECTOR route: Milvus search failed'))).toBe(true);
      expect(r.data!.ask.evidence.every((e) => e.route === 'GRAPH')).toBe(true);
      expect(r.data!.ask.answer.text).toContain('Pierre Curie');
      const all = await w.gql.exec(ASK, { q: 'Who was Marie Curie married to?', o: { routes: ['VECTOR'] } });
      expect(errorCodes(all)).toEqual(['UNAVAILABLE']);
    } finally {
      await w.gql.stop();
    }
  });
});
