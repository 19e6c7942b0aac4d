import type { ItemResolvers, SearchHitResolvers } from '../__generated__/resolvers-types.js';
import { imageInfo } from '../media/image-info.js';

// Stored items use '' and -1 for "not applicable"; GraphQL shows null instead.
export const Item: ItemResolvers = {
  title: (i) => i.title || null,
  source: (i) => i.source || null,
  documentId: (i) => i.documentId || null,
  chunkIndex: (i) => (i.chunkIndex >= 0 ? i.chunkIndex : null),
  image: (i) => imageInfo(i),
  entities: (i, _a, { services }) => services.browse.entitiesOf(i.id),
};

/** Routed search fuses routes, not signals: its hits carry none. */
export const SearchHit: SearchHitResolvers = {
  signals: (h) => h.signals ?? [],
};
