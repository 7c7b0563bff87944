import type { Connection } from '../pagination.js';

/** `nodes` and `totalCount` of any connection (edges and pageInfo are plain fields of the Connection value). */
export function connectionFields<T>() {
  return {
    nodes: (c: Connection<T>) => c.edges.map((e) => e.node),
    totalCount: (c: Connection<T>) => c.totalCount(),
  };
}
