import { graphql } from './gql';

// Every operation the app sends, typed by GraphQL Code Generator (client preset) from schema/.

export const ItemCardFields = graphql(`
  fragment ItemCard on Item {
    id
    modality
    text
    title
    source
    documentId
    chunkIndex
    metadata
    image { width height mime bytes url thumbnailUrl }
  }
`);

export const SearchQuery = graphql(`
  query Search($input: SearchInput!) {
    search(input: $input) {
      tookMs
      queryModality
      hits { rank score item { ...ItemCard } }
    }
  }
`);

export const AskStreamSubscription = graphql(`
  subscription AskStream($question: String!) {
    askStream(question: $question) {
      __typename
      ... on RouteDecided { decision { decidedBy refusal tookMs routes { route query reason confidence } } }
      ... on EvidenceFound { route ms error evidence { id } }
      ... on AnswerDelta { text }
      ... on AskCompleted {
        result {
          answer { text grounded mode citations { number evidenceId start end } removedCitations }
          evidence {
            __typename id number route fusedScore text
            ranks { route rank }
            ... on TextEvidence { item { id title source documentId } }
            ... on ImageEvidence { item { id text image { thumbnailUrl url } } }
            ... on GraphFactEvidence { kind entityIds itemIds }
            ... on WebEvidence { title url }
          }
          decision { decidedBy refusal tookMs routes { route query reason confidence } }
          warnings
          trace { totalMs stages { stage ms detail } }
        }
      }
    }
  }
`);

export const ItemsQuery = graphql(`
  query Items($filter: SearchFilter, $first: Int, $after: String) {
    items(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...ItemCard } }
    }
  }
`);

export const ItemQuery = graphql(`
  query Item($id: ID!) {
    item(id: $id) {
      ...ItemCard
      createdAt
      updatedAt
      entities { id name type }
    }
  }
`);

export const EntityQuery = graphql(`
  query Entity($id: ID!) {
    entity(id: $id) {
      id name type description aliases properties
      neighbourhood(depth: 2, limit: 100) { truncated entities { id name type } relationships { id type fromId toId } }
      items(limit: 24) { ...ItemCard }
    }
  }
`);

export const EntitySearchQuery = graphql(`
  query EntitySearch($query: String!) {
    searchEntities(query: $query, fuzzy: true, limit: 20) { score entity { id name type } }
  }
`);

export const EntitiesQuery = graphql(`
  query Entities($type: String, $after: String) {
    entities(type: $type, first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name type } }
    }
  }
`);

export const IngestBatchMutation = graphql(`
  mutation IngestBatch($items: [IngestItemInput!]!) {
    ingestBatch(items: $items) {
      ingested
      failed
      results { index ok itemIds documentId error { code message field } }
    }
  }
`);
