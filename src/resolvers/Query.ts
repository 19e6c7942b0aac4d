import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { NotFoundError } from '../errors.js';
import { healthReport } from '../health.js';

/** Upper bound on the chunks one document query returns (Milvus caps one query window at 16384). */
const MAX_DOCUMENT_CHUNKS = 16_384;

export const Query: QueryResolvers = {
  health: (_p, _a, { services }) => healthReport(services),
  search: (_p, { input }, { services, signal }) => services.search.search(input, signal),
  item: async (_p, { id }, { services }) => {
    const [item] = await services.vectors.get([id]);
    if (!item) throw new NotFoundError(`no item with id "${id}"`, { id });
    return item;
  },
  document: async (_p, { id }, { services }) => {
    const chunks = await services.vectors.list({ documentId: id }, MAX_DOCUMENT_CHUNKS);
    if (chunks.length === 0) throw new NotFoundError(`no document with id "${id}"`, { id });
    return chunks.sort((a, b) => a.chunkIndex - b.chunkIndex);
  },
  stats: async (_p, _a, { services }) => ({ ...(await services.vectors.stats()), model: services.embedder.info().id }),
};
