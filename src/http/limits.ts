import {
  Kind,
  getIntrospectionQuery,
  parse,
  valueFromASTUntyped,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import type { Config } from '../config.js';
import { QueryLimitError } from '../errors.js';
import type { RequestHooks, RequestHooksFactory } from './request-hooks.js';

/**
 * Query limits, as GraphQL validation rules (Apollo answers their errors with HTTP 400 and code
 * GRAPHQL_VALIDATION_FAILED; `extensions.limit` names the limit, `max` and `actual` give values):
 *  - depth: field nesting, through fragments, at most MAX_QUERY_DEPTH. The subtrees of the
 *    introspection fields __schema/__type have their own, higher cap (INTROSPECTION_MAX_DEPTH), so
 *    the standard introspection query from Sandbox and codegen passes;
 *  - aliases: aliased field selections (fragments expanded) at most MAX_ALIASES, and field
 *    selections overall (fragments expanded) at most MAX_SELECTIONS: alias and duplication bombs;
 *  - cost: every field costs 1 × the multiplier it sits under; a field with a `topK` or `limit`
 *    argument (direct, or a field of an input-object argument such as `search(input: {topK})`)
 *    multiplies its subtree by that value (its schema default when absent, else 10; capped at the
 *    largest value resolvers accept, see multiplierCap). At most MAX_QUERY_COST. Variable values
 *    are unknown at validation time (their declared default, else the schema default, else 10 is
 *    used), so `operationCostError` re-checks with the real values once the operation is resolved
 *    (called from the authorization plugin, and from the WebSocket endpoint).
 */

/** Field selections (after expanding fragments) one operation may make. */
export const MAX_SELECTIONS = 1000;
/** Depth cap inside __schema / __type (graphql-js's getIntrospectionQuery() is 15 deep). */
export const INTROSPECTION_MAX_DEPTH = 20;
/**
 * Cost cap inside __schema / __type, as a multiple of what the full standard introspection query
 * (getIntrospectionQuery with every option) costs on this schema: Sandbox and codegen pass, and a
 * query nesting the lists (types { fields { type { fields ... } } }) grows multiplicatively and is refused.
 */
export const INTROSPECTION_COST_FACTOR = 2;
/** Multiplier of a topK/limit field whose value is unknown and has no schema default. */
export const DEFAULT_LIST_SIZE = 10;
const MULTIPLIER_ARGS = new Set(['topK', 'limit']);
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

// Schema types are inspected by shape and Symbol.toStringTag rather than with graphql's
// isObjectType()/getNamedType() (instanceof checks): under vitest, Apollo and @graphql-tools load
// graphql's CJS build while our sources get its ESM build, and instanceof fails across the two.
const tag = (t: unknown) => Object.prototype.toString.call(t);
const namedType = (t: GraphQLType): GraphQLNamedType => {
  let cur: GraphQLType = t;
  while ('ofType' in cur && cur.ofType) cur = cur.ofType as GraphQLType;
  return cur as GraphQLNamedType;
};
const fieldsOf = (t: GraphQLNamedType | undefined): Record<string, GraphQLField<unknown, unknown>> | undefined =>
  t && (tag(t) === '[object GraphQLObjectType]' || tag(t) === '[object GraphQLInterfaceType]') ? (t as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields() : undefined;
const asInputObject = (t: GraphQLNamedType): GraphQLInputObjectType | undefined => (tag(t) === '[object GraphQLInputObjectType]' ? (t as GraphQLInputObjectType) : undefined);

export interface OperationMeasure {
  /** Deepest field nesting outside introspection (root fields are depth 1). */
  depth: number;
  /** Deepest nesting inside __schema/__type, counted from that field. */
  introspectionDepth: number;
  aliases: number;
  selections: number;
  /** Outside introspection. */
  cost: number;
  /** Inside __schema/__type: every list multiplies by its average size in this schema (introspectionSizes). */
  introspectionCost: number;
}

/** A selection set's measure: its cost at multiplier 1 (cost is linear in the multiplier, so fragments are measured once). */
type SetMeasure = OperationMeasure;

const EMPTY: SetMeasure = { depth: 0, introspectionDepth: 0, aliases: 0, selections: 0, cost: 0, introspectionCost: 0 };

const sizesCache = new WeakMap<GraphQLSchema, Record<string, number>>();

/**
 * How many entries each list field of the introspection types returns on average in this schema
 * (at least 1): an introspection query's cost is estimated like any query's, with these as the
 * lists' sizes.
 */
export function introspectionSizes(schema: GraphQLSchema): Record<string, number> {
  let sizes = sizesCache.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  const avg = (xs: number[]) => Math.max(1, Math.ceil(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)));
  const withFields = types.flatMap((t) => {
    const f = fieldsOf(t);
    return f ? [Object.values(f)] : [];
  });
  const count = (tagName: string, list: (t: never) => readonly unknown[]) => avg(types.filter((t) => tag(t) === `[object ${tagName}]`).map((t) => list(t as never).length));
  sizes = {
    types: types.length,
    directives: schema.getDirectives().length,
    fields: avg(withFields.map((f) => f.length)),
    args: avg(withFields.flat().map((f) => f.args.length)),
    inputFields: count('GraphQLInputObjectType', (t: GraphQLInputObjectType) => Object.keys(t.getFields())),
    enumValues: count('GraphQLEnumType', (t: { getValues(): readonly unknown[] }) => t.getValues()),
    possibleTypes: count('GraphQLUnionType', (t: { getTypes(): readonly unknown[] }) => t.getTypes()),
    interfaces: count('GraphQLObjectType', (t: { getInterfaces(): readonly unknown[] }) => t.getInterfaces()),
  };
  sizesCache.set(schema, sizes);
  return sizes;
}

const budgetCache = new WeakMap<GraphQLSchema, number>();

/** INTROSPECTION_COST_FACTOR × the cost of the full standard introspection query on this schema. */
export function introspectionBudget(schema: GraphQLSchema): number {
  let budget = budgetCache.get(schema);
  if (budget === undefined) {
    const doc = parse(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    budget = INTROSPECTION_COST_FACTOR * measureOperation(schema, op, fragments).introspectionCost;
    budgetCache.set(schema, budget);
  }
  return budget;
}

/**
 * Measure one operation. Fragments are measured once each (memoised) and cycles contribute nothing,
 * so the work is linear in the document size even for fragment fan-out bombs. With `variables`
 * undefined (validation time) variable values are not known; see the module comment.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables?: Readonly<Record<string, unknown>>,
  maxMultiplier = Number.POSITIVE_INFINITY,
  /** Called when a variable's value is looked up (so callers know whether variables matter). */
  onVariable?: (name: string) => void,
): OperationMeasure {
  const memo = new Map<string, SetMeasure>();
  const sizes = introspectionSizes(schema);
  const inProgress = new Set<string>();
  const varDefaults = new Map<string, unknown>();
  for (const def of operation.variableDefinitions ?? []) {
    if (def.defaultValue) varDefaults.set(def.variable.name.value, valueFromASTUntyped(def.defaultValue));
  }
  const variableValue = (name: string): unknown => {
    onVariable?.(name);
    return variables && name in variables ? variables[name] : varDefaults.get(name);
  };
  /** One field of an input-object argument, evaluating only that field (not e.g. a 512-number vector beside it). */
  const fieldOf = (node: ValueNode, field: string): unknown => {
    if (node.kind === Kind.VARIABLE) {
      const v = variableValue(node.name.value);
      return v && typeof v === 'object' ? (v as Record<string, unknown>)[field] : undefined;
    }
    if (node.kind !== Kind.OBJECT) return undefined;
    const f = node.fields.find((x) => x.name.value === field);
    return f ? valueOf(f.value) : undefined;
  };

  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.VARIABLE) return variableValue(node.name.value);
    if (node.kind === Kind.OBJECT) return Object.fromEntries(node.fields.map((f) => [f.name.value, valueOf(f.value)]));
    if (node.kind === Kind.LIST) return node.values.map(valueOf);
    return valueFromASTUntyped(node);
  };

  const multiplierOf = (node: FieldNode, def: GraphQLField<unknown, unknown> | undefined): number => {
    // A direct topK/limit argument...
    for (const name of MULTIPLIER_ARGS) {
      const given = node.arguments?.find((a) => a.name.value === name);
      const argDef = def?.args.find((a) => a.name === name);
      if (given || argDef) return Math.min(maxMultiplier, toSize(given ? valueOf(given.value) : undefined, argDef?.defaultValue));
    }
    // ...or a topK/limit field of an input-object argument (search(input: {topK}), ask(question, options: {topK})).
    for (const argDef of def?.args ?? []) {
      const inputType = asInputObject(namedType(argDef.type));
      if (!inputType) continue;
      const fieldName = [...MULTIPLIER_ARGS].find((n) => n in inputType.getFields());
      if (!fieldName) continue;
      const given = node.arguments?.find((a) => a.name.value === argDef.name);
      const dflt = argDef.defaultValue;
      const inner = given ? fieldOf(given.value, fieldName) : dflt && typeof dflt === 'object' ? (dflt as Record<string, unknown>)[fieldName] : undefined;
      return Math.min(maxMultiplier, toSize(inner, inputType.getFields()[fieldName]!.defaultValue));
    }
    return 1;
  };

  const measureSet = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean): SetMeasure => {
    const m = { ...EMPTY };
    for (const sel of set.selections) {
      let child: SetMeasure;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const def = fieldsOf(parent)?.[name];
        const type = name === '__schema' ? schema.getType('__Schema') : name === '__type' ? schema.getType('__Type') : def ? namedType(def.type) : undefined;
        const intro = inIntrospection || INTROSPECTION_FIELDS.has(name);
        const sub = sel.selectionSet ? measureSet(sel.selectionSet, type ?? undefined, intro) : EMPTY;
        // Inside introspection a list multiplies by its average size here; elsewhere by its topK/limit.
        const mult = !sel.selectionSet ? 1 : intro ? (inIntrospection ? (sizes[name] ?? 1) : 1) : multiplierOf(sel, def);
        child = {
          depth: intro ? 0 : 1 + sub.depth,
          introspectionDepth: intro ? 1 + sub.introspectionDepth : sub.introspectionDepth,
          aliases: (sel.alias ? 1 : 0) + sub.aliases,
          selections: 1 + sub.selections,
          cost: intro ? 0 : 1 + mult * sub.cost,
          introspectionCost: intro ? 1 + mult * sub.introspectionCost : sub.introspectionCost,
        };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        child = measureSet(sel.selectionSet, type ?? undefined, inIntrospection);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || inProgress.has(name)) continue; // unknown or cyclic: reported by the standard rules
        // Measured once inside and once outside introspection at most: the two count differently.
        const key = `${inIntrospection ? 'i' : 'o'}:${name}`;
        let fm = memo.get(key);
        if (!fm) {
          inProgress.add(name);
          fm = measureSet(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined, inIntrospection);
          inProgress.delete(name);
          memo.set(key, fm);
        }
        child = fm;
      }
      m.depth = Math.max(m.depth, child.depth);
      m.introspectionDepth = Math.max(m.introspectionDepth, child.introspectionDepth);
      m.aliases += child.aliases;
      m.selections += child.selections;
      m.cost += child.cost;
      m.introspectionCost += child.introspectionCost;
    }
    return m;
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const m = measureSet(operation.selectionSet, root ?? undefined, false);
  return { depth: m.depth, introspectionDepth: m.introspectionDepth, aliases: m.aliases, selections: m.selections, cost: m.cost, introspectionCost: m.introspectionCost };
}

