import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';

/** One question and its answer in a conversation. */
export interface Turn {
  /** The question as the user asked it. */
  question: string;
  /** The standalone question it was condensed into (= question for a first question). */
  standalone: string;
  /** The answer text; null when the caller passed history without answers. */
  answer: string | null;
  /** Epoch ms. */
  at: number;
}

/**
 * Where conversations live between turns. Async so that a shared implementation (Redis, a
 * database) can replace the in-memory one without touching the callers.
 */
export interface ConversationStore {
  /** Where the turns are kept, for docs and diagnostics ("memory"). */
  readonly kind: string;
  /** Starts a conversation with these turns (oldest first); returns its new id. */
  create(turns: Turn[]): Promise<string>;
  /** The turns of a live conversation, oldest first; undefined when it is unknown or has expired. */
  get(id: string): Promise<Turn[] | undefined>;
  /** Appends a turn (older turns beyond the limit are dropped); false when the conversation is gone. */
  append(id: string, turn: Turn): Promise<boolean>;
}

export interface InMemoryConversationOptions {
  /** Turns kept per conversation (the oldest are dropped). */
  maxTurns: number;
  /** A conversation not used for this long is forgotten. */
  ttlMs: number;
  /** Conversations kept at most; the least recently used one is evicted first. */
  maxCount: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Conversations in this process's memory (lru-cache): bounded in count (the least recently used is
 * evicted), in turns per conversation, and in time (a conversation expires `ttlMs` after it was last
 * used). They are lost on restart and not shared between instances: behind a load balancer, a
 * follow-up that reaches another instance gets NOT_FOUND (use sticky sessions, pass `history`, or
 * the shared store, src/stores/redis.ts).
 */
export class InMemoryConversationStore implements ConversationStore {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, Turn[]>;

  constructor(private readonly opts: InMemoryConversationOptions) {
    const now = opts.now ?? Date.now;
    // updateAgeOnGet: every use renews the time to live; ttlResolution 0: read the (test) clock on every check.
    this.entries = new LRUCache<string, Turn[]>({ max: opts.maxCount, ttl: opts.ttlMs, updateAgeOnGet: true, ttlResolution: 0, perf: { now } });
  }

  get size(): number {
    this.entries.purgeStale();
    return this.entries.size;
  }

  async create(turns: Turn[]): Promise<string> {
    const id = `conv_${randomUUID()}`;
    this.entries.set(id, turns.slice(-this.opts.maxTurns));
    return id;
  }

  async get(id: string): Promise<Turn[] | undefined> {
    const turns = this.entries.get(id);
    return turns ? [...turns] : undefined;
  }

  async append(id: string, turn: Turn): Promise<boolean> {
    const turns = this.entries.get(id);
    if (!turns) return false;
    turns.push(turn);
    if (turns.length > this.opts.maxTurns) turns.splice(0, turns.length - this.opts.maxTurns);
    return true;
  }
}

export function createConversationStore(config: Config['conversations']): ConversationStore {
  return new InMemoryConversationStore({ maxTurns: config.maxTurns, ttlMs: config.ttlMs, maxCount: config.maxCount });
}
