import { describe, expect, it } from 'vitest';
import { DateTimeScalar, isoTimestamp } from '../../src/resolvers/scalars.js';

describe('DateTime serialisation', () => {
  it('isoTimestamp writes exactly what toISOString writes, inside and outside 1970-9999', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const edges = [0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 253_402_300_799_999, 253_402_300_800_000, -1, -86_400_001, 8.64e15, -8.64e15];
    const random = Array.from({ length: 20_000 }, () => Math.floor((rnd() * 2 - 0.2) * 260_000_000_000_000));
    // Many timestamps of one day, as a batch written at once has.
    const oneDay = Array.from({ length: 2000 }, () => 1_764_720_000_000 + Math.floor(rnd() * 86_400_000));
    for (const t of [...edges, ...random, ...oneDay]) expect(isoTimestamp(new Date(t)), String(t)).toBe(new Date(t).toISOString());
  });

  it('the scalar serialises Dates and ISO strings, and refuses what is no timestamp', () => {
    expect(DateTimeScalar.serialize(new Date('2026-12-03T05:40:01.007Z'))).toBe('2026-12-03T05:40:01.007Z');
    expect(DateTimeScalar.serialize('2026-12-03T05:40:01Z')).toBe('2026-12-03T05:40:01.000Z');
    expect(() => DateTimeScalar.serialize('yesterday')).toThrow(/DateTime cannot represent yesterday/);
  });
});
