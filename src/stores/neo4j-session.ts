import neo4j, { type Driver, type ManagedTransaction, type Session, type SessionMode } from 'neo4j-driver';
import { AppError, StoreRejectedError, TimeoutError, UnavailableError } from '../errors.js';

/** Transaction metadata: shows in Neo4j's query log and `SHOW TRANSACTIONS`, naming our operation. */
export const txMetadata = (operation: string) => ({ app: 'knowledge-graphql', operation });

/**
 * Sessions and managed transactions on one driver (the executor of src/stores/neo4j.ts): every unit
 * of work is tagged with the operation's name, retried by the driver on transient errors, and its
 * failure mapped to our error taxonomy. `onWrite` runs before and after every write (cache drops).
 */
export class Neo4jSessions {
  constructor(
    private readonly driver: Driver,
    private readonly database: string | undefined,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  session(mode: SessionMode): Session {
    return this.driver.session({ defaultAccessMode: mode, ...(this.database ? { database: this.database } : {}) });
  }

  /** Run one unit of work in a managed transaction, with the driver's retries on transient errors. */
  async run<T>(operation: string, mode: SessionMode, work: (tx: ManagedTransaction) => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const write = mode === neo4j.session.WRITE;
    if (write) this.onWrite();
    const session = this.session(mode);
    const txConfig = { timeout: timeoutMs, metadata: txMetadata(operation) };
    try {
      return write ? await session.executeWrite(work, txConfig) : await session.executeRead(work, txConfig);
    } catch (err) {
      throw mapNeo4jError(operation, err);
    } finally {
      if (write) this.onWrite();
      await session.close();
    }
  }

  /**
   * One auto-commit query, without the driver's retries: a health probe must report a refused
   * connection at once, not after retrying it for maxTransactionRetryTime.
   */
  async once(operation: string, query: string, timeoutMs: number): Promise<void> {
    const session = this.session(neo4j.session.READ);
    try {
      await session.run(query, {}, { timeout: timeoutMs, metadata: txMetadata(operation) });
    } catch (err) {
      throw mapNeo4jError(operation, err);
    } finally {
      await session.close();
    }
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

/**
 * A driver error as one of ours. The driver retries (in managed transactions) exactly the errors it
 * classifies as retryable: transient errors, an unreachable server, an expired session. Those, and
 * a refused login (the database cannot be used), are UNAVAILABLE. Anything else the server
 * refused (a syntax error, a constraint, a type error: Neo.ClientError.*) is not an outage: it was
 * attempted once and is a StoreRejectedError. Neo.DatabaseError.* ("the database failed to service
 * the request", not the request's fault) is UNAVAILABLE, not retried either. The client message names Neo4j
 * and the operation only: the driver's text (which names the server's host and port) stays in
 * `cause`, for the log.
 */
export function mapNeo4jError(operation: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code.includes('TransactionTimedOut')) return new TimeoutError(`Neo4j ${operation} took too long`, { service: 'neo4j' });
  // Wrong credentials or database name (NEO4J_USER/NEO4J_PASSWORD/NEO4J_DATABASE): the dependency cannot be used.
  if (/^Neo\.ClientError\.(Security|Database)\./.test(code)) return new UnavailableError('neo4j', `Neo4j ${operation} failed: the server refused our credentials or database (${code})`, { cause: err });
  if (!neo4j.isRetryableError(err as Error) && code.startsWith('Neo.ClientError.')) {
    return new StoreRejectedError('neo4j', `Neo4j refused the ${operation} request (${code}; not retried)`, err);
  }
  const why = code.startsWith('Neo.') ? ` (${code})` : code === 'ServiceUnavailable' ? ': the database is unreachable' : '';
  return new UnavailableError('neo4j', `Neo4j ${operation} failed${why}`, { cause: err });
}
