import type { ServiceHealth } from '../domain.js';

/**
 * Entities, relationships and their links to ingested items. Implemented by stores/neo4j.ts.
 * (The graph route itself is built on top of this interface.)
 */
export interface GraphStore {
  /** Create constraints and indexes if missing (idempotent). */
  init(): Promise<void>;
  health(): Promise<ServiceHealth>;
  close(): Promise<void>;
}
