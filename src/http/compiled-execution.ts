import type { GatewayExecutionResult, GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  Kind,
  execute,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isSpecifiedScalarType,
  printSchema,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { CANONICAL_LEAVES } from '../resolvers/canonical-leaves.js';

/** Runs of one operation (document and operation name) interpreted by graphql-js before it is compiled. */
const INTERPRETED_RUNS = 1;

interface Operation {
  runs: number;
  /** Its compiled form; `interpret` when graphql-jit could not compile it, so graphql-js runs it every time. */
  compiled?: CompiledQuery | 'interpret';
}

/**
 * graphql-jit's errors leave `extensions` undefined when the resolver threw a plain Error; Apollo reads
 * `extensions.code` before `formatError` runs, so such an error would skip it (never logged nor counted) and reach
 * the client as a bare "Internal server error". Rebuilt as graphql-js builds it: same message, locations, path
 * and original error.
 */
function asUpstreamError(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined });
  return Object.defineProperty(rebuilt, 'locations', { value: error.locations, enumerable: error.locations !== undefined });
}

export interface CompiledExecutionOptions {
  /** Told when graphql-jit cannot compile an operation (it is then interpreted) or a compiled run throws. */
  onError: (err: unknown, stage: 'compile' | 'run', message: string) => void;
  /** The compiler; graphql-jit's unless a caller needs another. */
  compile?: typeof compileQuery;
  /**
   * Enum and built-in scalar leaves (`Type.field`) that always resolve to their serialized form already
   * (`CANONICAL_LEAVES` unless a caller gives others): an operation selecting no other such leaf is compiled
   * without graphql-jit's per-leaf serializer calls, which allocate their error locations, path and arguments for
   * every field of every row. Custom scalars (DateTime, BigInt) are serialized either way.
   */
  canonicalLeaves?: ReadonlySet<string>;
}

/**
 * Whether every enum and built-in scalar leaf `operation` may select (through fragments, on every type an
 * interface or union may be) is in `canonical`, and the enums among them have no internal values.
 */
export function selectsOnlyCanonicalLeaves(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  canonical: ReadonlySet<string>,
): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // Each fragment is checked once per type it is spread on, so nested spreads cannot make this slow.
  const checked = new Map<string, boolean>();
  const visit = (parent: GraphQLCompositeType, selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        return !!type && isCompositeType(type) && visit(type, selection.selectionSet);
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!type || !isCompositeType(type)) return false;
        const key = `${fragment.name.value}|${parent.name}`;
        if (!checked.has(key)) {
          checked.set(key, true); // validation rules out cycles; a fragment is never re-entered from inside itself
          checked.set(key, visit(type, fragment.selectionSet));
        }
        return checked.get(key)!;
      }
      const name = selection.name.value;
      if (name === '__typename') return true;
      if (name.startsWith('__')) return false;
      const types = isAbstractType(parent) ? schema.getPossibleTypes(parent) : [parent];
      return types.every((type) => {
        const field = 'getFields' in type ? type.getFields()[name] : undefined;
        if (!field) return false;
        const named = getNamedType(field.type);
        if (isCompositeType(named)) return !selection.selectionSet || visit(named, selection.selectionSet);
        if (isEnumType(named)) return canonical.has(`${type.name}.${name}`) && named.getValues().every((v) => v.value === v.name);
        return !isSpecifiedScalarType(named) || canonical.has(`${type.name}.${name}`);
      });
    });
  const root = schema.getRootType(operation.operation);
  return !!root && visit(root, operation.selectionSet);
}

/**
 * Executes operations that clients repeat with graphql-jit: compiled once into a function that resolves that
 * document (after Apollo has parsed, validated and run its plugins as usual) instead of graphql-js interpreting it
 * field by field on every request. An operation's first run is interpreted, so a flood of one-off documents costs
 * no compiling; one graphql-jit cannot compile is always interpreted. Plugged in through Apollo's gateway
 * interface, the one place Apollo Server takes another executor. Errors in results go through Apollo's
 * `formatError` on every run, compiled or not (logged and counted there).
 * @example new ApolloServer({ gateway: compiledExecution(makeExecutableSchema({ typeDefs, resolvers }), { onError }), ... })
 */
export function compiledExecution(schema: GraphQLSchema, options: CompiledExecutionOptions): GatewayInterface {
  const compile = options.compile ?? compileQuery;
  const canonicalLeaves = options.canonicalLeaves ?? CANONICAL_LEAVES;
  // Keyed by Apollo's cached documents (a repeated operation is the same object), so a compiled operation lives
  // exactly as long as Apollo keeps its document.
  const operations = new WeakMap<DocumentNode, Map<string, Operation>>();

  const executor: GatewayExecutor = async (request) => {
    // `request.operationName` is the operation Apollo resolved (null when none matched); graphql-js is given the name
    // the client asked for, so that it answers an unknown one as such.
    const { document, operationName } = request;
    const variables = request.request.variables ?? {};
    const interpret = () =>
      execute({
        schema,
        document,
        operationName: request.request.operationName,
        contextValue: request.context,
        variableValues: variables,
      }) as Promise<GatewayExecutionResult>;
    // Apollo could not pick the operation: graphql-js says why (and Apollo answers it as a bad request).
    if (!request.operation) return interpret();

    let byName = operations.get(document);
    if (!byName) operations.set(document, (byName = new Map()));
    let operation = byName.get(operationName ?? '');
    if (!operation) byName.set(operationName ?? '', (operation = { runs: 0 }));
    if (!operation.compiled && ++operation.runs <= INTERPRETED_RUNS) return interpret();
    if (!operation.compiled) {
      const disableLeafSerialization = selectsOnlyCanonicalLeaves(schema, document, request.operation, canonicalLeaves);
      const compiled = compile(schema, document, operationName ?? undefined, { disableLeafSerialization });
      // graphql-js already validated it, so a refusal here is graphql-jit's limit, not the client's mistake.
      if (!isCompiledQuery(compiled)) {
        options.onError(
          compiled.errors?.[0],
          'compile',
          `graphql-jit could not compile operation ${operationName ?? '(anonymous)'}; it is interpreted`,
        );
      }
      operation.compiled = isCompiledQuery(compiled) ? compiled : 'interpret';
    }
    if (operation.compiled === 'interpret') return interpret();

    // graphql-js words a bad variable with its path (`at "input.files.0.byteSize"`) and Apollo answers it as
    // BAD_USER_INPUT; graphql-jit's own coercion names neither, so graphql-js checks the variables first.
    const definitions = request.operation.variableDefinitions ?? [];
    if (definitions.length > 0) {
      const coerced = getVariableValues(schema, definitions, variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
    }
    try {
      const result = await operation.compiled.query(undefined, request.context, variables);
      return (result.errors ? { ...result, errors: result.errors.map(asUpstreamError) } : result) as GatewayExecutionResult;
    } catch (err) {
      // A compiled run that throws (rather than answering errors) is graphql-jit's failure; Apollo answers it as internal.
      options.onError(err, 'run', `compiled operation ${operationName ?? '(anonymous)'} threw`);
      throw err;
    }
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async stop() {},
  };
}
