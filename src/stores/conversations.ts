import { randomUUID } from 'node:crypto';
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
 * Conversations in this process's memory: bounded in count (LRU eviction), in turns per
 * conversation, and in time (a conversation expires `ttlMs` after it was last used). They are lost
 * on restart and not shared between instances: behind a load balancer, a follow-up that reaches
 * another instance gets NOT_FOUND (use sticky sessions, pass `history`, or a shared store).
 *
 * A Map keeps insertion order; every use moves the conversation to the end, so the front is both
 * the least recently used and the first to expire, and expired entries are swept from the front.
 */
export class InMemoryConversationStore implements ConversationStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { turns: Turn[]; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: InMemoryConversationOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  async create(turns: Turn[]): Promise<string> {
    this.sweep();
    const id = `conv_${randomUUID()}`;
    this.entries.set(id, { turns: turns.slice(-this.opts.maxTurns), expiresAt: this.now() + this.opts.ttlMs });
    while (this.entries.size > this.opts.maxCount) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return id;
  }

  async get(id: string): Promise<Turn[] | undefined> {
    const entry = this.touch(id);
    return entry ? [...entry.turns] : undefined;
  }

  async append(id: string, turn: Turn): Promise<boolean> {
    const entry = this.touch(id);
    if (!entry) return false;
    entry.turns.push(turn);
    if (entry.turns.length > this.opts.maxTurns) entry.turns.splice(0, entry.turns.length - this.opts.maxTurns);
    return true;
  }

  /** The live entry, moved to the most recently used end with a fresh expiry. */
  private touch(id: string): { turns: Turn[]; expiresAt: number } | undefined {
    this.sweep();
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    entry.expiresAt = this.now() + this.opts.ttlMs;
    this.entries.set(id, entry);
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(id);
    }
  }
}

export function createConversationStore(config: Config['conversations']): ConversationStore {
  return new InMemoryConversationStore({ maxTurns: config.maxTurns, ttlMs: config.ttlMs, maxCount: config.maxCount });
}
