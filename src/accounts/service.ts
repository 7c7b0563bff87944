import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { ApiKeyRow, OrganizationRow, UserRow } from '../db/stores/accounts-store.js';
import type { Stores } from '../db/stores/index.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors.js';
import { newId } from '../ids.js';
import { email, line, nodeId, parseInput, slug } from '../validation.js';
import type { AuditEntry, AuditLog } from '../audit/service.js';
import { apiKeySecretPrefix, hashApiKeySecret, looksLikeApiKeySecret, newApiKeySecret } from './api-key-secret.js';
import type { Principal, Viewer } from './viewer.js';

const PersonInput = z.object({ name: line(200), email });

export const CreateOrganizationInput = z.object({
  name: line(200),
  slug,
  kind: z.enum(['VENDOR', 'BUYER']),
  owner: PersonInput,
});

const AddMemberInput = z.object({
  organizationId: nodeId('org'),
  name: line(200),
  email,
  role: z.enum(['OWNER', 'MEMBER']),
});

const CreateStaffUserInput = z.object({ name: line(200), email, role: z.enum(['ADMIN', 'AUDITOR']) });

const CreateApiKeyInput = z.object({
  name: line(100),
  expiresAt: z.date().optional().nullable(),
});

const OrganizationIdInput = z.object({ organizationId: nodeId('org') });
const ApiKeyIdInput = z.object({ id: nodeId('ak') });

export interface IssuedKey {
  apiKey: ApiKeyRow;
  secret: string;
}

