import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses `__schema` and `__type` while validating (so before anything runs) when introspection is turned off;
 * `__typename` stays, since clients use it to tell types apart.
 * @example new ApolloServer({ ..., validationRules: config.introspection ? [] : [introspectionDisabledRule] })
 */
export const introspectionDisabledRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError(`Introspection is turned off on this server; the query asks for "${node.name.value}"`, { nodes: node }),
      );
    }
  },
});
