import type { BaseContext, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  isUnionType,
  valueFromASTUntyped,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { QueryLimits } from '../config.js';
import { QueryTooComplexError } from '../errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination.js';

/** What a list of objects without a page size is assumed to hold when costing a query. */
export const ASSUMED_LIST_SIZE = 10;

/** The measures of one operation, with fragments expanded. */
export interface OperationMeasures {
  /** Deepest chain of nested fields, introspection (`__schema`, `__type`) included. */
  depth: number;
  /** Aliased fields. */
  aliases: number;
  /** Objects the operation may resolve: 1 per object field, times the page size for connections. */
  cost: number;
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

const ZERO: Measure = { depth: 0, aliases: 0, cost: 0 };

/**
 * Measures an operation against the schema. Linear in the document's size: each fragment is measured once,
 * so a "fragment bomb" (fragments spreading each other many times) cannot make the check itself slow.
 * @example measureOperation(schema, fragments, parse('query($n: Int) { datasets(first: $n) { nodes { vendor { id } } } }').definitions[0], { n: 50 }) // { depth: 4, aliases: 0, cost: 101 }
 */
export function measureOperation(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  /** Given, it collects the names of the variables the measures read (as a number or a list's length only). */
  read?: Set<string>,
): OperationMeasures {
  const root = schema.getRootType(operation.operation);
  if (!root) return { ...ZERO };
  const fragmentMeasures = new Map<string, Measure>();
  const inProgress = new Set<string>();
  const introspectionLists = introspectionListSizes(schema);
  // A variable the client did not send takes its default, as graphql-js executes it; one sent as null stays null.
  const defaults = new Map((operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d.defaultValue]));
  const variableValue = (name: string): unknown => {
    read?.add(name);
    if (variables && Object.hasOwn(variables, name)) return variables[name];
    const fallback = defaults.get(name);
    return fallback ? valueFromASTUntyped(fallback) : undefined;
  };

  const argumentValue = (node: ValueNode): unknown => {
    switch (node.kind) {
      case Kind.VARIABLE:
        return variableValue(node.name.value);
      case Kind.INT:
        return Number(node.value);
      case Kind.LIST:
        return node.values;
      case Kind.NULL:
        return null;
      default:
        return undefined;
    }
  };

  /** How many times a field's children are resolved. */
  const multiplier = (parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, args: Map<string, unknown>): number => {
    const type = getNullableType(field.type);
    const named = getNamedType(type);
    if (named.name.startsWith('__'))
      return isListType(type) ? (introspectionLists.get(`${parent.name}.${field.name}`) ?? ASSUMED_LIST_SIZE) : 1;
    if (named.name.endsWith('Connection') && field.args.some((a) => a.name === 'first')) {
      // A page is `first` or (backward) `last` rows; both at once is refused by the resolver, so the larger counts here.
      // Out-of-range values are refused by the resolver (BAD_USER_INPUT on `first` / `last`), not here.
      const sizes = [args.get('first'), args.get('last')].filter(
        (n): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1,
      );
      return sizes.length > 0 ? Math.min(Math.max(...sizes), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    }
    if (!isListType(type)) return 1;
    // A connection's own edges and nodes are its page, already counted by `first`.
    if (parent.name.endsWith('Connection')) return 1;
    const ids = args.get('ids');
    if (Array.isArray(ids)) return Math.max(1, ids.length);
    return ASSUMED_LIST_SIZE;
  };

  const measureSelections = (parent: GraphQLCompositeType, selectionSet: SelectionSetNode): Measure => {
    let depth = 0;
    let aliases = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      let m: Measure;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          const alias = selection.alias ? 1 : 0;
          const field = fieldOf(parent, name);
          if (!field || !selection.selectionSet) {
            m = { depth: 1, aliases: alias, cost: 0 };
            break;
          }
          const child = getNamedType(field.type);
          const inner = isCompositeType(child) ? measureSelections(child, selection.selectionSet) : ZERO;
          const args = new Map((selection.arguments ?? []).map((a) => [a.name.value, argumentValue(a.value)]));
          // `ofType` is the type reference it unwraps (resolving null past the schema's few wrappers), not another object.
          const own = parent.name === '__Type' && name === 'ofType' ? 0 : 1;
          m = { depth: 1 + inner.depth, aliases: alias + inner.aliases, cost: own + multiplier(parent, field, args) * inner.cost };
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          m = type && isCompositeType(type) ? measureSelections(type, selection.selectionSet) : ZERO;
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          m = measureFragment(selection.name.value);
          break;
      }
      depth = Math.max(depth, m.depth);
      aliases += m.aliases;
      cost += m.cost;
    }
    return { depth, aliases, cost };
  };

  const fieldOf = (parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined => {
    // Introspection's entry points are not among the root type's own fields.
    if (parent === root && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (parent === root && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  };

  const measureFragment = (name: string): Measure => {
    const known = fragmentMeasures.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Validation has refused cycles and unknown fragments already; this only keeps the walk finite regardless.
    if (!fragment || inProgress.has(name)) return ZERO;
    const type = schema.getType(fragment.typeCondition.name.value);
    if (!type || !isCompositeType(type)) return ZERO;
    inProgress.add(name);
    const m = measureSelections(type, fragment.selectionSet);
    inProgress.delete(name);
    fragmentMeasures.set(name, m);
    return m;
  };

  return measureSelections(root, operation.selectionSet);
}

const listSizesBySchema = new WeakMap<GraphQLSchema, ReadonlyMap<string, number>>();

/**
 * What each introspection list holds in this schema, on average per parent (rounded up), so that
 * `__schema { types { fields { args { name } } } }` costs about the objects it really returns.
 */
function introspectionListSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  const known = listSizesBySchema.get(schema);
  if (known) return known;
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  const fields = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []));
  const average = (total: number, over: number) => Math.max(1, Math.ceil(total / Math.max(1, over)));
  const perType = (count: (t: (typeof types)[number]) => number) =>
    average(
      types.reduce((sum, t) => sum + count(t), 0),
      types.length,
    );
  const sizes = new Map<string, number>([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', average(fields.length, types.length)],
    ['__Type.interfaces', perType((t) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0))],
    ['__Type.possibleTypes', perType((t) => (isUnionType(t) || isInterfaceType(t) ? schema.getPossibleTypes(t).length : 0))],
    ['__Type.enumValues', perType((t) => (isEnumType(t) ? t.getValues().length : 0))],
    ['__Type.inputFields', perType((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0))],
    [
      '__Field.args',
      average(
        fields.reduce((sum, f) => sum + f.args.length, 0),
        fields.length,
      ),
    ],
    [
      '__Directive.args',
      average(
        directives.reduce((sum, d) => sum + d.args.length, 0),
        directives.length,
      ),
    ],
  ]);
  listSizesBySchema.set(schema, sizes);
  return sizes;
}

