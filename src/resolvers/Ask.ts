import type {
  AskResultResolvers,
  EvidenceResolvers,
  GraphFactEvidenceResolvers,
  ImageEvidenceResolvers,
  TextEvidenceResolvers,
  WebEvidenceResolvers,
} from '../__generated__/resolvers-types.js';
import { AppError } from '../errors.js';
import { evidenceText } from '../ask/evidence.js';

const TYPE_OF = { TEXT: 'TextEvidence', IMAGE: 'ImageEvidence', GRAPH: 'GraphFactEvidence', WEB: 'WebEvidence' } as const;

export const Evidence: EvidenceResolvers = {
  __resolveType: (e) => TYPE_OF[e.kind],
};

const common = { text: evidenceText };

const itemOf = (e: Parameters<typeof evidenceText>[0]) => {
  if (e.kind === 'TEXT' || e.kind === 'IMAGE') return e.item;
  throw new AppError('INTERNAL_SERVER_ERROR', `evidence of kind ${e.kind} has no item`);
};

export const TextEvidence: TextEvidenceResolvers = { ...common, item: itemOf };
export const ImageEvidence: ImageEvidenceResolvers = { ...common, item: itemOf };

export const GraphFactEvidence: GraphFactEvidenceResolvers = {
  ...common,
  kind: (e) => (e.kind === 'GRAPH' ? e.graph.kind : 'FACT'),
  entityIds: (e) => (e.kind === 'GRAPH' ? e.graph.entityIds : []),
  relationshipIds: (e) => (e.kind === 'GRAPH' ? e.graph.relationshipIds : []),
  itemIds: (e) => (e.kind === 'GRAPH' ? e.graph.itemIds : []),
};

export const WebEvidence: WebEvidenceResolvers = {
  ...common,
  title: (e) => (e.kind === 'WEB' ? e.web.title : ''),
  url: (e) => (e.kind === 'WEB' ? e.web.url : ''),
  snippet: (e) => (e.kind === 'WEB' ? e.web.snippet : ''),
  publishedAt: (e) => (e.kind === 'WEB' ? e.web.publishedAt : null),
  provider: (e) => (e.kind === 'WEB' ? e.web.provider : ''),
};

export const AskResult: AskResultResolvers = {
  warnings: (r) => [...new Set(r.warnings)],
};
