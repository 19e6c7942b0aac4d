import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { requestHooksPlugin, type RequestHooksFactory } from '../../src/http/request-hooks.js';

/** Our per-request hooks run as one Apollo plugin (src/http/request-hooks.ts): order, refusals, errors. */
const typeDefs = 'type Query { hello: String, secret: String, broken: String }';

function server(factories: RequestHooksFactory[], resolved: string[]) {
  return new ApolloServer<Context>({
    typeDefs,
    resolvers: {
      Query: {
        hello: () => (resolved.push('hello'), 'world'),
        secret: () => (resolved.push('secret'), 'shh'),
        broken: () => {
          throw new Error('the resolver failed');
        },
      },
    },
    plugins: [requestHooksPlugin(factories)],
  });
}

async function run(s: ApolloServer<Context>, query: string) {
  const res = await s.executeOperation({ query }, { contextValue: {} as Context });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return { status: res.http.status, ...res.body.singleResult };
}

describe('requestHooksPlugin', () => {
  it("runs each factory once per request and every request's hooks in the order given", async () => {
    const calls: string[] = [];
    const factory = (name: string): RequestHooksFactory => () => {
      calls.push(`${name}:start`);
      return {
        didResolveOperation: () => void calls.push(`${name}:operation`),
        willSendResponse: () => void calls.push(`${name}:send`),
      };
    };
    const resolved: string[] = [];
    const s = server([factory('a'), factory('b')], resolved);
    await s.start();
    try {
      expect((await run(s, '{ hello }')).data).toEqual({ hello: 'world' });
      expect(calls).toEqual(['a:start', 'b:start', 'a:operation', 'b:operation', 'a:send', 'b:send']);
      calls.length = 0;
      await run(s, '{ hello }');
      expect(calls).toHaveLength(6);
    } finally {
      await s.stop();
    }
  });

  it('a hook that throws refuses the request before anything executes, and the hooks after it do not run', async () => {
    const after: string[] = [];
    const refuse: RequestHooksFactory = () => ({
      didResolveOperation(rc) {
        if (rc.source.includes('secret')) throw new GraphQLError('not for you', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
      },
    });
    const later: RequestHooksFactory = () => ({ didResolveOperation: () => void after.push('later') });
    const resolved: string[] = [];
    const s = server([refuse, later], resolved);
    await s.start();
    try {
      const out = await run(s, '{ secret }');
      expect(out.status).toBe(403);
      expect(out.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(out.data).toBeUndefined();
      expect(resolved).toEqual([]);
      expect(after).toEqual([]);
      // The same server answers other operations as usual.
      expect((await run(s, '{ hello }')).data).toEqual({ hello: 'world' });
      expect(after).toEqual(['later']);
    } finally {
      await s.stop();
    }
  });

  it('didEncounterErrors sees the errors of a request; a plugin without that hook adds no listener for it', async () => {
    const seen: string[] = [];
    const log: RequestHooksFactory = () => ({ didEncounterErrors: (rc) => void seen.push(...rc.errors.map((e) => e.message)) });
    const quiet: RequestHooksFactory = () => ({});
    const s = server([quiet, log], []);
    await s.start();
    try {
      const out = await run(s, '{ broken }');
      expect(out.data).toEqual({ broken: null });
      expect(seen).toEqual(['the resolver failed']);
      const listener = await requestHooksPlugin([quiet]).requestDidStart!({} as never);
      expect(listener).toEqual({});
    } finally {
      await s.stop();
    }
  });
});
