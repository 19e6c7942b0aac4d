import { beforeAll, describe, expect, it } from 'vitest';
import { memoryRuntime } from '../fakes/memory-runtime.js';

/** Entity linking, bounded expansion and evidence ranking of the graph route, on the in-memory graph. */
let world: Awaited<ReturnType<typeof memoryRuntime>>;

beforeAll(async () => {
  world = await memoryRuntime();
  const { entities, ingest } = world.services;
  await entities.upsertEntities([
    { id: 'marie', name: 'Marie Curie', type: 'Person', aliases: ['Maria Sklodowska'], description: 'Physicist and chemist.' },
    { id: 'pierre', name: 'Pierre Curie', type: 'Person' },
    { id: 'irene', name: 'Irene Joliot-Curie', type: 'Person' },
    { id: 'nobel', name: 'Nobel Prize in Physics', type: 'Award' },
    { id: 'sorbonne', name: 'Sorbonne', type: 'Organization' },
    { id: 'paris', name: 'Paris', type: 'City' },
  ]);
  await entities.upsertRelationships([
    { from: 'marie', to: 'pierre', type: 'SPOUSE_OF' },
    { from: 'marie', to: 'nobel', type: 'WON' },
    { from: 'irene', to: 'marie', type: 'CHILD_OF' },
    { from: 'pierre', to: 'sorbonne', type: 'WORKED_AT' },
    { from: 'sorbonne', to: 'paris', type: 'LOCATED_IN' },
  ]);
  await ingest.ingestText({ text: 'Marie Curie discovered polonium and radium.', entityIds: ['marie'] });
});

describe('graph evidence on the in-memory graph', () => {
  it('links entities by name, alias and a misspelling', async () => {
    const { graphEvidence } = world.services;
    expect((await graphEvidence.linkEntities('What did Marie Curie win?', 5)).map((h) => h.entity.id)).toEqual(['marie']);
    expect((await graphEvidence.linkEntities('Who was Maria Sklodowska?', 5)).map((h) => h.entity.id)).toEqual(['marie']);
    expect((await graphEvidence.linkEntities('Where did Pierre Curei work?', 5)).map((h) => h.entity.id)).toContain('pierre');
  });

  it('the fact connecting two entities of the question ranks first', async () => {
    const r = await world.services.graphEvidence.evidence('How are Marie Curie and Pierre Curie related?', { mode: 'TEMPLATE' });
    expect(r.mode).toBe('TEMPLATE');
    expect(r.linkedEntities.map((h) => h.entity.id).sort()).toEqual(['marie', 'pierre']);
    expect(r.evidence[0]).toMatchObject({ kind: 'FACT', text: 'Marie Curie -[SPOUSE_OF]-> Pierre Curie', entityIds: ['marie', 'pierre'] });
  });

  it('a relationship type the question names outranks the other direct facts; farther facts rank lower', async () => {
    const r = await world.services.graphEvidence.evidence('Which prizes has Marie Curie won?', { mode: 'TEMPLATE', depth: 2 });
    const facts = r.evidence.filter((e) => e.kind === 'FACT').map((e) => e.text);
    expect(facts[0]).toBe('Marie Curie -[WON]-> Nobel Prize in Physics');
    const spouse = facts.indexOf('Marie Curie -[SPOUSE_OF]-> Pierre Curie');
    const twoHops = facts.indexOf('Pierre Curie -[WORKED_AT]-> Sorbonne');
    expect(spouse).toBeGreaterThan(0);
    expect(twoHops).toBeGreaterThan(spouse);
    expect(facts).not.toContain('Sorbonne -[LOCATED_IN]-> Paris'); // three hops away at depth 2
  });

  it('cites the entity description and the ingested texts that mention the entity', async () => {
    const r = await world.services.graphEvidence.evidence('Tell me about Marie Curie', { mode: 'TEMPLATE' });
    expect(r.evidence.find((e) => e.kind === 'ENTITY')?.text).toBe('Marie Curie (Person): Physicist and chemist.');
    const mention = r.evidence.find((e) => e.kind === 'MENTION');
    expect(mention?.text).toBe('"Marie Curie discovered polonium and radium." mentions Marie Curie');
    expect(mention?.itemIds).toHaveLength(1);
  });

  it('no linked entity, no evidence; asking for CYPHER without an LLM falls back and says why', async () => {
    expect((await world.services.graphEvidence.evidence('What is the weather like?')).evidence).toEqual([]);
    const r = await world.services.graphEvidence.evidence('Who was Marie Curie married to?', { mode: 'CYPHER' });
    expect(r.mode).toBe('TEMPLATE');
    expect(r.fallbackReason).toMatch(/needs an LLM/);
  });

  it('paths and neighbourhoods traverse the stored graph', async () => {
    const paths = await world.services.entities.paths('irene', 'sorbonne', {});
    expect(paths).toHaveLength(1);
    expect(paths[0]!.entities.map((e) => e.id)).toEqual(['irene', 'marie', 'pierre', 'sorbonne']);
    const n = await world.services.entities.neighbourhood('marie', { depth: 1 });
    expect(n.entities.map((e) => e.id).sort()).toEqual(['irene', 'marie', 'nobel', 'pierre']);
    expect(n.truncated).toBe(false);
    const capped = await world.services.entities.neighbourhood('marie', { depth: 2, limit: 2 });
    expect(capped.relationships).toHaveLength(2);
    expect(capped.truncated).toBe(true);
  });
});
