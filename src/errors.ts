import { GraphQLError, type ASTNode, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/**
 * The one error taxonomy of the service. Every error a client can see carries one of these codes in
 * `extensions.code`: our own (thrown as AppError subclasses, below) and the few GraphQL/Apollo
 * raise before a resolver runs. Metrics count errors by these codes (anything else is "OTHER").
 */
export const ErrorCode = {
  /** The request is well-formed GraphQL but an argument is not acceptable (empty text, topK out of range...). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The addressed thing (item id, collection) does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The caller may not do this (a role it lacks, an image URL pointing into a private network). */
  FORBIDDEN: 'FORBIDDEN',
  /** No or invalid credentials (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A backing service (Milvus, Neo4j, LLM, web search, embedder, fetch) cannot be reached or refused the call. */
  UNAVAILABLE: 'UNAVAILABLE',
  /**
   * The request is valid, but the backend this deployment runs on cannot do it (KEYWORD search on a
   * Milvus without BM25): neither the caller's mistake (BAD_USER_INPUT) nor an outage (UNAVAILABLE);
   * retrying will not help, another mode or engine will.
   */
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  /** A payload exceeds a configured limit (bytes, pixels, batch size). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A time budget ran out. */
  TIMEOUT: 'TIMEOUT',
  /** Too many requests for this API key (RATE_LIMIT_PER_MINUTE); HTTP 429 with retry-after. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A bug or an unexpected failure; details are logged, not returned. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Raised before execution, by graphql-js / Apollo or by our query limits (src/http/limits.ts):
  /** The document does not parse. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The document does not validate against the schema, or exceeds a query limit (`extensions.limit`). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** The HTTP request is malformed (not JSON, wrong method, a query over WebSocket). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Automatic persisted queries: the hash is unknown (the client then sends the query). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Automatic persisted queries are off (PERSISTED_QUERIES=false). */
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** operationName names no operation of the document. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every code a client can see; what metrics label errors with. */
export const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

interface AppErrorOptions {
  cause?: unknown;
  /** The part of the document the error is about (query limits). */
  nodes?: ASTNode | readonly ASTNode[];
  /** Status and headers for the HTTP response (Apollo reads `extensions.http`; clients never see it). */
  http?: { status: number; headers?: Map<string, string> };
}

/**
 * Base class: an error whose message is safe and useful to show to a client. It is a GraphQLError,
 * so wherever it is thrown (resolver, context function, plugin, WebSocket handler) Apollo and
 * graphql-ws keep its code and HTTP status instead of wrapping it. `details` become extensions.
 */
export class AppError extends GraphQLError {
  override readonly cause: unknown;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options: AppErrorOptions = {},
  ) {
    super(message, { ...(options.nodes ? { nodes: options.nodes } : {}), extensions: { ...details, code, ...(options.http ? { http: options.http } : {}) } });
    this.name = new.target.name;
    this.cause = options.cause;
  }
}

/** An argument is invalid; `field` names the argument path so the client can fix it. */
export class BadInputError extends AppError {
  constructor(message: string, field?: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, field ? { field, ...details } : details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.NOT_FOUND, message, details);
  }
}

/** The caller may not do this. HTTP 403 when raised before execution (role checks). */
export class ForbiddenError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}, options: AppErrorOptions = {}) {
    super(ErrorCode.FORBIDDEN, message, details, options);
  }
}

/** No key, an unknown key or a malformed Authorization header: HTTP 401 with `www-authenticate: Bearer`. */
export class UnauthenticatedError extends AppError {
  constructor(message: string) {
    super(ErrorCode.UNAUTHENTICATED, message, {}, { http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } });
  }
}

/** Over RATE_LIMIT_PER_MINUTE: HTTP 429 with `retry-after` (seconds), also in `extensions.retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds }, { http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } });
  }
}

/** The operation exceeds a query limit once its variables are known (same code and HTTP 400 as the validation rules). */
export class QueryLimitError extends AppError {
  constructor(message: string, details: { limit: string; max: number; actual: number }, nodes?: ASTNode | readonly ASTNode[]) {
    super(ErrorCode.GRAPHQL_VALIDATION_FAILED, message, details, { http: { status: 400 }, ...(nodes ? { nodes } : {}) });
  }
}

