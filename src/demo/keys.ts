/**
 * Well-known API keys of the demo accounts, printed at start and offered by the IDE in development.
 * They exist only on a database seeded with the demo catalog (never with NODE_ENV=production).
 */
export const DEMO_KEYS = {
  admin: 'ak_demo_admin_0000000000000000000000000000',
  vendor: 'ak_demo_vendor_northwind_000000000000000000',
  buyer: 'ak_demo_buyer_0000000000000000000000000000',
} as const;
