/** The two media types of the GraphQL-over-HTTP spec, as sent in `Content-Type`. */
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
export const LEGACY_JSON = 'application/json; charset=utf-8';

const CANDIDATES = [
  { type: 'application', subtype: 'json', answer: LEGACY_JSON },
  { type: 'application', subtype: 'graphql-response+json', answer: GRAPHQL_RESPONSE_JSON },
] as const;

/**
 * The media type a GraphQL answer is sent in, negotiated from `Accept` the way Apollo negotiates its own answers
 * (quality, then the most specific range, then the client's order; `application/json` when nothing decides), so the
 * server's own answers (429, 413, 503) speak the type the client asked for.
 * @example graphqlMediaType('application/graphql-response+json') // 'application/graphql-response+json; charset=utf-8'
 */
export function graphqlMediaType(accept: string | undefined): string {
  if (!accept) return LEGACY_JSON;
  const ranges = accept.split(',').map((part, index) => {
    const [range = '', ...params] = part.trim().split(';');
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    return { type, subtype, q: q === undefined ? 1 : Number(q), index };
  });
  const score = (c: (typeof CANDIDATES)[number]) => {
    let best: { q: number; specificity: number; index: number } | undefined;
    for (const r of ranges) {
      const specificity =
        r.type === c.type && r.subtype === c.subtype ? 2 : r.type === c.type && r.subtype === '*' ? 1 : r.type === '*' ? 0 : -1;
      if (specificity < 0) continue;
      if (!best || specificity > best.specificity) best = { q: r.q, specificity, index: r.index };
    }
    return best ?? { q: 0, specificity: -1, index: Infinity };
  };
  const [json, graphql] = CANDIDATES.map(score) as [ReturnType<typeof score>, ReturnType<typeof score>];
  const graphqlWins =
    graphql.q > json.q ||
    (graphql.q === json.q &&
      graphql.q > 0 &&
      (graphql.specificity > json.specificity || (graphql.specificity === json.specificity && graphql.index < json.index)));
  return graphqlWins ? GRAPHQL_RESPONSE_JSON : LEGACY_JSON;
}