/** The HTTP request itself is malformed (body not JSON, a query or mutation sent over WebSocket). */
export class BadRequestError extends AppError {
  constructor(message: string) {
    super(ErrorCode.BAD_REQUEST, message, {}, { http: { status: 400 } });
  }
}

/** operationName names no operation of the document. */
export class OperationResolutionError extends AppError {
  constructor(message: string) {
    super(ErrorCode.OPERATION_RESOLUTION_FAILURE, message, {}, { http: { status: 400 } });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, message, details);
  }
}

/**
 * A backing service failed. `service` names it (milvus, neo4j, llm, web, embedder, fetch). The
 * message reaches clients, so it names the service and what failed but never the driver's text
 * (which may hold internal hosts and ports): that goes in `cause`, logged with the requestId.
 */
export class UnavailableError extends AppError {
  constructor(service: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(ErrorCode.UNAVAILABLE, message, { service, ...options.details }, { cause: options.cause });
  }
}

/** What the request asks for is valid but this deployment's backend lacks it (NOT_SUPPORTED); `details` name it. */
export class NotSupportedError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.NOT_SUPPORTED, message, details);
  }
}

/**
 * A store answered and refused the request itself (malformed, against its schema, a constraint):
 * not an outage, so it is never retried and never reported as UNAVAILABLE. Our validation should
 * have stopped such a request, so it is a bug: masked for clients as INTERNAL_SERVER_ERROR and
 * logged with the store's own text (`cause`).
 */
export class StoreRejectedError extends AppError {
  constructor(service: string, message: string, cause: unknown) {
    super(ErrorCode.INTERNAL_SERVER_ERROR, message, { service }, { cause });
  }
}

export class TimeoutError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.TIMEOUT, message, details);
  }
}

/** A bug (an invariant broke); masked like any unexpected error, but says what broke in the log. */
export class InternalError extends AppError {
  constructor(message: string) {
    super(ErrorCode.INTERNAL_SERVER_ERROR, message);
  }
}

/**
 * Apollo `formatError`: our AppErrors keep their code and message (an InternalError is masked);
 * errors graphql-js/Apollo raised before execution (parse, validation, variable coercion ->
 * BAD_USER_INPUT) pass through; anything else is a bug or a vendor error and is masked, so no stack
 * or driver message leaks. Logging is the error-log plugin's job (it knows the requestId).
 */
export function makeFormatError(opts: { exposeInternal: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError && original.code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { ...formatted, message: original.message, extensions: { ...original.details, code: original.code } };
    }
    const code = formatted.extensions?.code;
    if (!(original instanceof AppError) && typeof code === 'string' && ERROR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return {
      message: opts.exposeInternal && original instanceof Error ? `Internal error: ${original.message}` : 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** An AppError as a client sees it, for answers sent outside GraphQL execution (body errors, WebSocket). */
export function formatAppError(err: AppError): GraphQLFormattedError {
  return { message: err.message, extensions: { ...err.details, code: err.code } };
}

/** True for errors a client sees as INTERNAL_SERVER_ERROR (bugs and unexpected vendor errors). */
export function isUnexpected(err: unknown): boolean {
  const original = unwrapResolverError(err);
  if (original instanceof AppError) return original.code === ErrorCode.INTERNAL_SERVER_ERROR;
  const code = original instanceof GraphQLError ? original.extensions.code : undefined;
  return !(typeof code === 'string' && ERROR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  // Some SDKs (Milvus) reject with plain status objects rather than Errors.
  if (err && typeof err === 'object') {
    const o = err as { reason?: unknown; message?: unknown; detail?: unknown };
    const text = o.reason ?? o.message ?? o.detail;
    if (typeof text === 'string' && text) return text;
    try {
      return JSON.stringify(err).slice(0, 500);
    } catch {
      /* fall through */
    }
  }
  return String(err);
}

/** The message and its chain of causes, for the log (never for clients: causes hold driver text). */
export function errorDetail(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    parts.push(errorMessage(cur));
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(' <- ');
}
