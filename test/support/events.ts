/** One page of the caller's event stream, as a client replays it. */
export const EVENTS = `query($first: Int, $after: String, $types: [String!]) {
  events(first: $first, after: $after, types: $types) {
    totalCount nodes { id } edges { cursor node { id type occurredAt data } } pageInfo { hasNextPage endCursor }
  }
}`;
