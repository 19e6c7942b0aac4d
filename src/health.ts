import type { HealthReport } from './domain.js';
import type { Embedder } from './embed/embedder.js';
import type { GraphStore } from './stores/graph-store.js';
import type { VectorStore } from './stores/vector-store.js';

export const VERSION = '0.1.0';

export async function healthReport(deps: { embedder: Embedder; vectors: VectorStore; graph: GraphStore }): Promise<HealthReport> {
  const services = await Promise.all([deps.vectors.health(), deps.graph.health()]);
  const model = deps.embedder.info();
  const ok = services.every((s) => s.ok) && model.loaded && model.meaningful;
  return { status: ok ? 'OK' : 'DEGRADED', version: VERSION, model, services };
}
