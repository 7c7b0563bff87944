import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Paths by field node and depth, for as long as the parsed document lives. */
const known = new WeakMap<FieldNode, Map<number, ReadonlySet<string>>>();

/**
 * The fields a client selected below the field being resolved, as dotted paths of field names
 * (`edges.node.vendor`), up to `maxDepth` levels down: aliases and fragments are merged and type conditions and
 * `@skip`/`@include` ignored, so a path that might be selected counts as selected. Lets a resolver read in one
 * statement what the fields below it will ask for.
 * @example selectedPaths(info, 3).has('edges.node.offers')
 */
export function selectedPaths(info: GraphQLResolveInfo, maxDepth: number): ReadonlySet<string> {
  // Apollo keeps a repeated operation's parsed document, so a lone field node's paths are the same each run (a
  // field merged from several nodes is worked out each time: which nodes merge depends on where it is spread).
  const node = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  const cached = node && known.get(node)?.get(maxDepth);
  if (cached) return cached;
  const paths = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined, prefix: string, depth: number, spreading: Set<string>) => {
    if (!selectionSet || depth > maxDepth) return;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const path = prefix + selection.name.value;
        paths.add(path);
        visit(selection.selectionSet, `${path}.`, depth + 1, spreading);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, prefix, depth, spreading);
      } else if (!spreading.has(selection.name.value)) {
        // Validation rules out fragment cycles; a fragment is still never entered from inside itself.
        const name = selection.name.value;
        visit(info.fragments[name]?.selectionSet, prefix, depth, new Set([...spreading, name]));
      }
    }
  };
  for (const field of info.fieldNodes) visit(field.selectionSet, '', 1, new Set());
  if (node) {
    let byKey = known.get(node);
    if (!byKey) known.set(node, (byKey = new Map()));
    byKey.set(maxDepth, paths);
  }
  return paths;
}
