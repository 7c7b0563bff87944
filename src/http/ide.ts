import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
/** A file inside an installed package, found through its package.json (UMD builds are not in `exports`). */
const packageFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

/** The IDE's assets, served from npm packages so it works offline (no CDN). */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: packageFile('graphiql', 'dist/index.umd.js'), type: 'text/javascript' },
  'graphiql.css': { file: packageFile('graphiql', 'dist/style.css'), type: 'text/css' },
  // graphiql.js ends with `sourceMappingURL=index.umd.js.map`, which browser dev tools fetch relative to it.
  'index.umd.js.map': { file: packageFile('graphiql', 'dist/index.umd.js.map'), type: 'application/json' },
};

const DEFAULT_QUERY = `# Assay: a marketplace of licensed real and synthetic datasets.
# Run this with the play button (or Ctrl-Enter).
query Catalog {
  datasets(first: 5) {
    totalCount
    edges {
      node {
        fullSlug
        title
        kind
        modality
        vendor { name }
        latestVersion { version rowCount }
      }
    }
  }
}
`;

const INIT_SCRIPT = `
const config = JSON.parse(document.getElementById('assay-config').textContent);
const fetcher = GraphiQL.createFetcher({ url: config.endpoint });
const root = ReactDOM.createRoot(document.getElementById('graphiql'));
root.render(React.createElement(GraphiQL, {
  fetcher,
  defaultQuery: config.defaultQuery,
  defaultHeaders: config.defaultHeaders,
  shouldPersistHeaders: false,
  defaultEditorToolsVisibility: config.defaultHeaders ? 'headers' : false,
}));
`;

function page(exampleKey: string | undefined): string {
  const config = {
    endpoint: '/graphql',
    defaultQuery: DEFAULT_QUERY,
    defaultHeaders: exampleKey ? JSON.stringify({ Authorization: `Bearer ${exampleKey}` }, null, 2) : undefined,
  };
  // `<` is escaped so the JSON cannot close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Assay GraphQL IDE</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ide/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the Assay GraphQL IDE…</div>
<script id="assay-config" type="application/json">${json}</script>
<script src="/ide/react.js"></script>
<script src="/ide/react-dom.js"></script>
<script src="/ide/graphiql.js"></script>
<script src="/ide/init.js"></script>
</body>
</html>`;
}

/** `GET /`: GraphiQL against this server; in development it is pre-filled with the demo buyer's key. */
export function registerIde(app: FastifyInstance, options: { exampleKey: string | undefined }): void {
  const html = page(options.exampleKey);
  const csp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'";
  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', csp).header('cache-control', 'no-store').send(html),
  );
  app.get('/ide/init.js', async (_request, reply) => reply.type('text/javascript').send(INIT_SCRIPT));
  app.get<{ Params: { asset: string } }>('/ide/:asset', async (request, reply) => {
    // Own keys only: `constructor` or `__proto__` must be a 404, not Object.prototype's members.
    const asset = Object.hasOwn(ASSETS, request.params.asset) ? ASSETS[request.params.asset] : undefined;
    if (!asset) return reply.code(404).send({ error: 'Not Found', message: 'No such IDE asset' });
    return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(fs.createReadStream(asset.file));
  });
}
