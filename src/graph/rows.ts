import type { JsonObject } from '../domain.js';
import type { GraphEvidence } from './evidence.js';

/** Neo4j's own element id (what a relationship without our `rel_` id, such as an item link, is known by). */
const ELEMENT_ID = /^\d+:[0-9a-f-]{36}:\d+$/;

/**
 * A relationship as the store returns it: our id (`rel_...`), or a link relationship that has none
 * (element id, a type, no labels). A map with a string `type` alone is not one: projections such as
 * `e{.id, .type}` are entities.
 */
function isRelationship(o: JsonObject, id: string): boolean {
  return id.startsWith('rel_') || (ELEMENT_ID.test(id) && typeof o.type === 'string' && !('labels' in o));
}

/** Cypher rows as evidence: one per row, with the ids of any nodes/relationships it holds. */
export function rowsToEvidence(rows: JsonObject[]): GraphEvidence[] {
  return rows.map((row, i) => {
    const entityIds: string[] = [];
    const relationshipIds: string[] = [];
    const itemIds: string[] = [];
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        const o = v as JsonObject;
        if (typeof o.id === 'string') {
          if (isRelationship(o, o.id)) relationshipIds.push(o.id);
          else if (/^(txt|img)_/.test(o.id)) itemIds.push(o.id);
          else entityIds.push(o.id);
        }
        Object.values(o).forEach(visit);
      }
    };
    Object.values(row).forEach(visit);
    const text = Object.entries(row)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v, (key, val) => (key === 'labels' ? undefined : val))}`)
      .join('; ');
    return { kind: 'ROW' as const, text, score: 1 / (i + 1), entityIds: [...new Set(entityIds)], relationshipIds: [...new Set(relationshipIds)], itemIds: [...new Set(itemIds)] };
  });
}
