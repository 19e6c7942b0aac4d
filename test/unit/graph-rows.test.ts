import { describe, expect, it } from 'vitest';
import { rowsToEvidence } from '../../src/graph/rows.js';

describe('rowsToEvidence (Cypher rows -> citable ids)', () => {
  it('an entity projection such as e{.id,.type} is an entity, not a relationship', () => {
    const [ev] = rowsToEvidence([{ e: { id: 'ent_curie', type: 'Person' } }]);
    expect(ev!.entityIds).toEqual(['ent_curie']);
    expect(ev!.relationshipIds).toEqual([]);
  });

  it('classifies nodes, relationships (ours and links without an id) and items', () => {
    const [ev] = rowsToEvidence([
      {
        a: { id: 'ent_marie', labels: ['Entity'], name: 'Marie Curie', type: 'Person' },
        r: { id: 'rel_0123', type: 'SPOUSE_OF', since: 1895 },
        link: { id: '5:9b1c2d3e-aaaa-bbbb-cccc-0123456789ab:42', type: 'MENTIONS' },
        i: { id: 'txt_abc', labels: ['Item'], text: 'Marie married Pierre.' },
        names: ['Pierre Curie'],
      },
    ]);
    expect(ev!.entityIds).toEqual(['ent_marie']);
    expect(ev!.relationshipIds).toEqual(['rel_0123', '5:9b1c2d3e-aaaa-bbbb-cccc-0123456789ab:42']);
    expect(ev!.itemIds).toEqual(['txt_abc']);
    expect(ev!.text).toContain('Marie Curie');
  });

  it('scores rows by their order', () => {
    const ev = rowsToEvidence([{ n: 1 }, { n: 2 }]);
    expect(ev.map((e) => e.score)).toEqual([1, 0.5]);
  });
});
