import type { GatewayExecutionResult, GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, printSchema, type DocumentNode, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** Runs of one operation (document and operation name) interpreted by graphql-js before it is compiled. */
const INTERPRETED_RUNS = 1;

interface Operation {
  runs: number;
  compiled?: CompiledQuery | GatewayExecutionResult;
}

/**
 * Executes operations that clients repeat with graphql-jit: compiled once into a function that resolves that
 * document (after Apollo has parsed, validated and run its plugins as usual) instead of graphql-js interpreting it
 * field by field on every request. An operation's first run is interpreted, so a flood of one-off documents costs
 * no compiling. Plugged in through Apollo's gateway interface, the one place Apollo Server takes another executor.
 * @example new ApolloServer({ gateway: compiledExecution(makeExecutableSchema({ typeDefs, resolvers })), ... })
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
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
    operation.compiled ??= compileQuery(schema, document, operationName ?? undefined);
    if (!isCompiledQuery(operation.compiled)) return operation.compiled;

    // graphql-js words a bad variable with its path (`at "input.files.0.byteSize"`) and Apollo answers it as
    // BAD_USER_INPUT; graphql-jit's own coercion names neither, so graphql-js checks the variables first.
    const definitions = request.operation.variableDefinitions ?? [];
    if (definitions.length > 0) {
      const coerced = getVariableValues(schema, definitions, variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
    }
    return (await operation.compiled.query(undefined, request.context, variables)) as GatewayExecutionResult;
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