type LimitsConfig = Pick<Config, 'requestLimits'> & Partial<Pick<Config, 'limits' | 'graph'>>;

/**
 * The largest multiplier a topK/limit can contribute: the largest value the resolvers accept
 * (SEARCH_MAX_TOP_K, GRAPH_MAX_RESULTS). A larger value is refused by its resolver with an error
 * naming that bound, so the cost rule does not pre-empt that clearer message; nested lists still
 * multiply.
 */
export function multiplierCap(config: LimitsConfig): number {
  const caps = [config.limits?.searchMaxTopK, config.graph?.maxResults].filter((n): n is number => typeof n === 'number');
  return caps.length ? Math.max(...caps) : Number.POSITIVE_INFINITY;
}

/** A topK/limit value as a multiplier: a positive integer; unknown -> the schema default, else 10. */
function toSize(value: unknown, schemaDefault: unknown): number {
  const v = typeof value === 'number' && Number.isFinite(value) ? value : typeof schemaDefault === 'number' ? schemaDefault : DEFAULT_LIST_SIZE;
  return Math.max(1, Math.floor(v));
}

function limitError(message: string, limit: string, max: number, actual: number, nodes?: OperationDefinitionNode): QueryLimitError {
  return new QueryLimitError(message, { limit, max, actual }, nodes);
}

