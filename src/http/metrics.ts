import { createHash, timingSafeEqual } from 'node:crypto';
import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Context } from '../context.js';
import type { Modality } from '../domain.js';
import type { Logger } from '../logger.js';
import type { Route, RouteDecision } from '../router/index.js';
import { ERROR_CODES } from '../errors.js';
import { LLM_PURPOSES, type LlmPurpose, type Telemetry } from '../telemetry.js';
import type { RequestHooksFactory } from './request-hooks.js';

/**
 * Prometheus metrics on a registry of their own (never prom-client's global one, so several apps in
 * one process, e.g. tests, do not collide), plus the per-request JSON log line.
 *
 *   - `telemetry`: what the services report (router decisions, route retrievals, LLM calls, ingests).
 *   - `plugin()`: an Apollo plugin that counts and times every GraphQL request over HTTP, counts
 *     errors by code, adds `extensions.requestId` to every error of the response and logs one line
 *     per request (never the query text, variables or credentials).
 *   - `handler()`: GET /metrics in the Prometheus text exposition format.
 *
 * Label cardinality is bounded: operation names come from clients, so at most `maxOperationLabels`
 * distinct values are kept (later ones count as "other"); error codes outside the service's
 * taxonomy count as "OTHER"; purposes/routes/modalities come from code, not from requests.
 */
export interface MetricsOptions {
  /** collectDefaultMetrics (process CPU, RSS, heap, event loop lag, GC) on this registry. Default true. */
  defaultMetrics?: boolean;
  /** Distinct `operation` label values kept before new ones become "other". Default 100. */
  maxOperationLabels?: number;
  /** Log one line per GraphQL request (info level). Default true. */
  logRequests?: boolean;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const ANONYMOUS = 'anonymous';
const OTHER = 'other';
const MAX_LABEL_CHARS = 64;
export type Outcome = 'ok' | 'partial' | 'error';

export class Metrics {
  readonly registry = new Registry();
  readonly telemetry: Telemetry;

  private readonly requests: Counter<'operation' | 'type' | 'outcome'>;
  private readonly requestDuration: Histogram<'operation' | 'type'>;
  private readonly errors: Counter<'code'>;
  private readonly routerDecisions: Counter<'decided_by' | 'route'>;
  private readonly routeDuration: Histogram<'route'>;
  private readonly routeFailures: Counter<'route'>;
  private readonly llmCalls: Counter<'purpose' | 'outcome'>;
  private readonly llmDuration: Histogram<'purpose'>;
  private readonly llmTokens: Counter<'purpose' | 'kind'>;
  private readonly ingestedItems: Counter<'modality'>;

  private readonly operationLabels = new Set<string>();
  private readonly maxOperationLabels: number;
  private readonly logRequests: boolean;

  constructor(opts: MetricsOptions = {}) {
    this.maxOperationLabels = opts.maxOperationLabels ?? 100;
    this.logRequests = opts.logRequests ?? true;
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: SECONDS_BUCKETS, registers });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.requests = counter('graphql_requests_total', 'GraphQL requests over HTTP, by operation (name or root fields), type and outcome (ok | partial | error).', ['operation', 'type', 'outcome'] as const);
    this.requestDuration = histogram('graphql_request_duration_seconds', 'GraphQL request duration from request start to response, by operation and type.', ['operation', 'type'] as const);
    this.errors = counter('graphql_errors_total', 'GraphQL errors sent to clients, by extensions.code.', ['code'] as const);
    this.routerDecisions = counter('router_decisions_total', 'Routing decisions, one count per chosen route (route="none" for a refusal), by decider.', ['decided_by', 'route'] as const);
    this.routeDuration = histogram('route_retrieval_duration_seconds', 'Time one route (VECTOR, GRAPH, WEB) took to retrieve evidence, successful or not.', ['route'] as const);
    this.routeFailures = counter('route_failures_total', 'Route retrievals that failed or timed out (the answer carries a warning instead).', ['route'] as const);
    this.llmCalls = counter('llm_calls_total', `LLM chat calls by purpose (${LLM_PURPOSES.join(', ')}) and outcome (ok | error).`, ['purpose', 'outcome'] as const);
    this.llmDuration = histogram('llm_call_duration_seconds', 'LLM chat call duration by purpose, successful or not.', ['purpose'] as const);
    this.llmTokens = counter('llm_tokens_total', 'Tokens reported by the LLM, by purpose and kind (prompt | completion).', ['purpose', 'kind'] as const);
    this.ingestedItems = counter('ingested_items_total', 'Items stored (text chunks, images) by modality.', ['modality'] as const);

