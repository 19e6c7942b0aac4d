import { createRequire } from 'node:module';
import * as graphql from 'graphql';
import { describe, expect, it } from 'vitest';

describe('test setup', () => {
  it('loads one copy of graphql, the one Apollo and graphql-ws use', () => {
    const cjs = createRequire(import.meta.url)('graphql') as typeof graphql;
    expect(graphql.GraphQLError).toBe(cjs.GraphQLError);
  });
});
