/**
 * What each GraphQL object type is at run time: the row or view its resolvers receive as their parent. The generated
 * resolver types (`generated/resolvers.ts`, from `codegen.ts`) use these, so a resolver that returns the wrong shape,
 * or reads a field its parent does not have, fails the typecheck.
 */
import type { Principal } from '../accounts/viewer.js';
import type { LicenseUsageRow } from '../audit/service.js';
import type { CoverageReportView } from '../coverage/service.js';
import type { ApiKeyRow, OrganizationRow, UserRow } from '../db/stores/accounts-store.js';
import type { AuditEventRow } from '../db/stores/audit-store.js';
import type { LedgerEntryRow, PaymentRow, PayoutAccountRow } from '../db/stores/billing-store.js';
import type { DataFileRow, DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { UploadRow } from '../db/stores/delivery-store.js';
import type { EventRow, WebhookEndpointRow } from '../db/stores/events-store.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { QualityReportRow } from '../db/stores/lineage-store.js';
import type { TrainingMixRow } from '../db/stores/mixes-store.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import type { AccessTokenRow } from '../db/stores/tokens-store.js';
import type { OptOutEvidence } from '../lineage/opt-out.js';
import type { Provenance, ProvenanceSource } from '../lineage/provenance.js';
import type { LineageView } from '../lineage/service.js';
import type { ReconciliationRow } from '../metering/service.js';
import type { MixComponentView, MixSuggestionView } from '../mixes/service.js';
import type { Connection, Edge } from '../pagination.js';

export type {
  AccessTokenRow,
  ApiKeyRow,
  AuditEventRow,
  CoverageReportView,
  DataFileRow,
  DatasetRow,
  DatasetVersionRow,
  EventRow,
  LedgerEntryRow,
  LicenseRow,
  LicenseUsageRow,
  LineageView,
  MixComponentView,
  MixSuggestionView,
  OfferRow,
  OptOutEvidence,
  OrganizationRow,
  PaymentRow,
  PayoutAccountRow,
  Principal,
  Provenance,
  ProvenanceSource,
  QualityReportRow,
  ReconciliationRow,
  TrainingMixRow,
  UploadRow,
  UserRow,
  WebhookEndpointRow,
};

/** A vendor's usage row names the licensee and dataset; their resolvers load them. */
export type VendorUsageParent = { licenseeId: string; datasetId: string };

export type AccessTokenConnectionParent = Connection<AccessTokenRow>;
export type AccessTokenEdgeParent = Edge<AccessTokenRow>;
export type AuditEventConnectionParent = Connection<AuditEventRow>;
export type AuditEventEdgeParent = Edge<AuditEventRow>;
export type DatasetConnectionParent = Connection<DatasetRow>;
export type DatasetEdgeParent = Edge<DatasetRow>;
export type DatasetVersionConnectionParent = Connection<DatasetVersionRow>;
export type DatasetVersionEdgeParent = Edge<DatasetVersionRow>;
export type EventConnectionParent = Connection<EventRow>;
export type EventEdgeParent = Edge<EventRow>;
export type LicenseConnectionParent = Connection<LicenseRow>;
export type LicenseEdgeParent = Edge<LicenseRow>;
export type TrainingMixConnectionParent = Connection<TrainingMixRow>;
export type TrainingMixEdgeParent = Edge<TrainingMixRow>;
