import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';

/** A field resolver with a typed parent and arguments. */
export type Resolver<Parent, Args = Record<string, never>, Result = unknown> = (
  parent: Parent,
  args: Args,
  ctx: Context,
  info: GraphQLResolveInfo,
) => Result | Promise<Result>;

export type InputArgs = { input: unknown };
export type PageArgs = { first?: number | null; after?: string | null };
