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
