import { describe, expect, it } from 'vitest';
import { HeuristicCondenser, capitalisedPhrases } from '../../src/ask/condense.js';
import { InMemoryConversationStore, type Turn } from '../../src/stores/conversations.js';

const turn = (question: string): Turn => ({ question, standalone: question, answer: null, at: 0 });

describe('InMemoryConversationStore', () => {
  it('evicts the least recently used conversation beyond maxCount', async () => {
    const store = new InMemoryConversationStore({ maxTurns: 5, ttlMs: 60_000, maxCount: 2 });
    const a = await store.create([turn('a')]);
    const b = await store.create([turn('b')]);
    await store.get(a); // a is now more recent than b
    const c = await store.create([turn('c')]);
    expect(await store.get(b)).toBeUndefined();
    expect(await store.get(a)).toHaveLength(1);
    expect(await store.get(c)).toHaveLength(1);
  });

  it('expires a conversation ttlMs after its last use, and keeps the last maxTurns turns', async () => {
    let now = 0;
    const store = new InMemoryConversationStore({ maxTurns: 2, ttlMs: 1000, maxCount: 10, now: () => now });
    const id = await store.create([turn('1')]);
    now = 900;
    expect(await store.append(id, turn('2'))).toBe(true);
    now = 1800; // 900 ms after the last use
    expect(await store.append(id, turn('3'))).toBe(true);
    expect((await store.get(id))!.map((t) => t.question)).toEqual(['2', '3']);
    now = 2801;
    expect(await store.get(id)).toBeUndefined();
    expect(await store.append(id, turn('4'))).toBe(false);
  });
});

describe('HeuristicCondenser', () => {
  const prev = [{ question: 'Who was Marie Curie?', answer: null }];
  const condense = (q: string, linker?: (t: string) => Promise<string[]>) => new HeuristicCondenser(linker).condense(q, prev).then((c) => c.question);

  it('substitutes pronouns with the entity the previous turn named, or appends it', async () => {
    expect(await condense('and what about her husband?')).toBe("what about Marie Curie's husband?");
    expect(await condense('When was she born?')).toBe('When was Marie Curie born?');
    expect(await condense('tell me about her')).toBe('tell me about Marie Curie');
    expect(await condense('what about the husband?')).toBe('what about the husband (Marie Curie)?');
  });

  it('keeps standalone questions and questions that already name the entity', async () => {
    expect(await condense('What is polonium?')).toBe('What is polonium?');
    expect(await condense('What did Marie Curie discover with him?')).toBe('What did Marie Curie discover with him?');
  });

  it('prefers the entity linker, and falls back to capitalised phrases when it fails', async () => {
    expect(await condense('and her husband?', async () => ['Maria Skłodowska-Curie'])).toBe("Maria Skłodowska-Curie's husband?");
    expect(await condense('and her husband?', async () => Promise.reject(new Error('neo4j down')))).toBe("Marie Curie's husband?");
    expect(capitalisedPhrases('Who was Marie Curie and did she know Albert Einstein?')).toEqual(['Marie Curie', 'Albert Einstein']);
  });
});
