import { timingSafeEqual } from 'node:crypto';
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import { parseApiKeys, sha256, type ApiKeyEntry, type Config } from '../config.js';
import type { Principal } from '../context.js';
import type { Role } from '../domain.js';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { RequestHooks, RequestHooksFactory } from './request-hooks.js';

/**
 * THE role table. An operation needs the role of its type; a root field listed here needs that
 * role instead (when it is higher). Root fields not listed follow their operation type.
 */
export const OPERATION_ROLES: Readonly<Record<OperationTypeNode, Role>> = {
  query: 'read',
  subscription: 'read',
  mutation: 'write',
};
export const FIELD_ROLES: Readonly<Record<string, Role>> = {
  'Mutation.deleteItem': 'admin',
  'Mutation.deleteEntity': 'admin',
  'Mutation.deleteRelationship': 'admin',
};

/** Roles are hierarchical: admin ⊃ write ⊃ read. */
const RANK: Readonly<Record<Role, number>> = { read: 1, write: 2, admin: 3 };
const ROLES_OF: Readonly<Record<Role, ReadonlySet<Role>>> = {
  read: new Set<Role>(['read']),
  write: new Set<Role>(['read', 'write']),
  admin: new Set<Role>(['read', 'write', 'admin']),
};

const ALL_ROLES: ReadonlySet<Role> = ROLES_OF.admin;
const DEV_PRINCIPAL: Principal = Object.freeze({ keyId: null, roles: ALL_ROLES, devMode: true });

type Headers = Record<string, string | string[] | undefined>;

function unauthenticated(message: string): UnauthenticatedError {
  return new UnauthenticatedError(message);
}

/** The key presented in `Authorization: Bearer <key>` or `x-api-key: <key>`, if any. */
function presentedKey(headers: Headers): string | undefined {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'x-api-key') continue;
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      if (lower === 'x-api-key') {
        if (v.trim()) found.push(v.trim());
      } else {
        const m = /^\s*bearer\s+(\S+)\s*$/i.exec(v);
        if (!m) throw unauthenticated('The Authorization header must be "Bearer <API key>"');
        found.push(m[1]!);
      }
    }
  }
  if (found.length === 0) return undefined;
  if (new Set(found).size > 1) throw unauthenticated('Conflicting API keys in Authorization and x-api-key; send one');
  return found[0];
}

/**
 * Validates API_KEYS at startup (throws ConfigError). No API_KEYS = development mode: every
 * caller gets every role. Otherwise `authenticate` throws an UnauthenticatedError (HTTP 401)
 * for a missing or unknown key; keys are compared as sha256 digests with timingSafeEqual, against
 * every entry (no early exit).
 */
export function createAuthenticator(config: Pick<Config, 'apiKeys'>): { devMode: boolean; authenticate(headers: Headers): Principal } {
  const entries = parseApiKeys(config.apiKeys);
  if (entries.length === 0) return { devMode: true, authenticate: () => DEV_PRINCIPAL };
  const principals = new Map(entries.map((e) => [e.name, Object.freeze({ keyId: e.name, roles: ROLES_OF[e.role], devMode: false }) as Principal]));
  return {
    devMode: false,
    authenticate(headers) {
      const key = presentedKey(headers);
      if (key === undefined) throw unauthenticated('An API key is required: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
      const digest = sha256(key);
      let match: ApiKeyEntry | undefined;
      for (const e of entries) {
        if (timingSafeEqual(digest, e.digest) && !match) match = e;
      }
      if (!match) throw unauthenticated('The API key is not valid');
      return principals.get(match.name)!;
    },
  };
}

export interface RoleNeed {
  role: Role;
  /** The root field that needs it, as Type.field. */
  field: string;
}

const ROOT_TYPE: Readonly<Record<OperationTypeNode, string>> = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };

/**
 * The role each root field of the operation needs (root fields reached through fragments and
 * inline fragments count; @skip/@include are ignored, so a skipped field still needs its role).
 */
export function requiredRoles(operation: OperationDefinitionNode, fragments: Readonly<Record<string, FragmentDefinitionNode>>): RoleNeed[] {
  const type = ROOT_TYPE[operation.operation];
  const base = OPERATION_ROLES[operation.operation];
  const needs = new Map<string, Role>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const field = `${type}.${sel.name.value}`;
        const listed = FIELD_ROLES[field];
        needs.set(field, listed && RANK[listed] > RANK[base] ? listed : base);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet);
      } else {
        const name = sel.name.value;
        const frag = fragments[name];
        if (frag && !seen.has(name)) {
          seen.add(name);
          walk(frag.selectionSet);
        }
      }
    }
  };
  walk(operation.selectionSet);
  return [...needs].map(([field, role]) => ({ field, role }));
}

/**
 * requiredRoles of an operation, walked once per parsed document: Apollo hands the same operation
 * node for the same query text (its document cache), and the needs depend on nothing else.
 */
const rolesByOperation = new WeakMap<OperationDefinitionNode, RoleNeed[]>();
function rolesOf(operation: OperationDefinitionNode, document: DocumentNode): RoleNeed[] {
  let needs = rolesByOperation.get(operation);
  if (!needs) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    needs = requiredRoles(operation, fragments);
    rolesByOperation.set(operation, needs);
  }
  return needs;
}

/** The FORBIDDEN error for the first root field the principal lacks the role for, or null. */
export function authorizeOperation(principal: Principal, operation: OperationDefinitionNode, document: DocumentNode): ForbiddenError | null {
  const missing = rolesOf(operation, document)
    .filter((n) => !principal.roles.has(n.role))
    .sort((a, b) => RANK[b.role] - RANK[a.role]);
  const first = missing[0];
  if (!first) return null;
  const fields = [...new Set(missing.filter((m) => m.role === first.role).map((m) => m.field))];
  return new ForbiddenError(
    `The "${first.role}" role is needed for ${fields.join(', ')}; the API key "${principal.keyId ?? '(development)'}" does not have it`,
    { requiredRole: first.role, fields },
    { http: { status: 403 } },
  );
}

/**
 * Checks, once the operation is known and before anything executes, that the principal has the
 * roles the operation needs (FORBIDDEN, HTTP 403).
 */
export function authorizationHooks(): RequestHooksFactory {
  const hooks: RequestHooks = {
    didResolveOperation(rc) {
      const operation = rc.operation;
      if (!operation) return; // unknown operationName: Apollo answers OPERATION_RESOLUTION_FAILURE
      const denied = authorizeOperation(rc.contextValue.principal, operation, rc.document);
      if (denied) throw denied;
    },
  };
  return () => hooks;
}
