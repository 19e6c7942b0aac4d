import neo4j, { type Driver, type ManagedTransaction, type SessionMode } from 'neo4j-driver';
import type { Config } from '../config.js';
import type { ServiceHealth } from '../domain.js';
import { AppError, UnavailableError, errorMessage } from '../errors.js';
import type { GraphStore } from './graph-store.js';

type Neo4jConfig = Config['neo4j'];

/**
 * The only module that touches neo4j-driver: sessions, transactions (tagged with metadata naming
 * the operation), and the mapping of driver errors to our error taxonomy.
 */
export class Neo4jGraphStore implements GraphStore {
  constructor(
    private readonly driver: Driver,
    private readonly cfg: Neo4jConfig,
  ) {}

  static connect(cfg: Neo4jConfig): Neo4jGraphStore {
    const driver = neo4j.driver(cfg.uri, neo4j.auth.basic(cfg.user, cfg.password), {
      connectionAcquisitionTimeout: 10_000,
      connectionTimeout: 5_000,
      maxConnectionPoolSize: 50,
      disableLosslessIntegers: true,
    });
    return new Neo4jGraphStore(driver, cfg);
  }

  async init(): Promise<void> {
    // Constraints and indexes of the graph model are added with the graph route.
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    const target = this.cfg.uri;
    try {
      await this.run('health', 'READ', (tx) => tx.run('RETURN 1 AS ok'));
      return { name: 'neo4j', ok: true, target, latencyMs: performance.now() - started, error: null };
    } catch (err) {
      return { name: 'neo4j', ok: false, target, latencyMs: performance.now() - started, error: errorMessage(err) };
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Run one unit of work in a managed transaction, with retries on transient errors. */
  async run<T>(operation: string, mode: SessionMode, work: (tx: ManagedTransaction) => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const session = this.driver.session({ defaultAccessMode: mode, ...(this.cfg.database ? { database: this.cfg.database } : {}) });
    const txConfig = { timeout: timeoutMs, metadata: { app: 'knowledge-graphql', operation } };
    try {
      return mode === neo4j.session.READ ? await session.executeRead(work, txConfig) : await session.executeWrite(work, txConfig);
    } catch (err) {
      throw mapNeo4jError(operation, err);
    } finally {
      await session.close();
    }
  }
}

export function mapNeo4jError(operation: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code ?? '';
  return new UnavailableError('neo4j', `Neo4j ${operation} failed: ${code ? `${code}: ` : ''}${errorMessage(err)}`, { cause: err });
}
