import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports that cross a layer, by name; `layering(...)` bans some of them in a group of files. */
const BANS = {
  fastify: {
    group: ['fastify', 'fastify/*', '@fastify/*', '@as-integrations/fastify'],
    message: 'HTTP stays in src/http, src/server.ts and src/main.ts: services never see a request.',
  },
  drizzle: { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'Only src/db speaks SQL: go through a store.' },
  dbClient: {
    group: ['**/db/client', '**/db/client.js'],
    // Naming the handle type a part is given is fine; opening a database or a pool is not.
    allowTypeImports: true,
    message: 'Only src/db and src/main.ts use the database client; take the handle (or the stores) you are given.',
  },
};
const layering = (...bans) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns: bans.map((b) => BANS[b]) }] });

export default tseslint.config(
  { ignores: ['node_modules', 'migrations', '.assay', 'coverage', 'dist', 'src/resolvers/generated'] },
  js.configs.recommended,
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/resolvers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['drizzle-orm', 'drizzle-orm/*'], message: 'Resolvers go through services and stores.' }] },
      ],
    },
  },
  // The layering (README "Layout"): HTTP -> context -> resolver -> service -> store -> SQL. Each file group below gets
  // the bans that apply to it (a later block's options replace an earlier one's, so every group lists all of its own).
  { files: ['src/**/*.ts'], rules: layering('fastify', 'drizzle', 'dbClient') },
  // The HTTP edge: routes, the server that composes them, and the request spans that hook into Fastify.
  { files: ['src/http/**', 'src/server.ts', 'src/telemetry/**'], rules: layering('drizzle', 'dbClient') },
  // main.ts opens the database (the one value import of the client outside src/db) and listens.
  { files: ['src/main.ts'], rules: layering('drizzle') },
  { files: ['src/db/**'], rules: layering('fastify') },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config.ts reads the environment: add a setting there.' },
      ],
    },
  },
);
