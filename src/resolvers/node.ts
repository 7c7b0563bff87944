import type { Context } from '../context.js';
import { BadUserInputError, UnreachableCaseError } from '../errors.js';
import { kindOfId, type NodeKind } from '../ids.js';
import type { Resolvers, ResolversInterfaceTypes, ResolversTypes } from './generated/resolvers.js';

/** What a node is at run time (its row or view), and the names of the types that implement Node. */
type NodeParent = ResolversInterfaceTypes<ResolversTypes>['Node'];
type NodeTypeName = NonNullable<Awaited<ReturnType<NonNullable<Resolvers['Node']>['__resolveType']>>>;

const TYPE_NAMES: Record<NodeKind, NodeTypeName | null> = {
  organization: 'Organization',
  user: 'User',
  apiKey: 'ApiKey',
  dataset: 'Dataset',
  datasetVersion: 'DatasetVersion',
  qualityReport: 'QualityReport',
  dataFile: null,
  offer: 'Offer',
  license: 'License',
  accessToken: 'AccessToken',
  upload: null,
  usageEvent: null,
  accessDenial: null,
  auditEvent: null,
  trainingMix: 'TrainingMix',
  coverageReport: 'CoverageReport',
  event: 'Event',
  webhookEndpoint: 'WebhookEndpoint',
  webhookDelivery: null,
  vendorNotice: null,
};

/** Loads any node by its prefixed ID through its feature's service, which applies the same visibility as the typed queries. */
export async function loadNode(ctx: Context, id: string): Promise<NodeParent | null> {
  const kind = kindOfId(id);
  if (!kind) return null;
  switch (kind) {
    case 'organization':
      return ctx.accounts.organization(ctx.viewer, id);
    case 'user':
      return ctx.accounts.user(ctx.viewer, id);
    case 'apiKey':
      return ctx.accounts.apiKey(ctx.viewer, id);
    case 'dataset':
      return ctx.catalog.dataset(ctx.viewer, id);
    case 'datasetVersion':
      return ctx.catalog.version(ctx.viewer, id);
    case 'qualityReport':
      return ctx.lineage.qualityReport(ctx.viewer, id);
    case 'accessToken':
      return ctx.tokens.accessToken(ctx.viewer, id);
    case 'offer':
      return ctx.offers.offer(ctx.viewer, id);
    case 'license':
      return ctx.licensing.license(ctx.viewer, id);
    case 'trainingMix':
      return ctx.mixes.mix(ctx.viewer, id);
    case 'coverageReport':
      return ctx.coverage.report(ctx.viewer, id);
    case 'event':
      return ctx.events.event(ctx.viewer, id);
    case 'webhookEndpoint':
      return ctx.events.endpoint(ctx.viewer, id);
    case 'dataFile':
    case 'webhookDelivery':
    case 'vendorNotice':
    case 'upload':
    case 'usageEvent':
    case 'accessDenial':
    case 'auditEvent':
      return null;
    default:
      throw new UnreachableCaseError(kind);
  }
}

export const nodeResolvers: Resolvers = {
  Query: {
    node: (_p, { id }, ctx) => loadNode(ctx, id),
    nodes: (_p, { ids }, ctx) => {
      if (ids.length > 100) throw new BadUserInputError('ids: at most 100 IDs at once', 'ids');
      return Promise.all(ids.map((id) => loadNode(ctx, id)));
    },
  },
  Node: {
    __resolveType: (obj: { id: string }) => {
      const kind = kindOfId(obj.id);
      return kind ? TYPE_NAMES[kind] : null;
    },
  },
};
