export * from './accounts.js';
export * from './catalog.js';
export * from './tokens.js';
