import neo4j, { type Node as NeoNode, type Path as NeoPath, type Relationship as NeoRel } from 'neo4j-driver';
import type { JsonObject } from '../domain.js';
import { RESERVED_KEYS, relationshipId, type Entity, type GraphPath, type ItemNode, type Relationship } from './graph-store.js';

// Driver values (nodes, relationships, paths, integers) -> our domain objects and plain JSON.

export function modalityOfId(id: string): 'TEXT' | 'IMAGE' {
  return id.startsWith('img_') ? 'IMAGE' : 'TEXT';
}

export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (neo4j.isInt(v)) return v.toNumber();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof neo4j.types.Node) return { id: v.properties.id ?? v.elementId, labels: v.labels, ...(plainProps(v.properties) as object) };
  if (v instanceof neo4j.types.Relationship) return { id: v.properties.id ?? v.elementId, type: v.type, ...(plainProps(v.properties) as object) };
  if (v instanceof neo4j.types.Path) return { nodes: [v.start, ...v.segments.map((s) => s.end)].map(plain), relationships: v.segments.map((s) => plain(s.relationship)) };
  if (typeof v === 'object' && v.constructor === Object) return plainProps(v as Record<string, unknown>);
  if (typeof v === 'object') return String(v); // temporal and spatial values
  return v;
}

function plainProps(o: Record<string, unknown>): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'aliasText').map(([k, v]) => [k, plain(v)]));
}

export function toEntity(n: NeoNode): Entity {
  const p = n.properties as Record<string, unknown>;
  const properties: JsonObject = {};
  for (const [k, v] of Object.entries(p)) if (!RESERVED_KEYS.has(k)) properties[k] = plain(v);
  return {
    id: String(p.id),
    name: String(p.name ?? ''),
    type: String(p.type ?? ''),
    aliases: (p.aliases as string[] | undefined) ?? [],
    description: String(p.description ?? ''),
    properties,
    createdAt: new Date(Number(p.createdAt ?? 0)),
    updatedAt: new Date(Number(p.updatedAt ?? 0)),
  };
}

export function toRelationship(r: NeoRel, from: string, to: string): Relationship {
  const { id, ...props } = r.properties as Record<string, unknown>;
  return { id: String(id ?? relationshipId(from, r.type, to)), type: r.type, from, to, properties: plainProps(props) };
}

export function toPath(p: NeoPath): GraphPath {
  const nodes = [p.start, ...p.segments.map((s) => s.end)];
  return {
    entities: nodes.map(toEntity),
    relationships: p.segments.map((s) => {
      const startId = nodes.find((n) => n.elementId === s.relationship.startNodeElementId)!.properties.id as string;
      const endId = nodes.find((n) => n.elementId === s.relationship.endNodeElementId)!.properties.id as string;
      return toRelationship(s.relationship, startId, endId);
    }),
  };
}

export function toItemNode(n: NeoNode): ItemNode {
  const p = n.properties as Record<string, unknown>;
  return {
    id: String(p.id),
    modality: p.modality === 'IMAGE' ? 'IMAGE' : 'TEXT',
    documentId: String(p.documentId ?? ''),
    title: String(p.title ?? ''),
    source: String(p.source ?? ''),
    ...(typeof p.text === 'string' ? { text: p.text } : {}),
  };
}
