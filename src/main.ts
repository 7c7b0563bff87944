import { closeProcess, runsBackground, startBackground } from './background.js';
import { systemClock } from './clock.js';
import { buildProcessParts } from './composition.js';
import { ConfigError, loadProcessConfig } from './config.js';
import { RequestServices } from './context.js';
import { databaseOptions, openDatabase } from './db/client.js';
import type { EmbeddedDatabase } from './db/embedded.js';
import { migrateDatabase } from './db/migrate.js';
import { Stores } from './db/stores/index.js';
import { keptDemoKeys } from './demo/keys.js';
import { seedDemo } from './demo/seed.js';
import { openFileStorage, type FileStorage } from './delivery/storage.js';
import { createLog } from './log.js';
import { buildServer } from './server.js';
import { resolveServerSecret } from './tokens/server-secret.js';

/** Set once the embedded PostgreSQL is used; only then can its errors occur. */
let embeddedModule: typeof import('./db/embedded.js') | undefined;
/** How much longer than the usage flush's deadline the rest of shutdown (background work, the pool) may take. */
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Reads the configuration once, starts the database (embedded unless DATABASE_URL), migrates, seeds, builds the
 * process parts, serves HTTP and starts the background work as ASSAY_ROLE says.
 */
async function main(): Promise<void> {
  const config = loadProcessConfig();
  const log = createLog(config.logLevel);
  // The SDK is loaded only when tracing is configured, before the database and the server start.
  const tracing = config.tracing ? await (await import('./telemetry/sdk.js')).startTracing(config.tracing) : undefined;
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    // Loaded only here: a server on an external DATABASE_URL never loads the embedded PostgreSQL's code.
    embeddedModule = await import('./db/embedded.js');
    embedded = await embeddedModule.startEmbeddedPostgres(config.dataDir, 'assay');
  }
  const database = openDatabase(config.databaseUrl ?? embedded!.url, databaseOptions(config.limits));
  let storage: FileStorage | undefined;
  // The file store's connections go too (an S3 client keeps sockets open).
  const shutdownDatabase = async () => {
    await storage?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
  };

  try {
    await migrateDatabase(database.pool);
    const url = `http://localhost:${config.port}`;
    storage = await openFileStorage(config.storage);
    const secret = resolveServerSecret(config.secret, config.dataDir);
    const parts = buildProcessParts({ config, database, clock: systemClock, secret, storage, log });
    const startup = new RequestServices(parts, {
      stores: new Stores(database.db),
      origin: url,
      log: (err, msg) => log.error({ err }, msg),
    });
    const admin = await startup.accounts.bootstrapAdmin(config.bootstrapAdminKey);
    const seeded = config.demo ? await seedDemo(parts, keptDemoKeys(config.dataDir)) : undefined;
    // The demo exists only on a database it was seeded into (not on one that already had other data).
    const demo = seeded && seeded.skipped !== 'NOT_EMPTY' ? seeded : undefined;

    const app = await buildServer({
      parts,
      log,
      ideExampleKey: demo?.keys?.buyer,
      ...(embedded ? { embeddedDatabaseState: embedded.state } : {}),
    });
    // A `web` process leaves the metering, the webhook deliveries and the periodic jobs to the `worker` processes.
    const background = runsBackground(config.role) ? startBackground(parts, log) : undefined;
    app.addHook('onClose', () => closeProcess(parts, background));
    embedded?.onEvent((event) => {
      if (event.kind === 'restarted') app.log.warn({ pid: event.pid }, 'embedded PostgreSQL restarted');
      else
        app.log.error(
          event,
          event.kind === 'exited' ? 'embedded PostgreSQL exited unexpectedly; restarting it' : 'embedded PostgreSQL failed to restart',
        );
    });
    app.holdUntilAnnounced();
    await app.listen({ port: config.port, host: config.host });
    const lines = [
      '',
      config.role === 'worker'
        ? `Assay is running at ${url} as a worker (metering, webhook deliveries, periodic jobs; only /livez, /readyz, /healthz and /metrics are served)`
        : `Assay is running at ${url}  (GraphQL: ${url}/graphql, IDE: ${url}/)`,
      `Role: ${config.role} (ASSAY_ROLE)${config.role === 'web' ? ': no background work here; run a worker process beside it' : ''}`,
      `Database: ${embedded ? `embedded PostgreSQL, data in ${embedded.location}` : 'DATABASE_URL'}`,
      `Billing: ${config.stripe ? 'Stripe' : 'LOCAL billing mode (no Stripe keys: payments succeed at once)'}`,
    ];
    if (config.host !== '127.0.0.1' && config.host !== 'localhost' && config.host !== '::1') {
      lines.push(`Listening on ${config.host} (HOST): whoever reaches this address can use the API, the keys below included.`);
    }
    const adminKeyPrinted = Boolean(admin.created && admin.secret && !config.bootstrapAdminKey);
    if (adminKeyPrinted) lines.push(`Platform admin API key (shown once, store it now): ${admin.secret}`);
    if (demo?.keys) {
      lines.push(
        `Demo catalog: ${demo.datasets} datasets${demo.created ? ' (seeded now)' : ''}. Demo API keys (this data directory's own):`,
        `  admin   ${demo.keys.admin}`,
        `  vendor  ${demo.keys.vendor}`,
        `  buyer   ${demo.keys.buyer}`,
        `Try: curl -s ${url}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${demo.keys.buyer}' -d '{"query":"{ viewer { user { name } organization { name } } }"}'`,
      );
    } else if (demo) {
      lines.push(
        `Demo catalog: ${demo.datasets} datasets (its API keys are not the ones in ${config.dataDir}; issue new ones as the admin)`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n\n');
    app.announced();
    // The same facts for log collectors, in one JSON line; no secrets (the admin key is only said to have been printed).
    app.log.info(
      {
        url,
        role: config.role,
        database: embedded ? { kind: 'embedded', dataDir: embedded.location } : { kind: 'DATABASE_URL' },
        billing: config.stripe ? 'stripe' : 'local',
        demoKeys: demo?.keys !== undefined,
        adminKeyPrinted,
        tracing: config.tracing !== undefined,
      },
      'assay started',
    );

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal, drainDelayMs: config.drainDelayMs }, 'shutting down');
      // Readiness fails first, so load balancers stop sending before the server stops answering.
      app.startDraining();
      if (config.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
      // Closing writes buffered usage first (within ASSAY_SHUTDOWN_TIMEOUT_MS, logging what it could not write);
      // whatever hangs after that (a frozen database) gets a little longer, then the process exits non-zero.
      const grace = setTimeout(() => {
        app.log.error(`shutdown did not finish within ${config.limits.shutdownTimeoutMs + SHUTDOWN_GRACE_MS} ms; exiting`);
        process.exit(1);
      }, config.limits.shutdownTimeoutMs + SHUTDOWN_GRACE_MS);
      grace.unref();
      const clean = await app.close().then(
        () => true,
        () => false,
      );
      await shutdownDatabase();
      // The last spans (this shutdown's own included) are sent before the process exits.
      await tracing?.shutdown().catch(() => undefined);
      process.exit(clean ? 0 : 1);
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  } catch (err) {
    await shutdownDatabase();
    throw err;
  }
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof ConfigError || (embeddedModule && err instanceof embeddedModule.EmbeddedDatabaseError)) {
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
