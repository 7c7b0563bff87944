import { GraphQLError, Kind, visit, type ArgumentNode, type DocumentNode, type ValueNode } from 'graphql';

/** Deepest nesting of objects and lists in an argument's value (the schema's inputs need a handful). */
export const MAX_INPUT_DEPTH = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text cannot be taken as it is, or undefined when it can. */
function textProblem(s: string): string | undefined {
  // PostgreSQL text and jsonb cannot hold U+0000.
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  // A lone surrogate would be stored as U+FFFD, silently changing what the client sent.
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

/** BAD_USER_INPUT naming the field; `http` makes Apollo answer 400 for a refusal before execution (formatError drops it). */
const refuse = (field: string, problem: string) =>
  new GraphQLError(`${field}: ${problem}`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });

/**
 * The first value in `root` (an argument's value, reached at `path`) that no store could take: text with NUL
 * or lone surrogates (keys included), or nesting deeper than MAX_INPUT_DEPTH. Iterative, so a value nested
 * a hundred thousand levels deep is refused rather than overflowing the stack.
 */
export function inputProblem(root: unknown, path: string): GraphQLError | undefined {
  const stack: [unknown, string, number][] = [[root, path, 0]];
  while (stack.length) {
    const [value, at, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return refuse(at, problem);
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_INPUT_DEPTH) return refuse(at, `nested more than ${MAX_INPUT_DEPTH} levels deep`);
      const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
      for (const [key, child] of entries) {
        const problem = textProblem(key);
        if (problem) return refuse(at, `keys ${problem}`);
        stack.push([child, `${at}.${key}`, depth + 1]);
      }
    }
  }
  return undefined;
}

/** An argument's literal value as JSON-like data, with variables substituted (literals are bounded by the token limit). */
function literalValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.STRING:
      return node.value;
    case Kind.LIST:
      return node.values.map((v) => literalValue(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalValue(f.value, variables)]));
    default:
      return null;
  }
}

/** Every argument of a document (fields' and directives' alike), in document order; documents are cached by Apollo, so this is too. */
const argumentsByDocument = new WeakMap<DocumentNode, readonly ArgumentNode[]>();
function argumentsOf(document: DocumentNode): readonly ArgumentNode[] {
  let found = argumentsByDocument.get(document);
  if (!found) {
    const list: ArgumentNode[] = [];
    visit(document, {
      Argument(node) {
        list.push(node);
        return false;
      },
    });
    argumentsByDocument.set(document, (found = list));
  }
  return found;
}

/**
 * Refuses, before execution, any argument no store could take as sent (see `inputProblem`), naming it the way
 * resolvers do (`input.title`, `slug`), whether it came as a variable or a literal. Without this, a NUL in any
 * text argument reaches PostgreSQL and comes back as INTERNAL_SERVER_ERROR. Run from Apollo's `didResolveOperation`
 * (see `requestChecksPlugin`); throws the BAD_USER_INPUT error the client gets.
 * @example guardInputs(requestContext.document, requestContext.request.variables);
 */
export function guardInputs(document: DocumentNode, variables: Record<string, unknown> = {}): void {
  for (const node of argumentsOf(document)) {
    const problem = inputProblem(literalValue(node.value, variables), node.name.value);
    if (problem) throw problem;
  }
}
