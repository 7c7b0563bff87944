/**
 * The floor of the stack Assay is built on: Fastify with Apollo Server through its official integration
 * (`@as-integrations/fastify`), default options, a one-field schema, an empty context and nothing else. It answers
 * `{ __typename }` as Assay does; what Assay costs above it is Assay's own, what it costs below the bare server is
 * the stack's.
 *
 * Prints `LISTENING <port>`.
 */
import { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';

const apollo = new ApolloServer({ typeDefs: 'type Query { ok: Boolean }' });
await apollo.start();
const app = Fastify();
app.route({ method: ['GET', 'POST'], url: '/graphql', handler: fastifyApolloHandler(apollo) });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : ''}\n`);