const fmt = (n: number) => (Number.isFinite(n) ? String(n) : 'more than 1e308');

/** Measure every operation of a document once per validation (the three rules share it). */
function measuresOf(context: ValidationContext, cache: WeakMap<DocumentNode, { op: OperationDefinitionNode; m: OperationMeasure }[]>, maxMultiplier: number) {
  const doc = context.getDocument();
  let result = cache.get(doc);
  if (!result) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    result = doc.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
      .map((op) => ({ op, m: measureOperation(context.getSchema(), op, fragments, undefined, maxMultiplier) }));
    cache.set(doc, result);
  }
  return result;
}

const opLabel = (op: OperationDefinitionNode) => (op.name ? `Operation "${op.name.value}"` : 'The operation');

/** Depth, alias/selection and cost limits (see the module comment). */
export function validationRules(config: LimitsConfig): ValidationRule[] {
  const { maxDepth, maxAliases, maxCost } = config.requestLimits;
  const maxMultiplier = multiplierCap(config);
  const cache = new WeakMap<DocumentNode, { op: OperationDefinitionNode; m: OperationMeasure }[]>();
  const rule =
    (check: (op: OperationDefinitionNode, m: OperationMeasure) => QueryLimitError | null): ValidationRule =>
    (context: ValidationContext): ASTVisitor => ({
      Document() {
        for (const { op, m } of measuresOf(context, cache, maxMultiplier)) {
          const err = check(op, m);
          if (err) context.reportError(err);
        }
        return false;
      },
    });
  const depthRule = rule((op, m) => {
    if (m.depth > maxDepth) {
      return limitError(`${opLabel(op)} is nested ${m.depth} fields deep; the limit is ${maxDepth} (MAX_QUERY_DEPTH)`, 'MAX_QUERY_DEPTH', maxDepth, m.depth, op);
    }
    if (m.introspectionDepth > INTROSPECTION_MAX_DEPTH) {
      return limitError(
        `${opLabel(op)} nests introspection ${m.introspectionDepth} fields deep; the limit is ${INTROSPECTION_MAX_DEPTH}`,
        'INTROSPECTION_MAX_DEPTH',
        INTROSPECTION_MAX_DEPTH,
        m.introspectionDepth,
        op,
      );
    }
    return null;
  });
  const aliasRule = rule((op, m) => {
    if (m.aliases > maxAliases) {
      return limitError(`${opLabel(op)} uses ${m.aliases} aliases; the limit is ${maxAliases} (MAX_ALIASES)`, 'MAX_ALIASES', maxAliases, m.aliases, op);
    }
    if (m.selections > MAX_SELECTIONS) {
      return limitError(
        `${opLabel(op)} selects ${m.selections} fields (fragments expanded); the limit is ${MAX_SELECTIONS} (MAX_SELECTIONS)`,
        'MAX_SELECTIONS',
        MAX_SELECTIONS,
        m.selections,
        op,
      );
    }
    return null;
  });
  const costRule = rule((op, m) => costError(op, m.cost, maxCost));
  const introspectionCostRule = (context: ValidationContext): ASTVisitor => {
    const budget = introspectionBudget(context.getSchema());
    return rule((op, m) =>
      m.introspectionCost > budget
        ? limitError(
            `${opLabel(op)} has an estimated introspection cost of ${fmt(m.introspectionCost)}; the limit is ${budget} (${INTROSPECTION_COST_FACTOR}× the full standard introspection query). Nest fewer lists`,
            'INTROSPECTION_MAX_COST',
            budget,
            Number.isFinite(m.introspectionCost) ? m.introspectionCost : Number.MAX_VALUE,
            op,
          )
        : null,
    )(context);
  };
  return [depthRule, aliasRule, costRule, introspectionCostRule];
}

