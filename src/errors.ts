import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/**
 * The one error taxonomy of the service. Every error a client can see carries one of these
 * codes in `extensions.code`; anything else is masked as INTERNAL_SERVER_ERROR.
 */
export const ErrorCode = {
  /** The request is well-formed GraphQL but an argument is not acceptable (empty text, topK out of range...). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The addressed thing (item id, collection) does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The caller may not do this (e.g. an image URL pointing into a private network). */
  FORBIDDEN: 'FORBIDDEN',
  /** No or invalid credentials. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A backing service (Milvus, Neo4j, LLM, web search) cannot be reached or refused the call. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A payload exceeds a configured limit (bytes, pixels, batch size). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A time budget ran out. */
  TIMEOUT: 'TIMEOUT',
  /** Too many requests for this API key (RATE_LIMIT_PER_MINUTE); HTTP 429 with retry-after. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A bug or an unexpected failure; details are logged, not returned. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class: an error whose message is safe and useful to show to a client. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, { extensions: { code: this.code, ...this.details } });
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

export class ForbiddenError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.FORBIDDEN, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, message, details);
  }
}

/** A backing service failed. `service` names it (milvus, neo4j, llm, web, fetch). */
export class UnavailableError extends AppError {
  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.UNAVAILABLE, message, { service }, options);
  }
}

export class TimeoutError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.TIMEOUT, message, details);
  }
}

const KNOWN_GRAPHQL_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  ...Object.values(ErrorCode),
]);

/**
 * Apollo `formatError`: our AppErrors keep their code and message; errors Apollo itself raised
 * (parse, validation, variable coercion -> BAD_USER_INPUT) pass through; anything else is a bug or
 * a vendor error and is masked, so no stack or driver message leaks. `onUnexpected` logs it.
 */
export function makeFormatError(opts: { exposeInternal: boolean; onUnexpected: (err: unknown) => void }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return { ...formatted, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && KNOWN_GRAPHQL_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    opts.onUnexpected(original);
    return {
      message: opts.exposeInternal && original instanceof Error ? `Internal error: ${original.message}` : 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** Run `fn` and wrap any non-AppError as UNAVAILABLE for `service`: used at store boundaries. */
export async function asUnavailable<T>(service: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new UnavailableError(service, `${service} ${what} failed: ${errorMessage(err)}`, { cause: err });
  }
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
