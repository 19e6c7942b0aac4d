import { loadConfig } from '../../src/config.js';
import { MilvusVectorStore } from '../../src/stores/milvus.js';

/**
 * The `test:milvus` tier must run against the Milvus standalone server (2.3), never silently against
 * the local default engine: MILVUS_ADDRESS must answer with a 2.3 version, or the run stops here.
 */
export default async function checkStandalone(): Promise<void> {
  const config = loadConfig();
  const store = MilvusVectorStore.connect(config.milvus, 'probe_unused');
  try {
    const caps = await store.capabilities().catch((err: unknown) => {
      throw new Error(`Milvus standalone is not reachable at ${config.milvus.address} (start it: bash scripts/milvus-standalone.sh start): ${String(err)}`);
    });
    if (!/^v?2\.3\./.test(caps.version)) {
      throw new Error(`test:milvus needs Milvus 2.3 standalone at MILVUS_ADDRESS, but ${config.milvus.address} reports "${caps.version}" (run it with npm run test:milvus)`);
    }
  } finally {
    await store.close();
  }
}
