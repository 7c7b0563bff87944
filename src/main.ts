import path from 'node:path';
import { AccountsService } from './accounts/service.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { EmbeddedDatabaseError, ensureDataDir, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { migrateDatabase } from './db/migrate.js';
import { Stores } from './db/stores/index.js';
import { DEMO_KEYS } from './demo/keys.js';
import { seedDemo } from './demo/seed.js';
import { LocalFileStorage } from './delivery/storage.js';
import { buildServer } from './server.js';
import { resolveServerSecret } from './tokens/server-secret.js';

/** Reads the configuration once, starts the database (embedded unless DATABASE_URL), migrates, seeds and serves. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    ensureDataDir(config.dataDir);
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'), 'assay');
  }
  const database = openDatabase(config.databaseUrl ?? embedded!.url, {
    max: config.limits.databasePoolMax,
    statementTimeoutMs: config.limits.statementTimeoutMs,
  });
  const shutdownDatabase = async () => {
    await database.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
  };

  try {
    await migrateDatabase(database.pool);
    const stores = new Stores(database.db);
    const admin = await new AccountsService(stores, systemClock).bootstrapAdmin(config.bootstrapAdminKey);
    const storage = new LocalFileStorage(path.join(config.dataDir, 'files'));
    const seeded = config.demo ? await seedDemo(database.db, systemClock, storage, config) : undefined;
    // The demo keys exist only where the demo catalog does (not on a database that already had other data).
    const demo = seeded && seeded.skipped !== 'NOT_EMPTY' ? seeded : undefined;

    const secret = resolveServerSecret(config.secret, config.dataDir);
    const app = await buildServer({
      config,
      database,
      clock: systemClock,
      secret,
      storage,
      ideExampleKey: demo ? DEMO_KEYS.buyer : undefined,
    });
    await app.listen({ port: config.port, host: config.host });
    const url = `http://localhost:${config.port}`;
    const lines = [
      '',
      `Assay is running at ${url}  (GraphQL: ${url}/graphql, IDE: ${url}/)`,
      `Database: ${embedded ? `embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}` : 'DATABASE_URL'}`,
      `Billing: ${config.stripe ? 'Stripe' : 'LOCAL billing mode (no Stripe keys: payments succeed at once)'}`,
    ];
    if (admin.created && admin.secret && !config.bootstrapAdminKey) {
      lines.push(`Platform admin API key (shown once, store it now): ${admin.secret}`);
    }
    if (demo) {
      lines.push(
        `Demo catalog: ${demo.datasets} datasets${demo.created ? ' (seeded now)' : ''}. Demo API keys:`,
        `  admin   ${DEMO_KEYS.admin}`,
        `  vendor  ${DEMO_KEYS.vendor}`,
        `  buyer   ${DEMO_KEYS.buyer}`,
        `Try: curl -s ${url}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${DEMO_KEYS.buyer}' -d '{"query":"{ viewer { user { name } organization { name } } }"}'`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n\n');

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'shutting down');
      await app.close().catch(() => undefined);
      await shutdownDatabase();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (err) {
    await shutdownDatabase();
    throw err;
  }
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof ConfigError || err instanceof EmbeddedDatabaseError) {
    process.stderr.write(`${err.message}\n`);
  } else if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
    process.stderr.write(
      `Cannot listen on the configured port: ${e.code === 'EADDRINUSE' ? 'it is already in use' : 'permission denied'}. Set PORT to another port.\n`,
    );
  } else {
    process.stderr.write(`Assay failed to start: ${e.message ?? String(err)}\n`);
  }
  process.exit(1);
});
