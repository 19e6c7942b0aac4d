import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { askOptions } from './Ask.js';

export const Query: QueryResolvers = {
  health: (_p, _a, { services }) => services.health.report(),
  search: async (_p, { input }, { services, signal }) =>
    input.routed ? services.routedSearch.search(input, signal) : { ...(await services.search.search(input, signal)), decision: null },
  ask: (_p, { question, options, conversation }, { services, signal }) => services.ask.ask(question, askOptions(options, conversation, signal)),
  route: (_p, { question }, { services, signal }) => services.ask.route(question, { signal }),
  item: (_p, { id }, { services }) => services.items.item(id),
  document: (_p, { id }, { services }) => services.items.document(id),
  stats: (_p, _a, { services }) => services.items.stats(),
  items: (_p, { filter, first, after }, { services }) => services.browse.connection(filter, first, after),
  documents: (_p, { filter, first, after }, { services }) => services.browse.documents(filter, first, after),
  entities: (_p, { type, first, after }, { services }) => services.browse.entities(type, first, after),
  relationships: (_p, { type, first, after }, { services }) => services.browse.relationships(type, first, after),
  entity: (_p, { id }, { services }) => services.entities.entity(id),
  searchEntities: (_p, { query, ...opts }, { services }) => services.entities.searchEntities(query, opts),
  neighbourhood: (_p, { id, ...opts }, { services }) => services.entities.neighbourhood(id, opts),
  paths: (_p, { from, to, ...opts }, { services }) => services.entities.paths(from, to, opts),
  graphEvidence: (_p, { question, options }, { services, signal }) =>
    services.graphEvidence.evidence(question, {
      ...(options?.mode ? { mode: options.mode } : {}),
      ...(options?.depth != null ? { depth: options.depth } : {}),
      ...(options?.limit != null ? { limit: options.limit } : {}),
      ...(options?.maxEntities != null ? { maxEntities: options.maxEntities } : {}),
      signal,
    }),
  graphSchema: (_p, _a, { services }) => services.entities.schema(),
};
