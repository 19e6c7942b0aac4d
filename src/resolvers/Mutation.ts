import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  ingestText: (_p, { input }, { services }) => services.ingest.ingestText(input),
  ingestImage: async (_p, { input }, { services, signal }) => ({ item: await services.ingest.ingestImage(input, signal) }),
  ingestBatch: async (_p, { items }, { services, signal }) => {
    const results = await services.ingest.ingestBatch(items, signal);
    return { ingested: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results };
  },
  upsertEntities: (_p, { entities }, { services }) => services.entities.upsertEntities(entities),
  upsertRelationships: (_p, { relationships }, { services }) => services.entities.upsertRelationships(relationships),
  linkItem: (_p, { itemId, entityIds }, { services }) => services.entities.linkItem(itemId, entityIds),
  deleteEntity: (_p, { id }, { services }) => services.entities.deleteEntity(id),
  deleteRelationship: (_p, { id }, { services }) => services.browse.deleteRelationship(id),
  updateItemMetadata: (_p, { id, metadata }, { services }) => services.browse.updateItemMetadata(id, metadata),
  deleteItem: async (_p, { id }, { services }) => ({ id, deleted: await services.ingest.delete(id) }),
};
