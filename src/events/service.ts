import type { OrganizationScope, Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { WebhookSettings } from '../config.js';
import type { Stores } from '../db/stores/index.js';
import type { EventRow, VendorNoticeRow, WebhookEndpointRow } from '../db/stores/events-store.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { decodeCursor, encodeCursor, pageSize, toConnection, type Connection } from '../pagination.js';
import { sealPrivateKey } from '../tokens/key-encryption.js';
import { parseInput } from '../validation.js';
import { emitEvents } from './emit.js';
import {
  CreateWebhookEndpointInput,
  EventTypesArg,
  SendVendorNoticeInput,
  UpdateWebhookEndpointInput,
  WebhookEndpointIdInput,
} from './inputs.js';
import { webhookUrlProblem } from './outbound.js';
import { newWebhookSecret } from './signing.js';

/** After a rotation, deliveries are signed with the old secret too for this long, so receivers can switch over. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** What the service needs beyond stores and clock: the secret sealing endpoint secrets and the delivery rules. */
export interface EventsDeps {
  serverSecret: string;
  audit: AuditLog;
  webhooks: Pick<WebhookSettings, 'allowPrivate'>;
}

/**
 * An organization's event stream and its webhook endpoints. Any member may replay the stream; only the organization's
 * OWNERs manage endpoints (they hold the signing secrets and decide where the organization's data goes).
 */
export class EventsService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly deps: EventsDeps,
  ) {}

  // --- the stream ------------------------------------------------------------

  /** The caller's organization's events after the cursor, oldest first, optionally of some types only. */
  async events(
    viewer: Viewer,
    args: { first?: number | null; after?: string | null; types?: string[] | null },
  ): Promise<Connection<EventRow>> {
    const scope = this.memberOrg(viewer);
    const limit = pageSize(args.first);
    const types = parseInput(EventTypesArg, args.types, 'types');
    const filter = types && types.length > 0 ? types : undefined;
    const after = args.after ? decodeCursor(args.after, 'EVENTS', ['text', 'integer']) : undefined;
    const position = after ? { txId: String(after[0]), seq: Number(after[1]) } : undefined;
    if (position && !/^\d{1,20}$/.test(position.txId))
      throw new BadUserInputError('after: not a valid cursor for this list and order', 'after');
    const rows = await this.stores.events.listEvents(scope, position, filter, limit);
    return toConnection(
      rows,
      limit,
      (r) => encodeCursor('EVENTS', [r.txId, r.seq]),
      () => this.stores.events.countEvents(scope, filter),
    );
  }

  /** One event of the caller's organization (null for anyone else's). */
  async event(viewer: Viewer, id: string): Promise<EventRow | null> {
    const scope = viewer.ownOrganizationScope();
    return (scope && (await this.stores.events.eventById(scope, id))) ?? null;
  }

  // --- endpoints -------------------------------------------------------------

  async endpoints(viewer: Viewer): Promise<WebhookEndpointRow[]> {
    return this.stores.events.endpointsOf(this.ownerOrg(viewer));
  }

  /** An endpoint of the caller's organization, for its owners (null otherwise). */
  async endpoint(viewer: Viewer, id: string): Promise<WebhookEndpointRow | null> {
    const scope = viewer.ownOrganizationScope();
    if (!scope || viewer.principal?.orgRole !== 'OWNER') return null;
    return (await this.stores.events.endpoint(scope, id)) ?? null;
  }

  /** Registers an endpoint; the signing secret is returned here once and never again. */
  async createEndpoint(viewer: Viewer, raw: unknown): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    const scope = this.ownerOrg(viewer);
    const input = parseInput(CreateWebhookEndpointInput, raw);
    this.checkUrl(input.url);
    const now = this.clock.now();
    const id = newId('webhookEndpoint', now.getTime());
    const secret = newWebhookSecret();
    const endpoint = await this.stores.transaction(async (tx) => {
      const created = await tx.events.insertEndpoint({
        id,
        organizationId: scope.organizationId,
        url: input.url,
        eventTypes: input.eventTypes,
        secretSealed: sealPrivateKey(this.deps.serverSecret, id, secret),
        createdAt: now,
        updatedAt: now,
      });
      await this.audit(tx, viewer, 'webhook_endpoint.created', created, { url: created.url, eventTypes: created.eventTypes });
      return created;
    });
    return { endpoint, secret };
  }

  /** Changes an endpoint's URL or types, or turns it off and on; turning it on clears its failure count. */
  async updateEndpoint(viewer: Viewer, raw: unknown): Promise<WebhookEndpointRow> {
    const scope = this.ownerOrg(viewer);
    const input = parseInput(UpdateWebhookEndpointInput, raw);
    if (input.url !== undefined) this.checkUrl(input.url);
    const now = this.clock.now();
    return this.stores.transaction(async (tx) => {
      const current = await this.ownEndpoint(tx, scope, input.id);
      const enabling = input.enabled === true && !current.enabled;
      const disabling = input.enabled === false && current.enabled;
      const updated = (await tx.events.updateEndpoint(scope, current.id, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: input.eventTypes } : {}),
        ...(enabling ? { enabled: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null } : {}),
        ...(disabling ? { enabled: false, disabledAt: now, disabledReason: 'disabled by an owner' } : {}),
        updatedAt: now,
      }))!;
      await this.audit(tx, viewer, 'webhook_endpoint.updated', updated, {
        url: updated.url,
        eventTypes: updated.eventTypes,
        enabled: updated.enabled,
      });
      return updated;
    });
  }

  /** Removes an endpoint and its deliveries (sent or not). */
  async deleteEndpoint(viewer: Viewer, raw: unknown): Promise<string> {
    const scope = this.ownerOrg(viewer);
    const { id } = parseInput(WebhookEndpointIdInput, raw);
    return this.stores.transaction(async (tx) => {
      const current = await this.ownEndpoint(tx, scope, id);
      await tx.events.deleteEndpoint(scope, id);
      await this.audit(tx, viewer, 'webhook_endpoint.deleted', current, { url: current.url });
      return id;
    });
  }

  /** A new signing secret, returned once; the old one still signs (beside it) for `ROTATION_OVERLAP_MS`. */
  async rotateSecret(viewer: Viewer, raw: unknown): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    const scope = this.ownerOrg(viewer);
    const { id } = parseInput(WebhookEndpointIdInput, raw);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    return this.stores.transaction(async (tx) => {
      const current = await this.ownEndpoint(tx, scope, id);
      const endpoint = (await tx.events.updateEndpoint(scope, id, {
        secretSealed: sealPrivateKey(this.deps.serverSecret, id, secret),
        previousSecretSealed: current.secretSealed,
        previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS),
        updatedAt: now,
      }))!;
      await this.audit(tx, viewer, 'webhook_endpoint.secret_rotated', endpoint, {});
      return { endpoint, secret };
    });
  }

  /** An endpoint's latest deliveries, newest first (owners only). */
  async deliveries(viewer: Viewer, endpointId: string, first?: number | null) {
    const scope = this.ownerOrg(viewer);
    const endpoint = await this.stores.events.endpoint(scope, endpointId);
    if (!endpoint) throw new NotFoundError('No such webhook endpoint', { field: 'endpointId' });
    return this.stores.events.deliveriesOf(scope, endpoint.id, pageSize(first));
  }

  // --- vendor notices ------------------------------------------------------------

  /**
   * The dataset's vendor tells every organization holding a live license on it; a retry with the same `clientToken`
   * answers with the notice already sent and sends nothing again.
   */
  async sendVendorNotice(viewer: Viewer, raw: unknown): Promise<VendorNoticeRow> {
    const principal = viewer.assertAuthenticated();
    const input = parseInput(SendVendorNoticeInput, raw);
    const dataset = await this.stores.catalog.datasetById.load(input.datasetId);
    if (!dataset || !viewer.canSeeDataset(dataset)) throw new NotFoundError('No such dataset', { field: 'input.datasetId' });
    if (!viewer.isMemberOf(dataset.vendorId)) throw new ForbiddenError("Only the dataset's vendor sends notices to its licensees");
    const repeat = await this.stores.events.noticeByClientToken(dataset.vendorId, input.clientToken);
    if (repeat) return this.sameNotice(repeat, input.datasetId);
    const now = this.clock.now();
    const notice = await this.stores.transaction(async (tx) => {
      const recipientIds = await tx.events.liveLicenseeIds(dataset.id, now);
      const created = await tx.events.insertNotice({
        id: newId('vendorNotice', now.getTime()),
        datasetId: dataset.id,
        vendorId: dataset.vendorId,
        kind: input.kind,
        message: input.message,
        effectiveAt: input.effectiveAt,
        clientToken: input.clientToken,
        recipientIds,
        sentBy: principal.userId,
        createdAt: now,
      });
      if (!created) return undefined;
      await emitEvents(tx, this.clock, [
        {
          type: 'vendor_notice.sent',
          organizationIds: recipientIds,
          data: {
            noticeId: created.id,
            datasetId: dataset.id,
            kind: created.kind,
            message: created.message,
            effectiveAt: created.effectiveAt.toISOString(),
          },
        },
      ]);
      return created;
    });
    // A concurrent send with the same token won the insert.
    return notice ?? this.sameNotice((await this.stores.events.noticeByClientToken(dataset.vendorId, input.clientToken))!, input.datasetId);
  }

  /** The notices of a dataset the caller may see: all for its vendor and staff, those sent to it for a licensee. */
  async notices(viewer: Viewer, datasetId: string): Promise<VendorNoticeRow[]> {
    return this.stores.events.noticesOf(viewer.scope(), datasetId, 100);
  }

  private sameNotice(notice: VendorNoticeRow, datasetId: string): VendorNoticeRow {
    if (notice.datasetId !== datasetId)
      throw new BadUserInputError('input.clientToken: already used for a notice on another dataset', 'input.clientToken');
    return notice;
  }

  // --- helpers ---------------------------------------------------------------------

  private memberOrg(viewer: Viewer): OrganizationScope {
    viewer.assertAuthenticated();
    const scope = viewer.ownOrganizationScope();
    if (!scope) throw new ForbiddenError('Only members of an organization have an event stream');
    return scope;
  }

  private ownerOrg(viewer: Viewer): OrganizationScope {
    viewer.assertAuthenticated();
    const scope = viewer.ownOrganizationScope();
    if (!scope) throw new ForbiddenError('Only organization owners manage webhook endpoints');
    viewer.assertOrgOwner(scope.organizationId);
    return scope;
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.deps.webhooks.allowPrivate);
    if (problem) throw new BadUserInputError(`input.url: ${problem}`, 'input.url');
  }

  /** NOT_FOUND for another organization's endpoint, without saying whether it exists. */
  private async ownEndpoint(tx: Stores, scope: OrganizationScope, id: string): Promise<WebhookEndpointRow> {
    const row = await tx.events.lockEndpoint(scope, id);
    if (!row) throw new NotFoundError('No such webhook endpoint', { field: 'input.id' });
    return row;
  }

  private audit(tx: Stores, viewer: Viewer, action: string, endpoint: WebhookEndpointRow, details: Record<string, unknown>) {
    return this.deps.audit.record(tx, viewer, { action, subjectType: 'WebhookEndpoint', subjectId: endpoint.id, details });
  }
}