/** The parse error graphql-js raises past `maxTokens` (16.x spells it "more that"); reported as QUERY_TOO_COMPLEX. */
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens/;

/**
 * The QUERY_TOO_COMPLEX error for a document graphql could not parse because of its size: past `maxTokens`, or
 * nested so deeply (e.g. `[[[[...]]]]`) that the recursive parser ran out of stack. Undefined for other syntax errors.
 */
export function parseLimitError(message: string): QueryTooComplexError | undefined {
  const limit = TOO_MANY_TOKENS.exec(message)?.[1];
  if (limit) {
    return new QueryTooComplexError(`The query has more than ${limit} tokens; send large values as variables`, {
      reason: 'TOKENS',
      limit: Number(limit),
    });
  }
  if (message.includes('Maximum call stack size exceeded')) {
    return new QueryTooComplexError('The query is nested too deeply to read', { reason: 'DEPTH' });
  }
  return undefined;
}

/** The first limit an operation exceeds, as the error the client gets; undefined when it is within all of them. */
export function checkQueryLimits(measures: OperationMeasures, limits: QueryLimits): QueryTooComplexError | undefined {
  const { depth, aliases, cost } = measures;
  // `http` makes Apollo answer 400 instead of 500; formatError removes it from what the client sees.
  const fail = (message: string, extensions: Record<string, unknown>) =>
    new QueryTooComplexError(message, { ...extensions, cost, http: { status: 400 } });
  if (depth > limits.maxDepth) {
    return fail(`The query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, {
      reason: 'DEPTH',
      depth,
      limit: limits.maxDepth,
    });
  }
  if (aliases > limits.maxAliases) {
    return fail(`The query uses ${aliases} aliases; the limit is ${limits.maxAliases}`, {
      reason: 'ALIASES',
      aliases,
      limit: limits.maxAliases,
    });
  }
  if (cost > limits.maxCost) {
    return fail(
      `The query may resolve ${cost} objects; the limit is ${limits.maxCost}. Ask for smaller pages (first) or fewer nested lists`,
      {
        reason: 'COST',
        limit: limits.maxCost,
      },
    );
  }
  return undefined;
}

/**
 * Refuses an operation over the depth, alias or cost limit after validation and before execution: run from Apollo's
 * `didResolveOperation` (see `requestChecksPlugin`), it throws the QUERY_TOO_COMPLEX error the client gets.
 * (The token limit is graphql's `parseOptions.maxTokens`, enforced while parsing.)
 * @example const check = queryLimitsCheck(config.limits.query); check(requestContext); // in didResolveOperation
 */
export function queryLimitsCheck<T extends BaseContext>(
  limits: QueryLimits,
): (request: GraphQLRequestContextDidResolveOperation<T>) => void {
  // An operation measures the same whenever the variables its measures read (page sizes, id lists) have the same
  // values; Apollo reuses the parsed document, so the measures are kept by operation and by those values.
  const measured = new WeakMap<OperationDefinitionNode, MeasuresByValues>();
  return ({ document, operation, request, schema }) => {
    if (!operation) return;
    const known = measured.get(operation);
    const key = known && valuesKey(known.read, request.variables);
    let measures = key === undefined ? undefined : known!.byValues.get(key);
    if (!measures) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
      const read = new Set<string>();
      measures = measureOperation(schema, fragments, operation, request.variables, read);
      const entry = known ?? { read: [...read], byValues: new Map() };
      if (!known) measured.set(operation, entry);
      // Bounded: a client paging with ever-new id lists must not grow it.
      if (entry.byValues.size >= MEASURES_PER_OPERATION) entry.byValues.clear();
      entry.byValues.set(key ?? valuesKey(entry.read, request.variables), measures);
    }
    const error = checkQueryLimits(measures, limits);
    if (error) throw error;
  };
}

/** Distinct values of an operation's read variables whose measures are kept. */
const MEASURES_PER_OPERATION = 64;

interface MeasuresByValues {
  /** The variables the operation's measures depend on (the same for every run: they follow from the document). */
  read: string[];
  byValues: Map<string, OperationMeasures>;
}

/**
 * What the measures see of the variables `names`, as one string: a page size counts by its number, an id list by its
 * length, any other value only by its type (a sent null differs from a variable not sent, which takes its default).
 */
function valuesKey(names: string[], variables: Record<string, unknown> | undefined): string {
  let key = '';
  for (const name of names) {
    const value = variables && Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (value === undefined) key += '-,';
    else if (typeof value === 'number') key += `${value},`;
    else if (Array.isArray(value)) key += `[${value.length}],`;
    else key += `${value === null ? 'null' : typeof value},`;
  }
  return key;
}
