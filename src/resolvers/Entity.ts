import type { EntityResolvers, GraphPathResolvers, GraphSchemaInfoResolvers, RelationshipResolvers } from '../__generated__/resolvers-types.js';

export const Entity: EntityResolvers = {
  description: (e) => e.description || null,
  neighbourhood: (e, args, { services }) => services.entities.neighbourhood(e.id, args),
  items: (e, { limit }, { services }) => services.entities.entityItems(e.id, limit ?? 20),
};

export const Relationship: RelationshipResolvers = {
  fromId: (r) => r.from,
  toId: (r) => r.to,
};

export const GraphPath: GraphPathResolvers = {
  length: (p) => p.relationships.length,
};

export const GraphSchemaInfo: GraphSchemaInfoResolvers = {
  relationshipTypes: (s) => s.relationshipTypes.map((r) => ({ type: r.type, fromTypes: r.from, toTypes: r.to })),
  propertyKeys: (s) => s.entityPropertyKeys,
  entities: (s) => s.counts.entities,
  relationships: (s) => s.counts.relationships,
  items: (s) => s.counts.items,
};