    this.telemetry = {
      routeDecided: (decision: RouteDecision) =>
        safely(() => {
          const routes = decision.refusal || decision.routes.length === 0 ? ['none'] : decision.routes.map((r) => r.route);
          for (const route of routes) this.routerDecisions.inc({ decided_by: decision.decidedBy, route });
        }),
      routeRetrieved: (route: Route, ms: number, ok: boolean) =>
        safely(() => {
          this.routeDuration.observe({ route }, ms / 1000);
          if (!ok) this.routeFailures.inc({ route });
        }),
      llmCall: (purpose: LlmPurpose, ms: number, ok: boolean, usage?: { promptTokens: number; completionTokens: number }) =>
        safely(() => {
          const p = purpose;
          this.llmCalls.inc({ purpose: p, outcome: ok ? 'ok' : 'error' });
          this.llmDuration.observe({ purpose: p }, ms / 1000);
          if (usage) {
            if (usage.promptTokens > 0) this.llmTokens.inc({ purpose: p, kind: 'prompt' }, usage.promptTokens);
            if (usage.completionTokens > 0) this.llmTokens.inc({ purpose: p, kind: 'completion' }, usage.completionTokens);
          }
        }),
      ingested: (modality: Modality, items: number) =>
        safely(() => {
          if (items > 0) this.ingestedItems.inc({ modality }, items);
        }),
    };
  }

  /** Per-request hooks: request counters/histograms, error codes, `extensions.requestId`, one log line per request. */
  requestHooks(log: Logger): RequestHooksFactory {
    return () => {
      const started = performance.now();
      return {
        willSendResponse: (rc) => {
          safely(() => this.finish(rc, (performance.now() - started) / 1000, log));
        },
      };
    };
  }

  /**
   * GET /metrics: the registry in the Prometheus text exposition format. With `key` (METRICS_KEY),
   * only a request with `Authorization: Bearer <key>` gets it (401 otherwise; compared in constant time).
   */
  handler(key?: string): RequestHandler {
    const want = key ? createHash('sha256').update(key).digest() : undefined;
    return async (req, res) => {
      if (want) {
        const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        const got = createHash('sha256').update(m?.[1] ?? '').digest();
        if (!m || !timingSafeEqual(got, want)) {
          res.status(401).setHeader('www-authenticate', 'Bearer realm="metrics"').type('text/plain').end('metrics need Authorization: Bearer <METRICS_KEY>\n');
          return;
        }
      }
      try {
        const body = await this.registry.metrics();
        res.setHeader('content-type', this.registry.contentType);
        res.setHeader('cache-control', 'no-store');
        res.end(body);
      } catch (err) {
        res.status(500).type('text/plain').end(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
  }

  /** The bounded `operation` label of a request (exported for tests via the class). */
  operationLabel(operationName: string | null | undefined, operation: OperationDefinitionNode | undefined): string {
    let label: string;
    if (operationName) label = operationName;
    else if (operation) {
      const fields = [
        ...new Set(operation.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : []))),
      ].sort();
      label = fields.length === 0 ? ANONYMOUS : fields.length <= 3 ? fields.join(',') : `${fields.slice(0, 3).join(',')},+${fields.length - 3}`;
    } else label = ANONYMOUS;
    label = label.slice(0, MAX_LABEL_CHARS);
    if (this.operationLabels.has(label)) return label;
    if (this.operationLabels.size >= this.maxOperationLabels) return OTHER;
    this.operationLabels.add(label);
    return label;
  }

  private finish(rc: GraphQLRequestContextWillSendResponse<Context>, seconds: number, log: Logger): void {
    const operation = this.operationLabel(rc.operationName, rc.operation);
    const type = rc.operation?.operation ?? 'unknown';
    const body = rc.response.body;
    const result = body.kind === 'single' ? body.singleResult : body.initialResult;
    const errors: readonly GraphQLFormattedError[] = result.errors ?? [];
    const outcome: Outcome = errors.length === 0 ? 'ok' : result.data != null ? 'partial' : 'error';

    this.requests.inc({ operation, type, outcome });
    this.requestDuration.observe({ operation, type }, seconds);

    const requestId = rc.contextValue?.requestId;
    const codes: string[] = [];
    for (const e of errors) {
      const raw = e.extensions?.code;
      const code = typeof raw === 'string' && ERROR_CODES.has(raw) ? raw : 'OTHER';
      codes.push(code);
      this.errors.inc({ code });
    }
    if (errors.length > 0 && requestId) {
      const withId = errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } }));
      if (body.kind === 'single') body.singleResult.errors = withId;
      else body.initialResult.errors = withId;
    }

    if (this.logRequests && rc.contextValue) {
      const keyId = rc.contextValue.principal?.keyId;
      const fields: Record<string, unknown> = {
        event: 'graphql.request',
        requestId,
        operation,
        type,
        outcome,
        durationMs: Math.round(seconds * 10_000) / 10,
      };
      if (rc.response.http.status) fields.httpStatus = rc.response.http.status;
      if (codes.length) fields.errorCodes = codes;
      if (keyId) fields.keyId = keyId;
      if (codes.includes('INTERNAL_SERVER_ERROR')) log.warn('graphql request', fields);
      else log.info('graphql request', fields);
    }
  }
}

/** Telemetry and plugin hooks must never throw into the request path. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* a metrics failure never fails a request */
  }
}