function costError(op: OperationDefinitionNode, cost: number, maxCost: number): QueryLimitError | null {
  if (cost <= maxCost) return null;
  return limitError(
    `${opLabel(op)} has an estimated cost of ${fmt(cost)}; the limit is ${maxCost} (MAX_QUERY_COST). Lower topK/limit arguments or select fewer fields`,
    'MAX_QUERY_COST',
    maxCost,
    Number.isFinite(cost) ? cost : Number.MAX_VALUE,
    op,
  );
}

/**
 * The cost check again, with the request's variable values (a `topK: $k` is only known now).
 * Returns a QueryLimitError (GRAPHQL_VALIDATION_FAILED, HTTP 400) like the validation rule, or null.
 */
export function operationCostError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  /** MAX_QUERY_COST, and the multiplier cap (multiplierCap) that the validation rule applies too. */
  config: LimitsConfig,
): QueryLimitError | null {
  if (!operation.variableDefinitions?.length) return null; // already checked exactly by the validation rule
  // An operation whose cost reads no variable (e.g. `search(input: {vector: {values: $v}, topK: 10})`)
  // was checked exactly at validation: skip the walk on its later requests (Apollo reuses the
  // parsed document, so the operation node is the key).
  if (variableFree.has(operation)) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  let readsVariables = false;
  const { cost } = measureOperation(schema, operation, fragments, variables, multiplierCap(config), () => (readsVariables = true));
  if (!readsVariables) variableFree.add(operation);
  return costError(operation, cost, config.requestLimits.maxCost);
}

/** Operations whose cost depends on no variable value. */
const variableFree = new WeakSet<OperationDefinitionNode>();

/**
 * Re-checks the cost limit with the request's actual variable values once the operation is known
 * and before anything executes (the validation rule only sees the document).
 */
export function queryCostHooks(config: LimitsConfig): RequestHooksFactory {
  const hooks: RequestHooks = {
    didResolveOperation(rc) {
      if (!rc.operation) return;
      const tooCostly = operationCostError(rc.schema, rc.document, rc.operation, rc.request.variables ?? {}, config);
      if (tooCostly) throw tooCostly;
    },
  };
  return () => hooks;
}
