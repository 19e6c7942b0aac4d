import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql';

/** A GraphQL error as the service reports it: a code (BAD_USER_INPUT, UNAVAILABLE...) and a message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const KEY_STORAGE = 'kg.apiKey';
export const apiKey = {
  get: (): string => localStorage.getItem(KEY_STORAGE) ?? '',
  set: (key: string) => {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    resetSocket();
    window.dispatchEvent(new Event('kg:key'));
  },
};

const authHeaders = (): Record<string, string> => (apiKey.get() ? { authorization: `Bearer ${apiKey.get()}` } : {});

interface GqlError {
  message: string;
  extensions?: { code?: string; field?: string };
}

function toError(errors: GqlError[]): ApiError {
  const e = errors[0]!;
  const code = e.extensions?.code ?? 'ERROR';
  if (code === 'UNAUTHENTICATED') window.dispatchEvent(new Event('kg:unauthenticated'));
  return new ApiError(e.message, code, e.extensions?.field);
}

/** One query or mutation over HTTP POST /graphql, typed by the generated document. */
export async function request<R, V>(doc: TypedDocumentString<R, V>, variables: V): Promise<R> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ query: doc.toString(), variables }),
    });
  } catch {
    throw new ApiError('The service cannot be reached: is it running?', 'NETWORK');
  }
  const body = (await res.json().catch(() => null)) as { data?: R; errors?: GqlError[] } | null;
  if (!body) throw new ApiError(`The service answered HTTP ${res.status} without a GraphQL body`, 'HTTP');
  if (body.errors?.length) throw toError(body.errors);
  return body.data as R;
}

let socket: Client | null = null;
function resetSocket() {
  socket?.dispose();
  socket = null;
}
function ws(): Client {
  socket ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    // Browsers cannot set WebSocket headers: the key goes in connection_init.
    connectionParams: () => authHeaders(),
    lazy: true,
    retryAttempts: 0,
  });
  return socket;
}

/** A subscription over graphql-ws; returns a function that cancels it (the service stops the work). */
export function subscribe<R, V>(doc: TypedDocumentString<R, V>, variables: V, on: { next: (data: R) => void; error: (e: ApiError) => void; complete: () => void }): () => void {
  return ws().subscribe<R>(
    { query: doc.toString(), variables: variables as Record<string, unknown> },
    {
      next: (msg) => (msg.errors?.length ? on.error(toError(msg.errors as GqlError[])) : on.next(msg.data as R)),
      error: (err) => {
        if (Array.isArray(err)) return on.error(toError(err as GqlError[]));
        const reason = (err as CloseEvent)?.reason;
        on.error(new ApiError(reason || 'The streaming connection failed', /unauth|key/i.test(reason ?? '') ? 'UNAUTHENTICATED' : 'NETWORK'));
      },
      complete: on.complete,
    },
  );
}

/** A file as base64 (no data: prefix), for ingestImage / search by image. */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new ApiError('The file could not be read', 'BAD_USER_INPUT'));
    r.readAsDataURL(file);
  });
}

/** Fetches a /media URL with the API key (an <img> cannot send headers) into an object URL. */
export async function mediaObjectUrl(url: string): Promise<string> {
  const res = await fetch(url, { headers: authHeaders() });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { errors?: GqlError[] } | null;
    throw body?.errors?.length ? toError(body.errors) : new ApiError(`HTTP ${res.status}`, 'HTTP');
  }
  return URL.createObjectURL(await res.blob());
}
