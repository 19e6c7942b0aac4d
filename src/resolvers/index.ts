import type { Resolvers } from '../__generated__/resolvers-types.js';
import { AskEvent, AskResult, Evidence, GraphFactEvidence, ImageEvidence, TextEvidence, WebEvidence } from './Ask.js';
import { Entity, GraphPath, GraphSchemaInfo, Relationship } from './Entity.js';
import { Item, SearchHit } from './Item.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';
import { Subscription } from './Subscription.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

export const resolvers: Resolvers = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  Query,
  Mutation,
  Subscription,
  Item,
  SearchHit,
  Entity,
  GraphPath,
  Relationship,
  AskResult,
  AskEvent,
  Evidence,
  TextEvidence,
  ImageEvidence,
  GraphFactEvidence,
  WebEvidence,
  GraphSchemaInfo,
};
