import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { topK as checkTopK } from '../ingest/validate.js';
import { healthReport } from '../health.js';
import { askOptions } from './Ask.js';

/** Upper bound on the chunks one document query returns (Milvus caps one query window at 16384). */
const MAX_DOCUMENT_CHUNKS = 16_384;

export const Query: QueryResolvers = {
  health: (_p, _a, { services }) => healthReport(services),
  search: async (_p, { input }, { services, signal }) => {
    if (!input.routed) return { ...(await services.search.search(input, signal)), decision: null, warnings: [] };
    if (!input.text) throw new BadInputError('a routed search needs input.text (the router routes questions)', 'input.text');
    const started = performance.now();
    const topK = checkTopK(input.topK, services.config.limits.searchMaxTopK, 'input.topK');
    const modality = input.filter?.modality ?? null;
    const res = await services.ask.routedSearch(input.text, { topK, modality, signal });
    return { ...res, queryModality: 'TEXT' as const, tookMs: performance.now() - started };
  },
  ask: (_p, { question, options, conversation }, { services, signal }) => services.ask.ask(question, askOptions(options, conversation, signal)),
  route: (_p, { question }, { services, signal }) => services.ask.route(question, { signal }),
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
  entity: (_p, { id }, { services }) => services.graphs.entity(id),
  searchEntities: (_p, { query, ...opts }, { services }) => services.graphs.searchEntities(query, opts),
  neighbourhood: (_p, { id, ...opts }, { services }) => services.graphs.neighbourhood(id, opts),
  paths: (_p, { from, to, ...opts }, { services }) => services.graphs.paths(from, to, opts),
  graphEvidence: (_p, { question, options }, { services, signal }) =>
    services.graphs.evidence(question, {
      ...(options?.mode ? { mode: options.mode } : {}),
      ...(options?.depth != null ? { depth: options.depth } : {}),
      ...(options?.limit != null ? { limit: options.limit } : {}),
      ...(options?.maxEntities != null ? { maxEntities: options.maxEntities } : {}),
      signal,
    }),
  graphSchema: (_p, _a, { services }) => services.graph.schema(),
};
