/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ItemCard on Item {\n    id\n    modality\n    text\n    title\n    source\n    documentId\n    chunkIndex\n    metadata\n    image { width height mime bytes url thumbnailUrl }\n  }\n": typeof types.ItemCardFragmentDoc,
    "\n  query Search($input: SearchInput!) {\n    search(input: $input) {\n      tookMs\n      queryModality\n      hits { rank score item { ...ItemCard } }\n    }\n  }\n": typeof types.SearchDocument,
    "\n  subscription AskStream($question: String!) {\n    askStream(question: $question) {\n      __typename\n      ... on RouteDecided { decision { decidedBy refusal tookMs routes { route query reason confidence } } }\n      ... on EvidenceFound { route ms error evidence { id } }\n      ... on AnswerDelta { text }\n      ... on AskCompleted {\n        result {\n          answer { text grounded mode citations { number evidenceId start end } removedCitations }\n          evidence {\n            __typename id number route fusedScore text\n            ranks { route rank }\n            ... on TextEvidence { item { id title source documentId } }\n            ... on ImageEvidence { item { id text image { thumbnailUrl url } } }\n            ... on GraphFactEvidence { kind entityIds itemIds }\n            ... on WebEvidence { title url }\n          }\n          decision { decidedBy refusal tookMs routes { route query reason confidence } }\n          warnings\n          trace { totalMs stages { stage ms detail } }\n        }\n      }\n    }\n  }\n": typeof types.AskStreamDocument,
    "\n  query Items($filter: SearchFilter, $first: Int, $after: String) {\n    items(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { ...ItemCard } }\n    }\n  }\n": typeof types.ItemsDocument,
    "\n  query Item($id: ID!) {\n    item(id: $id) {\n      ...ItemCard\n      createdAt\n      updatedAt\n      entities { id name type }\n    }\n  }\n": typeof types.ItemDocument,
    "\n  query Entity($id: ID!) {\n    entity(id: $id) {\n      id name type description aliases properties\n      neighbourhood(depth: 2, limit: 100) { truncated entities { id name type } relationships { id type fromId toId } }\n      items(limit: 24) { ...ItemCard }\n    }\n  }\n": typeof types.EntityDocument,
    "\n  query EntitySearch($query: String!) {\n    searchEntities(query: $query, fuzzy: true, limit: 20) { score entity { id name type } }\n  }\n": typeof types.EntitySearchDocument,
    "\n  query Entities($type: String, $after: String) {\n    entities(type: $type, first: 50, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name type } }\n    }\n  }\n": typeof types.EntitiesDocument,
    "\n  mutation IngestBatch($items: [IngestItemInput!]!) {\n    ingestBatch(items: $items) {\n      ingested\n      failed\n      results { index ok itemIds documentId error { code message field } }\n    }\n  }\n": typeof types.IngestBatchDocument,
};
const documents: Documents = {
    "\n  fragment ItemCard on Item {\n    id\n    modality\n    text\n    title\n    source\n    documentId\n    chunkIndex\n    metadata\n    image { width height mime bytes url thumbnailUrl }\n  }\n": types.ItemCardFragmentDoc,
    "\n  query Search($input: SearchInput!) {\n    search(input: $input) {\n      tookMs\n      queryModality\n      hits { rank score item { ...ItemCard } }\n    }\n  }\n": types.SearchDocument,
    "\n  subscription AskStream($question: String!) {\n    askStream(question: $question) {\n      __typename\n      ... on RouteDecided { decision { decidedBy refusal tookMs routes { route query reason confidence } } }\n      ... on EvidenceFound { route ms error evidence { id } }\n      ... on AnswerDelta { text }\n      ... on AskCompleted {\n        result {\n          answer { text grounded mode citations { number evidenceId start end } removedCitations }\n          evidence {\n            __typename id number route fusedScore text\n            ranks { route rank }\n            ... on TextEvidence { item { id title source documentId } }\n            ... on ImageEvidence { item { id text image { thumbnailUrl url } } }\n            ... on GraphFactEvidence { kind entityIds itemIds }\n            ... on WebEvidence { title url }\n          }\n          decision { decidedBy refusal tookMs routes { route query reason confidence } }\n          warnings\n          trace { totalMs stages { stage ms detail } }\n        }\n      }\n    }\n  }\n": types.AskStreamDocument,
    "\n  query Items($filter: SearchFilter, $first: Int, $after: String) {\n    items(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { ...ItemCard } }\n    }\n  }\n": types.ItemsDocument,
    "\n  query Item($id: ID!) {\n    item(id: $id) {\n      ...ItemCard\n      createdAt\n      updatedAt\n      entities { id name type }\n    }\n  }\n": types.ItemDocument,
    "\n  query Entity($id: ID!) {\n    entity(id: $id) {\n      id name type description aliases properties\n      neighbourhood(depth: 2, limit: 100) { truncated entities { id name type } relationships { id type fromId toId } }\n      items(limit: 24) { ...ItemCard }\n    }\n  }\n": types.EntityDocument,
    "\n  query EntitySearch($query: String!) {\n    searchEntities(query: $query, fuzzy: true, limit: 20) { score entity { id name type } }\n  }\n": types.EntitySearchDocument,
    "\n  query Entities($type: String, $after: String) {\n    entities(type: $type, first: 50, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name type } }\n    }\n  }\n": types.EntitiesDocument,
    "\n  mutation IngestBatch($items: [IngestItemInput!]!) {\n    ingestBatch(items: $items) {\n      ingested\n      failed\n      results { index ok itemIds documentId error { code message field } }\n    }\n  }\n": types.IngestBatchDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ItemCard on Item {\n    id\n    modality\n    text\n    title\n    source\n    documentId\n    chunkIndex\n    metadata\n    image { width height mime bytes url thumbnailUrl }\n  }\n"): typeof import('./graphql').ItemCardFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Search($input: SearchInput!) {\n    search(input: $input) {\n      tookMs\n      queryModality\n      hits { rank score item { ...ItemCard } }\n    }\n  }\n"): typeof import('./graphql').SearchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AskStream($question: String!) {\n    askStream(question: $question) {\n      __typename\n      ... on RouteDecided { decision { decidedBy refusal tookMs routes { route query reason confidence } } }\n      ... on EvidenceFound { route ms error evidence { id } }\n      ... on AnswerDelta { text }\n      ... on AskCompleted {\n        result {\n          answer { text grounded mode citations { number evidenceId start end } removedCitations }\n          evidence {\n            __typename id number route fusedScore text\n            ranks { route rank }\n            ... on TextEvidence { item { id title source documentId } }\n            ... on ImageEvidence { item { id text image { thumbnailUrl url } } }\n            ... on GraphFactEvidence { kind entityIds itemIds }\n            ... on WebEvidence { title url }\n          }\n          decision { decidedBy refusal tookMs routes { route query reason confidence } }\n          warnings\n          trace { totalMs stages { stage ms detail } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').AskStreamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Items($filter: SearchFilter, $first: Int, $after: String) {\n    items(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { ...ItemCard } }\n    }\n  }\n"): typeof import('./graphql').ItemsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Item($id: ID!) {\n    item(id: $id) {\n      ...ItemCard\n      createdAt\n      updatedAt\n      entities { id name type }\n    }\n  }\n"): typeof import('./graphql').ItemDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Entity($id: ID!) {\n    entity(id: $id) {\n      id name type description aliases properties\n      neighbourhood(depth: 2, limit: 100) { truncated entities { id name type } relationships { id type fromId toId } }\n      items(limit: 24) { ...ItemCard }\n    }\n  }\n"): typeof import('./graphql').EntityDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EntitySearch($query: String!) {\n    searchEntities(query: $query, fuzzy: true, limit: 20) { score entity { id name type } }\n  }\n"): typeof import('./graphql').EntitySearchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Entities($type: String, $after: String) {\n    entities(type: $type, first: 50, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name type } }\n    }\n  }\n"): typeof import('./graphql').EntitiesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IngestBatch($items: [IngestItemInput!]!) {\n    ingestBatch(items: $items) {\n      ingested\n      failed\n      results { index ok itemIds documentId error { code message field } }\n    }\n  }\n"): typeof import('./graphql').IngestBatchDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
