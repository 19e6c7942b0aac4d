import type { JsonObject } from '../domain.js';

export interface CypherAnswer {
  cypher: string;
  columns: string[];
  rows: JsonObject[];
  truncated: boolean;
}

export interface CypherAttempt {
  cypher: string | null;
  /** Why this attempt was not used (compile error, write query, model output unusable...). */
  error: string;
}

export type Text2CypherResult =
  | { ok: true; answer: CypherAnswer; attempts: CypherAttempt[] }
  | { ok: false; reason: string; attempts: CypherAttempt[] };

/** Question -> read-only Cypher -> rows, with an LLM. Never throws for a bad model answer. */
export interface Text2Cypher {
  run(question: string, signal?: AbortSignal): Promise<Text2CypherResult>;
}