/** Only the key's first use in this window writes `last_used_at`, so authentication stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Organizations, members, platform staff and API keys. */
export class AccountsService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly auditLog: AuditLog,
  ) {}

  private audit(stores: Stores, viewer: Viewer | null, entry: AuditEntry): Promise<void> {
    return this.auditLog.record(stores, viewer, entry);
  }

  // --- reading: who may see which account ------------------------------------

  /** An organization by slug: vendors are public, a buyer only to its members and staff (null otherwise). */
  async organizationBySlug(viewer: Viewer, slug: string): Promise<OrganizationRow | null> {
    const org = await this.stores.accounts.organizationBySlug(slug);
    return org && viewer.canSeeOrganization(org) ? org : null;
  }

  async organization(viewer: Viewer, id: string): Promise<OrganizationRow | null> {
    const org = await this.stores.accounts.organizationById.load(id);
    return org && viewer.canSeeOrganization(org) ? org : null;
  }

  /** An organization's members, for its own members and staff (null for anyone else). */
  async members(viewer: Viewer, org: OrganizationRow): Promise<UserRow[] | null> {
    return viewer.canRead(org.id) ? this.stores.accounts.membersOf(org.id) : null;
  }

  async user(viewer: Viewer, id: string): Promise<UserRow | null> {
    const user = await this.stores.accounts.userById.load(id);
    return user && viewer.canSeeUser(user) ? user : null;
  }

  async apiKey(viewer: Viewer, id: string): Promise<ApiKeyRow | null> {
    const key = await this.stores.accounts.apiKeyById(id);
    if (!key) return null;
    const owner = await this.stores.accounts.userById.load(key.userId);
    return viewer.canSeeApiKey(key, owner?.organizationId) ? key : null;
  }

  /**
   * Resolves `Authorization: Bearer ak_...` to its caller; no header means anonymous, a bad key is refused.
   * @example const principal = await accounts.authenticate(req.headers.authorization);
   */
  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match || !looksLikeApiKeySecret(match[1]!)) {
      throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer ak_..."');
    }
    const now = this.clock.now();
    const row = await this.stores.accounts.principalForKeyHash(hashApiKeySecret(match[1]!), now);
    if (!row) throw new UnauthenticatedError('Invalid, expired or revoked API key');
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.stores.accounts.touchApiKey(row.apiKeyId, now);
    }
    const { lastUsedAt: _ignored, ...principal } = row;
    return principal;
  }

  /**
   * Signs up an organization with its first owner and an API key (shown once). Anonymous callers and admins may.
   */
  async createOrganization(viewer: Viewer, raw: unknown): Promise<{ organization: OrganizationRow; owner: UserRow } & IssuedKey> {
    if (viewer.principal && !viewer.isAdmin) {
      throw new ForbiddenError('You already belong to an account; only admins create organizations for others');
    }
    const input = parseInput(CreateOrganizationInput, raw);
    return this.stores.transaction(async (tx) => {
      if (await tx.accounts.organizationBySlug(input.slug)) {
        throw new ConflictError(`Organization slug "${input.slug}" is taken`, { field: 'input.slug' });
      }
      if (await tx.accounts.userByEmail(input.owner.email)) {
        throw new ConflictError('A user with this email already exists', { field: 'input.owner.email' });
      }
      const now = this.clock.now();
      try {
        const organization = await tx.accounts.insertOrganization({
          id: newId('organization'),
          slug: input.slug,
          name: input.name,
          kind: input.kind,
          vendorStatus: input.kind === 'VENDOR' ? 'PENDING' : null,
          createdAt: now,
        });
        const owner = await tx.accounts.insertUser({
          id: newId('user'),
          name: input.owner.name,
          email: input.owner.email,
          organizationId: organization.id,
          orgRole: 'OWNER',
          createdAt: now,
        });
        const key = await this.issueKey(tx, owner.id, 'default');
        await this.audit(tx, viewer, {
          action: 'organization.created',
          subjectType: 'Organization',
          subjectId: organization.id,
          organizationIds: [organization.id],
          details: { slug: organization.slug, kind: organization.kind, ownerId: owner.id, apiKeyId: key.apiKey.id },
        });
        return { organization, owner, ...key };
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError('Organization slug or owner email is taken', { field: 'input' });
        throw err;
      }
    });
  }

  async approveVendor(viewer: Viewer, raw: unknown): Promise<OrganizationRow> {
    viewer.assertAdmin();
    const { organizationId } = parseInput(OrganizationIdInput, raw);
    const org = await this.stores.accounts.organizationById.load(organizationId);
    if (!org) throw new NotFoundError('No such organization', { field: 'input.organizationId' });
    if (org.kind !== 'VENDOR') throw new ConflictError('Only vendor organizations need approval', { field: 'input.organizationId' });
    if (org.vendorStatus === 'APPROVED') return org;
    return this.stores.transaction(async (tx) => {
      const approved = await tx.accounts.updateOrganization(org.id, { vendorStatus: 'APPROVED', approvedAt: this.clock.now() });
      await this.audit(tx, viewer, {
        action: 'vendor.approved',
        subjectType: 'Organization',
        subjectId: org.id,
        organizationIds: [org.id],
      });
      return approved;
    });
  }

  /** An owner adds a member (or owner) to their organization; the new user gets a first API key. */
  async addMember(viewer: Viewer, raw: unknown): Promise<{ user: UserRow } & IssuedKey> {
    const input = parseInput(AddMemberInput, raw);
    if (!viewer.isAdmin) viewer.assertOrgOwner(input.organizationId);
    return this.stores.transaction(async (tx) => {
      const org = await tx.accounts.organizationById.load(input.organizationId);
      if (!org) throw new NotFoundError('No such organization', { field: 'input.organizationId' });
      if (await tx.accounts.userByEmail(input.email)) {
        throw new ConflictError('A user with this email already exists', { field: 'input.email' });
      }
      const user = await tx.accounts.insertUser({
        id: newId('user'),
        name: input.name,
        email: input.email,
        organizationId: org.id,
        orgRole: input.role,
        createdAt: this.clock.now(),
      });
      const key = await this.issueKey(tx, user.id, 'default');
      await this.audit(tx, viewer, {
        action: 'member.added',
        subjectType: 'User',
        subjectId: user.id,
        organizationIds: [org.id],
        details: { role: input.role, apiKeyId: key.apiKey.id },
      });
      return { user, ...key };
    });
  }

  /** An admin creates another platform admin or a read-only auditor. */
  async createStaffUser(viewer: Viewer, raw: unknown): Promise<{ user: UserRow } & IssuedKey> {
    viewer.assertAdmin();
    const input = parseInput(CreateStaffUserInput, raw);
    return this.stores.transaction(async (tx) => {
      if (await tx.accounts.userByEmail(input.email)) {
        throw new ConflictError('A user with this email already exists', { field: 'input.email' });
      }
      const user = await tx.accounts.insertUser({
        id: newId('user'),
        name: input.name,
        email: input.email,
        platformRole: input.role,
        createdAt: this.clock.now(),
      });
      const key = await this.issueKey(tx, user.id, 'default');
      await this.audit(tx, viewer, {
        action: 'staff.created',
        subjectType: 'User',
        subjectId: user.id,
        details: { role: input.role, apiKeyId: key.apiKey.id },
      });
      return { user, ...key };
    });
  }

  async createApiKey(viewer: Viewer, raw: unknown): Promise<IssuedKey> {
    const principal = viewer.assertAuthenticated();
    const input = parseInput(CreateApiKeyInput, raw);
    if (input.expiresAt && input.expiresAt.getTime() <= this.clock.now().getTime()) {
      throw new BadUserInputError('input.expiresAt: must be in the future', 'input.expiresAt');
    }
    return this.stores.transaction(async (tx) => {
      const key = await this.issueKey(tx, principal.userId, input.name, input.expiresAt ?? null);
      await this.audit(tx, viewer, {
        action: 'api_key.created',
        subjectType: 'ApiKey',
        subjectId: key.apiKey.id,
        details: { name: input.name },
      });
      return key;
    });
  }

  /** Your own keys; an organization owner may revoke its members' keys; an admin any key. */
  async revokeApiKey(viewer: Viewer, raw: unknown): Promise<ApiKeyRow> {
    const principal = viewer.assertAuthenticated();
    const { id } = parseInput(ApiKeyIdInput, raw);
    const key = await this.stores.accounts.apiKeyById(id);
    if (!key) throw new NotFoundError('No such API key', { field: 'input.id' });
    if (key.userId !== principal.userId && !viewer.isAdmin) {
      const owner = await this.stores.accounts.userById.load(key.userId);
      const ownsOrg = principal.orgRole === 'OWNER' && owner?.organizationId != null && owner.organizationId === principal.organizationId;
      if (!ownsOrg) {
        // Another tenant's key: do not confirm that it exists (staff see every key, so they are refused instead).
        if (!owner || !viewer.canSeeUser(owner)) throw new NotFoundError('No such API key', { field: 'input.id' });
        throw new ForbiddenError("Only the key's user, an owner of its organization or an admin may revoke it");
      }
    }
    return this.stores.transaction(async (tx) => {
      const revoked = await tx.accounts.revokeApiKey(key.id, this.clock.now());
      if (!revoked) return key;
      const owner = await tx.accounts.userById.load(key.userId);
      await this.audit(tx, viewer, {
        action: 'api_key.revoked',
        subjectType: 'ApiKey',
        subjectId: key.id,
        organizationIds: [owner?.organizationId],
        details: { userId: key.userId },
      });
      return revoked;
    });
  }

  /**
   * Makes sure a platform admin exists. With `secret` the admin gets exactly that key (idempotent across restarts);
   * otherwise a key is generated and returned so it can be printed once.
   */
  async bootstrapAdmin(secret: string | undefined): Promise<{ created: boolean; secret?: string }> {
    return this.stores.transaction(async (tx) => {
      await tx.db.execute('SELECT pg_advisory_xact_lock(727190002)');
      if (await tx.accounts.anyAdmin()) {
        return { created: false };
      }
      const user = await tx.accounts.insertUser({
        id: newId('user'),
        name: 'Platform admin',
        email: 'admin@assay.local',
        platformRole: 'ADMIN',
        createdAt: this.clock.now(),
      });
      const key = await this.issueKey(tx, user.id, 'bootstrap', null, secret);
      await this.audit(tx, null, {
        action: 'admin.bootstrapped',
        subjectType: 'User',
        subjectId: user.id,
        actor: { userId: null, organizationId: null },
        details: { apiKeyId: key.apiKey.id, keyFromConfig: secret !== undefined },
      });
      return { created: true, secret: key.secret };
    });
  }

  /** Issues a key; `secret` is given only for well-known keys (bootstrap and demo). */
  async issueKey(
    stores: Stores,
    userId: string,
    name: string,
    expiresAt: Date | null = null,
    secret: string = newApiKeySecret(),
  ): Promise<IssuedKey> {
    const apiKey = await stores.accounts.insertApiKey({
      id: newId('apiKey'),
      userId,
      name,
      secretPrefix: apiKeySecretPrefix(secret),
      secretHash: hashApiKeySecret(secret),
      createdAt: this.clock.now(),
      expiresAt,
    });
    return { apiKey, secret };
  }
}
