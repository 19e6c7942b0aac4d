import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import neo4j, { Neo4jError, type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.js';
import { MilvusVectorStore, RETRY_DELAYS_MS, clientConfig, quietConnect } from '../../src/stores/milvus.js';
import { Neo4jSessions } from '../../src/stores/neo4j-session.js';
import { testConfig, uniqueName } from '../helpers.js';

/**
 * Which store failures are retried: a request the store refused (bad request, schema, constraint)
 * is attempted once and surfaces as INTERNAL_SERVER_ERROR (StoreRejectedError, never UNAVAILABLE);
 * a store that cannot be reached is tried again and surfaces as UNAVAILABLE. Attempts are counted
 * at the client method (the SDK's own retries are off: `maxRetries: 0`).
 */
const config = testConfig();

/** A real client whose method calls are counted. */
function countingClient(address: string, counts: Record<string, number>): MilvusClient {
  // The store's own client settings: the SDK's retries are off, so a method call is one attempt.
  const settings = clientConfig({ ...config.milvus, address });
  expect(settings.maxRetries).toBe(0);
  const client = new MilvusClient(settings);
  quietConnect(client);
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        counts[String(prop)] = (counts[String(prop)] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('Milvus: refused requests are attempted once, unreachable servers are retried', () => {
  const counts: Record<string, number> = {};
  let store: MilvusVectorStore;
  beforeAll(async () => {
    store = new MilvusVectorStore(countingClient(config.milvus.address, counts), config.milvus, uniqueName('errs'));
    await store.ensureCollection(8);
    await store.upsert([{ id: 'txt_a', modality: 'TEXT', text: 'a', title: '', source: '', documentId: 'doc_a', chunkIndex: 0, metadata: {}, createdAt: new Date(), updatedAt: new Date(), vector: [1, 0, 0, 0, 0, 0, 0, 0] }]);
  });
  afterAll(async () => {
    await store.drop().catch(() => undefined);
    await store.close();
  });

  it('a search with a vector of the wrong dimension: one attempt, INTERNAL_SERVER_ERROR naming Milvus', async () => {
    // Each search attempt describes the collection (the SDK caches it) and sends one Search RPC
    // (MilvusVectorStore.searchAt): describeCollection counts the attempts.
    const before = counts.describeCollection ?? 0;
    const err = await failure(store.search([1, 0, 0], { topK: 3 }));
    expect(err.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(err.message).toBe('Milvus refused the search request (not retried)');
    expect(err.details).toMatchObject({ service: 'milvus' });
    expect((counts.describeCollection ?? 0) - before).toBe(1);
    // The store still works afterwards.
    expect((await store.search([1, 0, 0, 0, 0, 0, 0, 0], { topK: 3 })).map((h) => h.item.id)).toEqual(['txt_a']);
  });

  it('an upsert Milvus refuses (a text that is not valid UTF-8, past our validation): one attempt, not UNAVAILABLE', async () => {
    const before = counts.upsert ?? 0;
    const err = await failure(
      store.upsert([{ id: 'txt_b', modality: 'TEXT', text: 'lone \uD800 surrogate', title: '', source: '', documentId: 'doc_b', chunkIndex: 0, metadata: {}, createdAt: new Date(), updatedAt: new Date(), vector: [0, 1, 0, 0, 0, 0, 0, 0] }]),
    );
    expect(err.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(err.message).toBe('Milvus refused the upsert request (not retried)');
    expect((counts.upsert ?? 0) - before).toBe(1);
  });

  it('a server that cannot be reached: tried 1 + RETRY_DELAYS_MS.length times, then UNAVAILABLE', async () => {
    const down: Record<string, number> = {};
    // Port 20599 of this helper's range: nothing listens there.
    const unreachable = new MilvusVectorStore(countingClient('127.0.0.1:20599', down), config.milvus, uniqueName('down'));
    const err = await failure(unreachable.count());
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    expect(err.details).toMatchObject({ service: 'milvus' });
    expect(down.showCollections).toBe(1 + RETRY_DELAYS_MS.length);
    await unreachable.close();
  });
});

describe('Neo4j: refused statements are attempted once', () => {
  let driver: Driver;
  let sessions: Neo4jSessions;
  const label = uniqueName('Errs');
  beforeAll(async () => {
    // Retries bounded like the store's driver (stores/neo4j.ts).
    driver = neo4j.driver(config.neo4j.uri, neo4j.auth.basic(config.neo4j.user, config.neo4j.password), { maxTransactionRetryTime: 1_500 });
    sessions = new Neo4jSessions(driver, config.neo4j.database);
    await sessions.run('constraint', 'WRITE', (tx) => tx.run(`CREATE CONSTRAINT ${label}_id IF NOT EXISTS FOR (n:${label}) REQUIRE n.id IS UNIQUE`));
    await sessions.run('seed', 'WRITE', (tx) => tx.run(`CREATE (:${label} {id: 'x'})`));
  });
  afterAll(async () => {
    await sessions.run('drop', 'WRITE', (tx) => tx.run(`MATCH (n:${label}) DELETE n`)).catch(() => undefined);
    await sessions.run('drop', 'WRITE', (tx) => tx.run(`DROP CONSTRAINT ${label}_id IF EXISTS`)).catch(() => undefined);
    await driver.close();
  });

  it('a constraint violation and a syntax error: one attempt each, INTERNAL_SERVER_ERROR (not UNAVAILABLE)', async () => {
    let attempts = 0;
    const dup = await failure(sessions.run('create item', 'WRITE', (tx) => (attempts++, tx.run(`CREATE (:${label} {id: 'x'})`))));
    expect(attempts).toBe(1);
    expect(dup.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(dup.message).toBe('Neo4j refused the create item request (Neo.ClientError.Schema.ConstraintValidationFailed; not retried)');
    attempts = 0;
    const syntax = await failure(sessions.run('list items', 'READ', (tx) => (attempts++, tx.run('MATCH (n RETURN n'))));
    expect(attempts).toBe(1);
    expect(syntax.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(syntax.message).toContain('Neo.ClientError.Statement.SyntaxError');
  });

  it('a transient error is retried by the driver, and surfaces as UNAVAILABLE when it persists', async () => {
    let attempts = 0;
    // What the server sends on a deadlock: a Neo4jError the driver classifies as retryable.
    const transient = () => new Neo4jError('deadlock detected', 'Neo.TransientError.Transaction.DeadlockDetected', '50N00', 'error: general processing exception');
    const result = await sessions.run('write', 'WRITE', async () => {
      if (++attempts < 2) throw transient();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(attempts).toBe(2);
    const err = await failure(sessions.run('write', 'WRITE', async () => Promise.reject(transient())));
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
  });
});
