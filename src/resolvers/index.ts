import type { Resolvers } from '../__generated__/resolvers-types.js';
import { AskResult, Evidence, GraphFactEvidence, ImageEvidence, TextEvidence, WebEvidence } from './Ask.js';
import { Entity, GraphPath, GraphSchemaInfo, Relationship } from './Entity.js';
import { Item } from './Item.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

export const resolvers: Resolvers = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  Query,
  Mutation,
  Item,
  Entity,
  GraphPath,
  Relationship,
  AskResult,
  Evidence,
  TextEvidence,
  ImageEvidence,
  GraphFactEvidence,
  WebEvidence,
  GraphSchemaInfo,
};
