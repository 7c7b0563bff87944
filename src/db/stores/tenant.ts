import { eq, or, sql, type Column, type SQL } from 'drizzle-orm';
import type { TenantScope } from '../../accounts/viewer.js';
import { UnreachableCaseError } from '../../errors.js';

/**
 * The tenant predicate of a read, built from the scope the viewer handed out: nothing for the platform, the
 * organization's rows for a member (`byOrganization`), no rows at all for the public.
 * @example sql`SELECT ... WHERE ${tenantSql(scope, (org) => sql`l.vendor_id = ${org}`)}`
 */
export function tenantSql(scope: TenantScope, byOrganization: (organizationId: string) => SQL): SQL {
  switch (scope.kind) {
    case 'platform':
      return sql`true`;
    case 'organization':
      return byOrganization(scope.organizationId);
    case 'public':
      return sql`false`;
    default:
      throw new UnreachableCaseError(scope);
  }
}

/**
 * Whether a row owned by any of `owners` (e.g. licensee and vendor) is inside the scope: for rows read through a
 * per-request loader, whose cache serves every caller in the request.
 * @example const license = inScope(scope, row.licenseeId, row.vendorId) ? row : undefined;
 */
export function inScope(scope: TenantScope, ...owners: string[]): boolean {
  switch (scope.kind) {
    case 'platform':
      return true;
    case 'organization':
      return owners.includes(scope.organizationId);
    case 'public':
      return false;
    default:
      throw new UnreachableCaseError(scope);
  }
}

/**
 * Rows whose owner column (any of `columns`, e.g. licensee or vendor) is the scope's organization.
 * @example .where(and(tenantWhere(scope, licenses.licenseeId, licenses.vendorId), eq(licenses.id, id)))
 */
export function tenantWhere(scope: TenantScope, ...columns: [Column, ...Column[]]): SQL | undefined {
  if (scope.kind === 'platform') return undefined;
  return tenantSql(scope, (organizationId) => or(...columns.map((c) => eq(c, organizationId)))!);
}
