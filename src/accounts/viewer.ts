import { ForbiddenError, UnauthenticatedError } from '../errors.js';

export type OrgRole = 'OWNER' | 'MEMBER';
export type PlatformRole = 'ADMIN' | 'AUDITOR';
export type OrganizationKind = 'VENDOR' | 'BUYER';
export type VendorStatus = 'PENDING' | 'APPROVED' | 'SUSPENDED';

/** Who is calling: resolved once per request from the API key. */
export interface Principal {
  userId: string;
  apiKeyId: string;
  organizationId: string | null;
  organizationKind: OrganizationKind | null;
  vendorStatus: VendorStatus | null;
  orgRole: OrgRole | null;
  platformRole: PlatformRole | null;
}

declare const tenantScopeBrand: unique symbol;
interface ScopeBrand {
  readonly [tenantScopeBrand]: true;
}
/** Staff: every organization's rows. */
export type PlatformScope = ScopeBrand & { readonly kind: 'platform' };
/** A member: the rows of this one organization. */
export type OrganizationScope = ScopeBrand & { readonly kind: 'organization'; readonly organizationId: string };
/** Anonymous callers and users without an organization: no tenant-owned rows at all. */
export type PublicScope = ScopeBrand & { readonly kind: 'public' };

/**
 * Whose tenant-owned rows (licenses, tokens, audit events, usage, mixes, webhooks, drafts...) a read may touch. Only the
 * Viewer hands one out and the stores build their tenant predicate from it, so a read that forgets its
 * `organization_id = ...` does not compile.
 */
export type TenantScope = PlatformScope | OrganizationScope | PublicScope;

const PLATFORM_SCOPE = { kind: 'platform' } as PlatformScope;
const PUBLIC_SCOPE = { kind: 'public' } as PublicScope;
const organizationScope = (organizationId: string) => ({ kind: 'organization', organizationId }) as OrganizationScope;

/**
 * The caller and the one place that decides what they may do; every resolver
 * starts with one of these assertions.
 * @example const p = ctx.viewer.assertOrgMember(dataset.vendorId);
 */
export class Viewer {
  constructor(
    readonly principal: Principal | null,
    /** Where the request came from, for the audit trail. */
    readonly origin: { clientAddress: string | null; requestId: string | null } = { clientAddress: null, requestId: null },
  ) {}

  get isStaff(): boolean {
    return this.principal?.platformRole != null;
  }

  get isAdmin(): boolean {
    return this.principal?.platformRole === 'ADMIN';
  }

  /** True when the caller belongs to this organization (staff do not, unless they are members). */
  isMemberOf(organizationId: string): boolean {
    return this.principal?.organizationId === organizationId;
  }

  /** Staff and the organization's own members may read its private data. */
  canRead(organizationId: string): boolean {
    return this.isStaff || this.isMemberOf(organizationId);
  }

  /**
   * The tenant scope of this caller's reads: staff the platform, a member their organization, anyone else nothing.
   * @example const rows = await stores.tokens.listAccessTokens(viewer.scope(), licenseId, afterId, limit);
   */
  scope(): TenantScope {
    if (this.isStaff) return PLATFORM_SCOPE;
    const organizationId = this.principal?.organizationId;
    return organizationId ? organizationScope(organizationId) : PUBLIC_SCOPE;
  }

  /**
   * The caller's own organization as a scope, for data that belongs to one organization only (mixes, events,
   * webhooks): staff get no view into it; null without an organization.
   */
  ownOrganizationScope(): OrganizationScope | null {
    const organizationId = this.principal?.organizationId;
    return organizationId ? organizationScope(organizationId) : null;
  }

  /** Published listings are public; drafts, suspended and archived ones only their vendor's members and staff see. */
  canSeeDataset(dataset: { status: string; vendorId: string }): boolean {
    return dataset.status === 'PUBLISHED' || this.canRead(dataset.vendorId);
  }

  /** A version of a visible listing; its drafts only for the vendor's members and staff. */
  canSeeVersion(dataset: { status: string; vendorId: string }, version: { status: string }): boolean {
    return this.canSeeDataset(dataset) && (version.status !== 'DRAFT' || this.canRead(dataset.vendorId));
  }

  /** Vendor profiles are public; a buyer organization is visible to its members and staff. */
  canSeeOrganization(org: { id: string; kind: OrganizationKind }): boolean {
    return org.kind === 'VENDOR' || this.canRead(org.id);
  }

  /** A user (and their email) is visible to themself, their organization's members and staff. */
  canSeeUser(user: { id: string; organizationId: string | null }): boolean {
    const p = this.principal;
    return (
      p !== null && (p.userId === user.id || this.isStaff || (user.organizationId !== null && p.organizationId === user.organizationId))
    );
  }

  /** An API key is visible to its user, staff, and the owners of its user's organization. */
  canSeeApiKey(key: { userId: string }, ownerOrganizationId: string | null | undefined): boolean {
    const p = this.principal;
    if (!p) return false;
    if (p.userId === key.userId || this.isStaff) return true;
    return p.orgRole === 'OWNER' && ownerOrganizationId != null && ownerOrganizationId === p.organizationId;
  }

  assertAuthenticated(): Principal {
    if (!this.principal) throw new UnauthenticatedError('Authentication required: send Authorization: Bearer <API key>');
    return this.principal;
  }

  assertAdmin(): Principal {
    const p = this.assertAuthenticated();
    if (p.platformRole !== 'ADMIN') throw new ForbiddenError('Only platform admins may do this');
    return p;
  }

  assertStaff(): Principal {
    const p = this.assertAuthenticated();
    if (p.platformRole == null) throw new ForbiddenError('Only platform admins and auditors may do this');
    return p;
  }

  /** A member (any role) of the given organization. */
  assertOrgMember(organizationId: string): Principal & { organizationId: string } {
    const p = this.assertAuthenticated();
    if (p.organizationId !== organizationId) throw new ForbiddenError('You are not a member of this organization');
    return p as Principal & { organizationId: string };
  }

  assertOrgOwner(organizationId: string): Principal & { organizationId: string } {
    const p = this.assertOrgMember(organizationId);
    if (p.orgRole !== 'OWNER') throw new ForbiddenError('Only organization owners may do this');
    return p;
  }

  /** A member of a vendor organization: the caller's own organization must be a vendor. */
  assertVendorMember(): Principal & { organizationId: string } {
    const p = this.assertAuthenticated();
    if (p.organizationId == null || p.organizationKind !== 'VENDOR') {
      throw new ForbiddenError('Only members of a vendor organization may do this');
    }
    return p as Principal & { organizationId: string };
  }
}
