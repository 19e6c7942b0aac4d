import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../src/errors.js';
import { METADATA_KEYS_MAX, buildMilvusFilter, metadataKeys } from '../../src/stores/milvus-filter.js';

describe('buildMilvusFilter', () => {
  it('is empty without conditions', () => {
    expect(buildMilvusFilter(undefined)).toBe('');
    expect(buildMilvusFilter({})).toBe('');
  });

  it('joins conditions with and, quoting every value', () => {
    expect(
      buildMilvusFilter({
        modality: 'IMAGE',
        source: 'a"b\\c',
        ids: ['x', 'y'],
        metadata: [
          { key: 'lang', eq: 'en' },
          { key: 'year', in: [2020, 2021] },
          { key: 'draft', exists: false },
          { key: 'ok', eq: true },
        ],
      }),
    ).toBe(
      '(modality == "IMAGE") and (source == "a\\"b\\\\c") and (id in ["x", "y"]) and (metadata["lang"] == "en") and ' +
        '(metadata["year"] == 2020 or metadata["year"] == 2021) and (not exists metadata["draft"]) and (metadata["ok"] == true)',
    );
  });

  it('tests key presence through the metadata_keys field where the collection has it', () => {
    const f = { metadata: [{ key: 'draft', exists: false }, { key: 'lang', exists: true }] };
    expect(buildMilvusFilter(f, { keysField: true })).toBe(
      '(not array_contains(metadata_keys, "draft")) and (array_contains(metadata_keys, "lang"))',
    );
    expect(buildMilvusFilter(f)).toBe('(not exists metadata["draft"]) and (exists metadata["lang"])');
  });

  it('records only filterable metadata keys, at most METADATA_KEYS_MAX', () => {
    expect(metadataKeys({ lang: 'en', 'bad key': 1, _chunk: {}, 'a-b': 2 })).toEqual(['lang', '_chunk', 'a-b']);
    expect(metadataKeys(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])))).toHaveLength(METADATA_KEYS_MAX);
  });

  it('refuses metadata keys that are not plain identifiers', () => {
    for (const key of ['a"]', 'a b', '1abc', '', 'x'.repeat(65), 'a[0]']) {
      expect(() => buildMilvusFilter({ metadata: [{ key, eq: 1 }] })).toThrow(BadInputError);
    }
  });

  it('needs exactly one operator per metadata condition, and values for in', () => {
    expect(() => buildMilvusFilter({ metadata: [{ key: 'a' }] })).toThrow(/exactly one of eq, in, exists/);
    expect(() => buildMilvusFilter({ metadata: [{ key: 'a', eq: 1, exists: true }] })).toThrow(/exactly one/);
    expect(() => buildMilvusFilter({ metadata: [{ key: 'a', in: [] }] })).toThrow(/at least one value/);
  });

  it('refuses non-finite numbers', () => {
    expect(() => buildMilvusFilter({ metadata: [{ key: 'a', eq: Number.NaN }] })).toThrow(BadInputError);
  });
});
