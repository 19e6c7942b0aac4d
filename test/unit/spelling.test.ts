import { describe, expect, it } from 'vitest';
import { bigramDice, editDistance, Vocabulary, VocabularyCache } from '../../src/search/spelling.js';

const STORED = ['broken heart', 'brown heart', 'brown square', 'umbrella with rain drops', 'umbrella', 'astronaut', 'cat face', 'helicopter'];

describe('spelling correction against the stored words', () => {
  const vocab = new Vocabulary(STORED);

  it('edit distance counts inserts, deletes, substitutions and swaps of neighbours, and stops past the budget', () => {
    expect(editDistance('umbrela', 'umbrella')).toBe(1);
    expect(editDistance('astronuat', 'astronaut')).toBe(1);
    expect(editDistance('helicoptor', 'helicopter')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abcdefgh', 'zzzzzzzz', 2)).toBe(3);
    expect(bigramDice('brokn', 'broken')).toBeGreaterThan(bigramDice('brokn', 'brown'));
  });

  it('an unknown word becomes the nearest stored word; known words and the rest of the text stay', () => {
    expect(vocab.correct('Umbrela with RAIN')).toEqual({ text: 'umbrella with RAIN', corrections: [{ from: 'Umbrela', to: 'umbrella' }] });
    expect(vocab.correct('astronuat').text).toBe('astronaut');
    expect(vocab.correct('cat face').corrections).toEqual([]);
  });

  it('ties at the same distance go to the word sharing more letter pairs ("brokn" -> broken, not the more frequent brown)', () => {
    expect(vocab.suggest('brokn')).toBe('broken');
  });

  it('leaves short words, words with digits, words of the language and words with nothing close', () => {
    expect(vocab.suggest('catt')).toBeUndefined(); // under 5 letters
    expect(vocab.suggest('brown2')).toBeUndefined();
    expect(vocab.suggest('hellicopterr')).toBe('helicopter'); // 2 edits allowed from 6 letters
    expect(vocab.suggest('brawn')).toBe('brown');
    expect(vocab.suggest('brawn', (w) => w === 'brawn')).toBeUndefined(); // a word of the language
    expect(vocab.suggest('browns', (w) => w === 'brown')).toBeUndefined(); // its inflection too
    expect(vocab.suggest('xylophone')).toBeUndefined();
  });

  it('the cache builds once, and rebuilds when the store count changed after the recheck interval', async () => {
    let texts = ['umbrella'];
    let now = 0;
    let reads = 0;
    const cache = new VocabularyCache(
      { texts: async () => (reads++, texts), count: async () => texts.length },
      { maxTexts: 100, recheckMs: 1000, now: () => now },
    );
    expect((await cache.get()).has('umbrella')).toBe(true);
    texts = ['umbrella', 'astronaut'];
    expect((await cache.get()).has('astronaut')).toBe(false); // within the interval
    now = 2000;
    expect((await cache.get()).has('astronaut')).toBe(true);
    now = 4000;
    await cache.get(); // count unchanged: no re-read
    expect(reads).toBe(2);
  });
});
