import { ConsistencyLevelEnum, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ReadConsistency } from '../../src/config.js';
import { FLUSH_POLICY, MilvusVectorStore } from '../../src/stores/milvus.js';
import { ProcessWriteTimestamps, type WriteTimestamps } from '../../src/stores/shared-state.js';

/**
 * MILVUS_CONSISTENCY: parsed once at startup, and what each level makes a read send (the store's
 * decision alone; test/milvus/consistency.test.ts shows the effect on a real Milvus 2.3.5).
 */
describe('MILVUS_CONSISTENCY', () => {
  it('defaults to session; each level is accepted', () => {
    expect(loadConfig({}).milvus.consistency).toBe('session');
    for (const level of ['session', 'strong', 'bounded', 'eventually']) expect(loadConfig({ MILVUS_CONSISTENCY: level }).milvus.consistency).toBe(level);
    // Empty counts as unset, like every other setting.
    expect(loadConfig({ MILVUS_CONSISTENCY: '' }).milvus.consistency).toBe('session');
  });

  it('anything else stops startup with an error naming the setting, the value and the choices', () => {
    for (const bad of ['Strong', 'customized', 'read-your-writes']) {
      let err: unknown;
      try {
        loadConfig({ MILVUS_CONSISTENCY: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('MILVUS_CONSISTENCY');
      expect(msg).toContain(`"${bad}"`);
      expect(msg).toMatch(/session.*strong.*bounded.*eventually/);
    }
  });
});

/** A store whose client is never called: readParams and the write bookkeeping only. */
function store(level: ReadConsistency, timestamps: WriteTimestamps = new ProcessWriteTimestamps(), notices: string[] = []) {
  const cfg = loadConfig({ MILVUS_CONSISTENCY: level }).milvus;
  const s = new MilvusVectorStore({} as MilvusClient, cfg, 'c', (m) => notices.push(m), FLUSH_POLICY, undefined, timestamps);
  const wrote = (ts: string, sentAt = (s as unknown as { acks: number }).acks) =>
    (s as unknown as { wroteAt(ts: unknown, sentAt: number): Promise<void> }).wroteAt(ts, sentAt);
  return { s, wrote };
}
const { Strong, Session, Bounded, Eventually } = ConsistencyLevelEnum;

describe('what a read sends', () => {
  it('strong, bounded, eventually: the level alone, writes or not', async () => {
    for (const [level, sent] of [
      ['strong', Strong],
      ['bounded', Bounded],
      ['eventually', Eventually],
    ] as const) {
      const { s, wrote } = store(level);
      expect(await s.readParams()).toEqual({ consistency_level: sent });
      await wrote('470882707957874690');
      expect(await s.readParams()).toEqual({ consistency_level: sent });
      expect(await s.readParams({ consistency: 'strong' })).toEqual({ consistency_level: Strong });
    }
  });

  it('session: Bounded with no write known, then the newest write timestamp (never an older one)', async () => {
    const { s, wrote } = store('session');
    expect(await s.readParams()).toEqual({ consistency_level: Bounded });
    await wrote('470882707957874690');
    expect(await s.readParams()).toEqual({ consistency_level: Session, guarantee_timestamp: '470882707957874690' });
    await wrote('470882707957874600'); // a concurrent write acknowledged later with an older timestamp
    expect(await s.readParams()).toEqual({ consistency_level: Session, guarantee_timestamp: '470882707957874690' });
    expect(await s.readParams({ consistency: 'strong' })).toEqual({ consistency_level: Strong });
  });

  it('session: a write acknowledged without a timestamp makes reads Strong until a write sent after it reports one', async () => {
    const { s, wrote } = store('session');
    await wrote('470882707957874690');
    const sentBefore = (s as unknown as { acks: number }).acks; // a write in flight while the untimed one is acknowledged
    await wrote('0');
    expect(await s.readParams()).toEqual({ consistency_level: Strong });
    await wrote('470882707957875000', sentBefore);
    expect(await s.readParams()).toEqual({ consistency_level: Strong });
    await wrote('470882707957876000');
    expect(await s.readParams()).toEqual({ consistency_level: Session, guarantee_timestamp: '470882707957876000' });
  });

  it('session: the newest of this store\'s and the shared timestamps; shared ones unreachable: Strong, said once', async () => {
    const shared = new ProcessWriteTimestamps();
    const a = store('session', shared);
    const b = store('session', shared);
    await a.wrote('470882707957874690');
    expect(await b.s.readParams()).toEqual({ consistency_level: Session, guarantee_timestamp: '470882707957874690' });

    let down = true;
    const flaky: WriteTimestamps = {
      scope: 'redis',
      get: async (c) => {
        if (down) throw new Error('connection refused');
        return shared.get(c);
      },
      raise: (c, ts) => shared.raise(c, ts),
    };
    const notices: string[] = [];
    const c = store('session', flaky, notices);
    expect(await c.s.readParams()).toEqual({ consistency_level: Strong });
    expect(await c.s.readParams()).toEqual({ consistency_level: Strong });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/Strong until they are back/);
    down = false;
    expect(await c.s.readParams()).toEqual({ consistency_level: Session, guarantee_timestamp: '470882707957874690' });
    expect(c.s.readConsistency).toMatch(/^session: .*REDIS_URL/);
    expect(a.s.readConsistency).toMatch(/^session: .*this process/);
  });
});
