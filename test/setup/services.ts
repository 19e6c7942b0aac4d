import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import neo4j from 'neo4j-driver';
import { loadConfig } from '../../src/config.js';
import { quietConnect } from '../../src/stores/milvus.js';

/**
 * Integration and e2e tiers run against real Milvus and Neo4j. scripts/test.sh (`npm test`)
 * starts them; if they are not reachable, the run stops here, loudly, instead of skipping tests.
 */
export default async function checkServices(): Promise<void> {
  const config = loadConfig();
  const problems: string[] = [];

  const milvus = new MilvusClient({ address: config.milvus.address, token: config.milvus.token, timeout: 10_000, logLevel: 'error' });
  quietConnect(milvus);
  try {
    // A real RPC (milvus-lite 2.5 does not implement CheckHealth).
    const res = await milvus.showCollections();
    if (res.status.code !== 0) problems.push(`Milvus at ${config.milvus.address} answers with an error: ${res.status.reason}`);
  } catch (err) {
    problems.push(`Milvus is not reachable at ${config.milvus.address}: ${(err as Error).message}`);
  } finally {
    await milvus.closeConnection().catch(() => undefined);
  }

  const driver = neo4j.driver(config.neo4j.uri, neo4j.auth.basic(config.neo4j.user, config.neo4j.password));
  try {
    await driver.verifyConnectivity();
  } catch (err) {
    problems.push(`Neo4j is not reachable at ${config.neo4j.uri}: ${(err as Error).message}`);
  } finally {
    await driver.close();
  }

  if (problems.length) {
    throw new Error(
      `Real services are required for the integration and e2e tests:\n  - ${problems.join('\n  - ')}\n` +
        'Run the tests with `npm test` (it starts Milvus Lite and Neo4j), or start them with `npm run services -- start`.',
    );
  }
}
