import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types are generated from schema/*.graphql; nobody edits src/__generated__ by hand.
// `npm run codegen:check` fails CI when the generated file and the SDL disagree.
const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/__generated__/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useIndexSignature: true,
        contextType: '../context.js#Context',
        useTypeImports: true,
        enumsAsTypes: true,
        defaultScalarType: 'unknown',
        scalars: { JSON: 'unknown', DateTime: 'Date | string', ID: 'string' },
        mappers: {
          Item: '../domain.js#StoredItem',
          SearchHit: '../domain.js#SearchHitModel',
          Health: '../domain.js#HealthReport',
          Entity: '../stores/graph-store.js#Entity',
          Relationship: '../stores/graph-store.js#Relationship',
          Subgraph: '../stores/graph-store.js#Subgraph',
          GraphPath: '../stores/graph-store.js#GraphPath',
          EntityHit: '../stores/graph-store.js#EntityHit',
          GraphRetrieval: '../graph/evidence.js#GraphRetrieval',
          GraphEvidence: '../graph/evidence.js#GraphEvidence',
          GraphSchemaInfo: '../stores/graph-store.js#GraphSchema',
          AskResult: '../ask/types.js#AskResult',
          AskEvent: '../ask/types.js#AskEvent',
          RouteDecided: '../ask/types.js#RouteDecidedEvent',
          EvidenceFound: '../ask/types.js#EvidenceFoundEvent',
          AnswerDelta: '../ask/types.js#AnswerDeltaEvent',
          AskCompleted: '../ask/types.js#AskCompletedEvent',
          Evidence: '../ask/evidence.js#Evidence',
          TextEvidence: '../ask/evidence.js#Evidence',
          ImageEvidence: '../ask/evidence.js#Evidence',
          GraphFactEvidence: '../ask/evidence.js#Evidence',
          WebEvidence: '../ask/evidence.js#Evidence',
          Answer: '../ask/answer.js#Answer',
          RouteDecision: '../router/index.js#RouteDecision',
        },
        mapperTypeSuffix: 'Model',
        avoidOptionals: false,
        immutableTypes: false,
      },
    },
    // The web app's operations, typed from the same schema (client preset). documentMode 'string'
    // sends plain query strings: no GraphQL parser in the browser bundle.
    'web/src/gql/': {
      documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { documentMode: 'string', enumsAsTypes: true, useTypeImports: true, scalars: { JSON: 'unknown', DateTime: 'string', ID: 'string' } },
    },
  },
  hooks: { afterOneFileWrite: [] },
};

export default config;
