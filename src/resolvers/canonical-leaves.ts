/**
 * Leaf fields (`Type.field`, enum and built-in scalar types only) whose resolved value is always already what its
 * GraphQL type serializes it to: a string for String and ID, a boolean for Boolean, a 32-bit integer for Int, a
 * finite number for Float, the member's own name for an enum (the schema's enums have no internal values), or null
 * where the field is nullable. graphql-jit then needs no serializer call for them (see `compiledExecution`), and an
 * operation that selects only these runs with a few allocations less per field: the catalog page has ~800 of them.
 *
 * Each holds by where the value comes from, for every row a store returns (a drizzle select or a `JsonRowCodec`
 * row: the same decoding), so a field joins only when all of its sources qualify:
 * - text, boolean and integer columns (PostgreSQL's int4 is a 32-bit integer), and text[] for the lists;
 * - enum columns whose PostgreSQL enum has exactly the GraphQL enum's members (src/db/tables/);
 * - version_lineage's fractions, double precision checked BETWEEN 0 AND 1 (no NaN, no infinity), and its depth;
 * - what the connections and resolvers build: cursors (strings), page flags (booleans), counts (`count(*)::int`),
 *   the search rank (a `real` ts_rank_cd, never NaN), the terms (boolean columns and their AND / OR) and the
 *   collapse risk (a stored level, or HIGH).
 * Not here: Float columns without a check (an offer's includedUnits, usageCap), values computed elsewhere, and every
 * field not listed; those are serialized as graphql-js serializes them.
 */
export const CANONICAL_LEAVES: ReadonlySet<string> = new Set(
  [
    'PageInfo.hasNextPage PageInfo.hasPreviousPage PageInfo.startCursor PageInfo.endCursor',
    'DatasetConnection.totalCount DatasetEdge.cursor',
    'Dataset.id Dataset.slug Dataset.title Dataset.summary Dataset.description Dataset.kind Dataset.modality Dataset.tags',
    'Dataset.status Dataset.suspendedReason Dataset.relevance',
    'LicenseTerms.spdxId LicenseTerms.commercialUse LicenseTerms.modelTraining LicenseTerms.derivatives',
    'LicenseTerms.syntheticGeneration LicenseTerms.redistribution LicenseTerms.attributionRequired',
    'Organization.id Organization.slug Organization.name Organization.kind',
    'DatasetVersion.id DatasetVersion.version DatasetVersion.status',
    'Lineage.generationDepth Lineage.realFraction Lineage.humanReviewedFraction',
    'CollapseRisk.level CollapseRisk.reasons',
    'Offer.id Offer.name Offer.active Offer.pricingModel Offer.currency Offer.amountCents Offer.termDays',
    'Offer.billingInterval Offer.usageUnit Offer.unitAmountCents Offer.requiresApproval Offer.royaltyBps Offer.trialDays',
  ].flatMap((line) => line.split(' ')),
);
