import type {
  AskEventResolvers,
  AskOptions as AskOptionsInput,
  AskResultResolvers,
  ConversationInput,
  InputMaybe,
  EvidenceResolvers,
  GraphFactEvidenceResolvers,
  ImageEvidenceResolvers,
  TextEvidenceResolvers,
  WebEvidenceResolvers,
} from '../__generated__/resolvers-types.js';
import { InternalError } from '../errors.js';
import { evidenceText } from '../ask/evidence.js';
import type { AskOptions } from '../ask/types.js';

/** GraphQL `options` + `conversation` arguments -> AskService options (shared by `ask` and `askStream`). */
export function askOptions(options: InputMaybe<AskOptionsInput> | undefined, conversation: InputMaybe<ConversationInput> | undefined, signal: AbortSignal): AskOptions {
  return {
    ...(options?.routes ? { routes: options.routes } : {}),
    ...(options?.topK != null ? { topK: options.topK } : {}),
    ...(options?.modality ? { modality: options.modality } : {}),
    ...(options?.image ? { image: options.image } : {}),
    ...(options?.itemId != null ? { itemId: options.itemId } : {}),
    ...(options?.compose ? { compose: options.compose } : {}),
    ...(conversation ? { conversation } : {}),
    signal,
  };
}

const TYPE_OF = { TEXT: 'TextEvidence', IMAGE: 'ImageEvidence', GRAPH: 'GraphFactEvidence', WEB: 'WebEvidence' } as const;

export const Evidence: EvidenceResolvers = {
  __resolveType: (e) => TYPE_OF[e.kind],
};

const common = { text: evidenceText };

const itemOf = (e: Parameters<typeof evidenceText>[0]) => {
  if (e.kind === 'TEXT' || e.kind === 'IMAGE') return e.item;
  throw new InternalError(`evidence of kind ${e.kind} has no item`);
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

const EVENT_TYPE = { ROUTE_DECIDED: 'RouteDecided', EVIDENCE_FOUND: 'EvidenceFound', ANSWER_DELTA: 'AnswerDelta', ASK_COMPLETED: 'AskCompleted' } as const;

export const AskEvent: AskEventResolvers = {
  __resolveType: (e) => EVENT_TYPE[e.kind],
};
