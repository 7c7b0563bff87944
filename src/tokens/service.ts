import { z } from 'zod';
import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { AccessTokenRow, SigningKeyRow } from '../db/stores/tokens-store.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { decodeCursor, encodeCursor, pageSize, toConnection, type Connection } from '../pagination.js';
import { line, nodeId, parseInput, text } from '../validation.js';
import { ALL_LICENSED_VERSIONS, SCOPES, licenseCovers, licenseInForce, signAccessToken } from './access-tokens.js';
import { MAX_TOKEN_LIFETIME_MS, type SigningKeyRing } from './signing-keys.js';

const RotateSigningKeyInput = z.object({ reason: text(500).nullish() });

const DEFAULT_TOKEN_LIFETIME_S = 3600;

const IssueAccessTokenInput = z.object({
  licenseId: nodeId('lic'),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1, 'at least one scope')
    .max(SCOPES.length)
    .default(['data:read'])
    .transform((s) => [...new Set(s)]),
  versionIds: z.array(nodeId('dsv')).min(1, 'at least one version, or leave it out for all licensed versions').max(100).nullish(),
  ttlSeconds: z
    .number()
    .int()
    .min(60, 'must be at least 60 seconds')
    .max(MAX_TOKEN_LIFETIME_MS / 1000, 'must be at most 86400 seconds (24 h)')
    .default(DEFAULT_TOKEN_LIFETIME_S),
  description: line(200).nullish(),
});
const TokenIdInput = z.object({ id: nodeId('tok') });

/** Signing keys (and, with licenses, access tokens). */
export class TokensService {
  constructor(
    private readonly stores: Stores,
    private readonly keyRing: SigningKeyRing,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    /** This process's download gate, told of each token revoked here (`token:<id>`) so it refuses it at once. */
    private readonly gateChanged: (row: string) => void = () => undefined,
  ) {}

  async signingKeys(viewer: Viewer): Promise<SigningKeyRow[]> {
    viewer.assertStaff();
    return this.stores.tokens.verifiableKeys(new Date(this.clock.now().getTime() - MAX_TOKEN_LIFETIME_MS));
  }

  /**
   * Mints a short-lived JWT under an ACTIVE license of the caller's organization; the secret is returned once.
   * @example const { token } = await tokens.issueAccessToken(viewer, { licenseId, ttlSeconds: 3600 });
   */
  async issueAccessToken(viewer: Viewer, raw: unknown): Promise<{ token: string; accessToken: AccessTokenRow }> {
    const principal = viewer.assertAuthenticated();
    const input = parseInput(IssueAccessTokenInput, raw);
    const license = await this.stores.licensing.license(viewer.scope(), input.licenseId);
    if (!license) throw new NotFoundError('No such license', { field: 'input.licenseId' });
    // The vendor and staff see the license, but only the licensee's members mint tokens for it.
    if (license.licenseeId !== principal.organizationId) throw new ForbiddenError("Only the licensee's members mint tokens");
    const now = this.clock.now();
    if (!licenseInForce(license, now)) {
      throw new ConflictError(
        `The license is ${license.status === 'ACTIVE' ? 'past its term' : license.status}; tokens need an ACTIVE license`,
        {
          field: 'input.licenseId',
        },
      );
    }
    const versionIds = input.versionIds ? [...new Set(input.versionIds)] : [ALL_LICENSED_VERSIONS];
    if (input.versionIds) {
      for (const [i, id] of input.versionIds.entries()) {
        const version = await this.stores.catalog.versionById.load(id);
        if (!version || version.status !== 'PUBLISHED' || !licenseCovers(license, version)) {
          throw new BadUserInputError(`input.versionIds.${i}: the license does not cover this version`, `input.versionIds.${i}`);
        }
      }
    }
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
    const key = await this.keyRing.current();
    const accessToken = await this.stores.transaction(async (tx) => {
      const row = await tx.tokens.insertAccessToken({
        id: newId('accessToken', now.getTime()),
        licenseId: license.id,
        organizationId: license.licenseeId,
        createdBy: principal.userId,
        kid: key.kid,
        scopes: input.scopes,
        versionIds,
        description: input.description ?? null,
        createdAt: now,
        expiresAt,
      });
      await this.audit.record(tx, viewer, {
        action: 'access_token.issued',
        subjectType: 'AccessToken',
        subjectId: row.id,
        licenseId: license.id,
        datasetId: license.datasetId,
        organizationIds: [license.licenseeId, license.vendorId],
        details: { scopes: input.scopes, versionIds, expiresAt: expiresAt.toISOString(), kid: key.kid },
      });
      return row;
    });
    const token = await signAccessToken(
      {
        jti: accessToken.id,
        sub: license.licenseeId,
        lic: license.id,
        ds: license.datasetId,
        ver: versionIds,
        scope: input.scopes.join(' '),
      },
      key,
      now,
      expiresAt,
    );
    return { token, accessToken };
  }

  /** The licensee's members revoke their organization's tokens; admins any. Effective within a second. */
  async revokeAccessToken(viewer: Viewer, raw: unknown): Promise<AccessTokenRow> {
    viewer.assertAuthenticated();
    const { id } = parseInput(TokenIdInput, raw);
    const token = await this.stores.tokens.accessToken(viewer.scope(), id);
    if (!token) throw new NotFoundError('No such access token', { field: 'input.id' });
    // An auditor sees every token but changes nothing.
    if (!viewer.isMemberOf(token.organizationId) && !viewer.isAdmin)
      throw new ForbiddenError('Only the licensee or an admin may revoke this token');
    return this.stores.transaction(async (tx) => {
      const revoked = await tx.tokens.revokeAccessToken(token.id, this.clock.now());
      if (!revoked) return token;
      this.gateChanged(`token:${token.id}`);
      await this.audit.record(tx, viewer, {
        action: 'access_token.revoked',
        subjectType: 'AccessToken',
        subjectId: token.id,
        licenseId: token.licenseId,
        organizationIds: [token.organizationId],
      });
      return revoked;
    });
  }

  /** Your organization's tokens (staff: everyone's), optionally of one license; never the secrets. */
  async accessTokens(
    viewer: Viewer,
    args: { licenseId?: string | null; first?: number | null; after?: string | null },
  ): Promise<Connection<AccessTokenRow>> {
    viewer.assertAuthenticated();
    const limit = pageSize(args.first);
    const afterId = args.after ? String(decodeCursor(args.after, 'TOKENS', ['text'])[0]) : undefined;
    const scope = viewer.scope();
    const licenseId = args.licenseId ?? undefined;
    const rows = await this.stores.tokens.listAccessTokens(scope, licenseId, afterId, limit);
    return toConnection(
      rows,
      limit,
      (r) => encodeCursor('TOKENS', [r.id]),
      () => this.stores.tokens.countAccessTokens(scope, licenseId),
    );
  }

  async accessToken(viewer: Viewer, id: string): Promise<AccessTokenRow | null> {
    return (await this.stores.tokens.accessToken(viewer.scope(), id)) ?? null;
  }

  async rotateSigningKey(viewer: Viewer, raw: unknown): Promise<SigningKeyRow> {
    const principal = viewer.assertAdmin();
    const input = parseInput(RotateSigningKeyInput, raw);
    const key = await this.keyRing.rotate(principal.userId);
    // The rotation itself commits inside the key ring; its record follows at once.
    await this.audit.record(this.stores, viewer, {
      action: 'signing_key.rotated',
      subjectType: 'SigningKey',
      subjectId: key.kid,
      details: { reason: input.reason ?? null },
    });
    return key;
  }
}
