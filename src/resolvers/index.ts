import { BigIntScalar, DateTime, JSONScalar } from './scalars.js';
import { accountsResolvers } from './accounts.js';
import { auditResolvers } from './audit.js';
import { catalogResolvers } from './catalog.js';
import { deliveryResolvers } from './delivery.js';
import { lineageResolvers } from './lineage.js';
import { nodeResolvers } from './node.js';
import { billingResolvers } from './billing.js';
import { licensingResolvers } from './licensing.js';
import { offersResolvers } from './offers.js';
import { tokensResolvers } from './tokens.js';
import { meteringResolvers } from './metering.js';
import { mixesResolvers } from './mixes.js';
import { coverageResolvers } from './coverage.js';
import { eventsResolvers } from './events.js';
import { complianceResolvers } from './compliance.js';

type ResolverMap = Record<string, object>;

/** Merges each feature's resolver map type by type. */
function merge(...maps: ResolverMap[]): ResolverMap {
  const out: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) out[type] = { ...out[type], ...fields };
  }
  return out;
}

export const resolvers = merge(
  { DateTime, BigInt: BigIntScalar, JSON: JSONScalar },
  nodeResolvers,
  accountsResolvers,
  catalogResolvers,
  lineageResolvers,
  offersResolvers,
  licensingResolvers,
  billingResolvers,
  tokensResolvers,
  deliveryResolvers,
  auditResolvers,
  meteringResolvers,
  mixesResolvers,
  coverageResolvers,
  eventsResolvers,
  complianceResolvers,
);
