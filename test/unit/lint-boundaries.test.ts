import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

/**
 * The import boundaries of docs/architecture.md are enforced by eslint.config.js: each case is a
 * file that would sit in a layer and import across a boundary, linted with the project's config.
 */
const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries (ESLint)', () => {
  it.each([
    ['a resolver importing a store adapter', 'src/resolvers/Bad.ts', "import { MilvusVectorStore } from '../stores/milvus.js';\nexport const x = MilvusVectorStore;\n"],
    ['a resolver importing a store interface', 'src/resolvers/Bad.ts', "import type { VectorStore } from '../stores/vector-store.js';\nexport type X = VectorStore;\n"],
    ['a service importing an SDK', 'src/ask/bad.ts', "import neo4j from 'neo4j-driver';\nexport const x = neo4j;\n"],
    ['a service importing a store adapter', 'src/graph/bad.ts', "import { Neo4jGraphStore } from '../stores/neo4j.js';\nexport const x = Neo4jGraphStore;\n"],
    ['a service importing the composition root', 'src/search/bad.ts', "import type { Runtime } from '../runtime.js';\nexport type X = Runtime;\n"],
    ['a store importing a service', 'src/stores/bad.ts', "import type { AskService } from '../ask/service.js';\nexport type X = AskService;\n"],
    ['the openai client outside its adapter', 'src/stores/llm.ts', "import OpenAI from 'openai';\nexport const x = OpenAI;\n"],
    ['the Milvus SDK in the Neo4j adapter', 'src/stores/neo4j.ts', "import { MilvusClient } from '@zilliz/milvus2-sdk-node';\nexport const x = MilvusClient;\n"],
  ])('refuses %s', async (_what, file, code) => {
    expect(await restricted(file, code)).toHaveLength(1);
  });

  it.each([
    ['a resolver calling services through its context', 'src/resolvers/Ok.ts', "import type { Context } from '../context.js';\nexport type X = Context;\n"],
    ['a service using a store interface and its rules', 'src/graph/ok.ts', "import { MAX_QUERY_WINDOW, type VectorStore } from '../stores/vector-store.js';\nexport type X = VectorStore;\nexport const n = MAX_QUERY_WINDOW;\n"],
    ['the Neo4j adapter using its SDK', 'src/stores/neo4j-session.ts', "import neo4j from 'neo4j-driver';\nexport const x = neo4j;\n"],
    ['the composition root wiring adapters', 'src/runtime.ts', "import { MilvusVectorStore } from './stores/milvus.js';\nexport const x = MilvusVectorStore;\n"],
  ])('allows %s', async (_what, file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
