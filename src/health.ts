import type { Config } from './config.js';
import { withDeadline } from './deadline.js';
import type { HealthReport, ServiceHealth } from './domain.js';
import type { Embedder } from './embed/embedder.js';
import type { TextEmbedder } from './embed/text.js';
import type { LlmClient } from './stores/llm.js';
import type { GraphStore } from './stores/graph-store.js';
import type { VectorStore } from './stores/vector-store.js';
import type { WebSearch } from './stores/web-search.js';
import type { MediaStore } from './stores/media-store.js';

export const VERSION = '0.1.0';

/** Dependencies without which the service cannot answer: /readyz is 503 while one of them is down. */
export const REQUIRED_SERVICES: readonly string[] = ['milvus', 'neo4j'];

/** A probe that has not answered within this is reported down (the probe itself keeps running). */
export const PROBE_TIMEOUT_MS = 3000;
/**
 * The web provider's only health check is a real search (a billed API call for Tavily/Brave), so its
 * result is reused for this long instead of being repeated on every readiness probe.
 */
export const WEB_HEALTH_TTL_MS = 60_000;

/**
 * One dependency in the report. GraphQL's ServiceHealth exposes name/ok/target/latencyMs/error;
 * /readyz (JSON) also shows `status` and `required`.
 *   status  up: a live probe answered; down: it failed or timed out;
 *           warming: reachable, still preparing its first answers (GraphStore.warmUp): not ready;
 *           configured: set up but not probed (the LLM: LlmClient offers no cheap call, and a chat
 *           completion per probe would cost tokens), so `ok` only means "configured".
 */
export interface DependencyHealth extends ServiceHealth {
  status: 'up' | 'down' | 'warming' | 'configured';
  required: boolean;
}

export interface ReadinessReport extends HealthReport {
  services: DependencyHealth[];
  /** Every required dependency (REQUIRED_SERVICES) is up. What /readyz answers 200/503 on. */
  ready: boolean;
}

export interface HealthDeps {
  embedder: Embedder;
  textEmbedder?: TextEmbedder | undefined;
  vectors: VectorStore;
  graph: GraphStore;
  llm?: LlmClient | undefined;
  web?: WebSearch | undefined;
  media?: MediaStore;
  /** Shared state: probed (and required for readiness) when it is Redis (REDIS_URL). */
  state?: { readonly kind: string; health(): Promise<ServiceHealth> };
  config?: Pick<Config, 'llm'>;
}

/** The health picture as a service (the `health` query and GET /readyz). */
export class HealthService {
  constructor(private readonly deps: HealthDeps) {}

  report(): Promise<ReadinessReport> {
    return healthReport(this.deps);
  }
}

const webCache = new WeakMap<WebSearch, { at: number; health: Promise<ServiceHealth> }>();

/**
 * The one health picture, used by both GET /readyz and the GraphQL `health` query: Milvus and Neo4j
 * (live probes, required), the LLM when configured (not probed, see DependencyHealth) and the web
 * search provider when configured (live search, cached WEB_HEALTH_TTL_MS). Every probe is bounded
 * by PROBE_TIMEOUT_MS. status is OK only when everything is up and the embedding model is a real one.
 */
export async function healthReport(deps: HealthDeps): Promise<ReadinessReport> {
  const probes: Promise<DependencyHealth>[] = [
    probe('milvus', deps.vectors.health(), true, 'unknown'),
    probe('neo4j', deps.graph.health(), true, 'unknown'),
  ];
  if (deps.llm) probes.push(Promise.resolve(llmHealth(deps.llm, deps.config)));
  if (deps.media) probes.push(probe('media', deps.media.health(), false, deps.media.target));
  if (deps.web) probes.push(probe('web', cachedWebHealth(deps.web), false, deps.web.provider));
  // With REDIS_URL every request needs Redis (rate limits, conversations): an instance without it is not ready.
  if (deps.state && deps.state.kind !== 'memory') probes.push(probe('redis', deps.state.health(), true, 'redis'));
  const services = await Promise.all(probes);
  const model = deps.embedder.info();
  const ready = isReady(services) && services.every((s) => !s.required || s.ok);
  const ok = services.every((s) => s.ok) && model.loaded && model.meaningful;
  const textModel = deps.textEmbedder?.info() ?? null;
  return { status: ok ? 'OK' : 'DEGRADED', version: VERSION, model, textModel, services, ready };
}

/** True when every required dependency in the list is up (and all of them are present). */
export function isReady(services: readonly ServiceHealth[]): boolean {
  return REQUIRED_SERVICES.every((name) => services.some((s) => s.name === name && s.ok));
}

async function probe(name: string, check: Promise<ServiceHealth>, required: boolean, target: string): Promise<DependencyHealth> {
  const started = performance.now();
  const h = await withDeadline(
    check.catch((err: unknown): ServiceHealth => ({ name, ok: false, target, latencyMs: performance.now() - started, error: err instanceof Error ? err.message : String(err) })),
    PROBE_TIMEOUT_MS,
    (): ServiceHealth => ({ name, ok: false, target, latencyMs: performance.now() - started, error: `no answer within ${PROBE_TIMEOUT_MS} ms` }),
  );
  return { ...h, latencyMs: h.latencyMs === null ? null : Math.round(h.latencyMs * 10) / 10, status: h.ok ? 'up' : h.warming ? 'warming' : 'down', required };
}

function cachedWebHealth(web: WebSearch): Promise<ServiceHealth> {
  const now = Date.now();
  const hit = webCache.get(web);
  if (hit && now - hit.at < WEB_HEALTH_TTL_MS) return hit.health;
  const health = web.health();
  webCache.set(web, { at: now, health });
  // A failed probe is not cached for long: retry on the next readiness call after a short pause.
  void health.then((h) => {
    if (!h.ok && webCache.get(web)?.health === health) webCache.set(web, { at: Date.now() - WEB_HEALTH_TTL_MS + 5000, health });
  });
  return health;
}

function llmHealth(llm: LlmClient, config: Pick<Config, 'llm'> | undefined): DependencyHealth {
  return { name: 'llm', ok: true, target: safeTarget(config?.llm?.baseUrl, llm.model), latencyMs: null, error: null, status: 'configured', required: false };
}

/** origin + path of the base URL (no user:password, no query string that might hold a key) and the model. */
function safeTarget(baseUrl: string | undefined, model: string): string {
  if (!baseUrl) return `model ${model}`;
  try {
    const u = new URL(baseUrl);
    return `${u.origin}${u.pathname.replace(/\/$/, '')} (model ${model})`;
  } catch {
    return `model ${model}`;
  }
}
