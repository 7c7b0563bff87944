import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerIde } from '../src/http/ide.js';
import { startTestApp, type TestApp } from './support/app.js';
import { findBrowser } from './support/browser.js';
import { publishDataset, signUp, type Org } from './support/fixtures.js';

/** Per browser step; a cold start on a loaded CI machine can be slow. */
const WAIT = 30_000;

const TITLE = 'Annotated street scenes for the IDE test';

const QUERY_EDITOR = '.graphiql-query-editor';
const RESPONSE = '.graphiql-response';
/** GraphiQL renders the variables editor and then the headers editor inside the editor tools section. */
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:nth-child(2)';

/*
 * Page-side functions: Playwright serializes them into the page, so each stands alone (and reaches the browser's
 * `document` through globalThis). GraphiQL 3 edits with CodeMirror 5, whose instance hangs off its wrapper element
 * and whose value is complete even where only the visible lines are rendered. Functions, not strings: Playwright
 * polls string predicates with `eval`, which the IDE's CSP (rightly) forbids.
 */
/** The text of the editor inside `selector`, '' until it exists. */
const editorValue = (selector: string): string => {
  const wrapper = (globalThis as any).document.querySelector(`${selector} .CodeMirror`);
  return wrapper?.CodeMirror?.getValue() ?? '';
};
/** Whether the text of the editor inside `selector` matches `pattern` (a RegExp source). */
const editorMatches = ([selector, pattern]: [string, string]): boolean => {
  const wrapper = (globalThis as any).document.querySelector(`${selector} .CodeMirror`);
  return new RegExp(pattern).test(wrapper?.CodeMirror?.getValue() ?? '');
};

let app: TestApp;
let browser: Browser | undefined;
let vendor: Org;
let buyer: Org;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  await publishDataset(app, vendor, { title: TITLE, modality: 'IMAGE' });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** The shared browser, launched on first use: an installed Chromium or Chrome, else the one in the npm package. */
async function launchedBrowser(): Promise<Browser> {
  if (!browser) {
    const found = await findBrowser();
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true, timeout: WAIT });
  }
  return browser;
}

interface Session {
  page: Page;
  requests: { url: string; headers: Record<string, string> }[];
  pageErrors: string[];
  consoleErrors: string[];
}

/** Opens `${url}/` in a fresh browser context, recording every request, uncaught page error and console error. */
async function openIde(url: string): Promise<Session> {
  const context = await (await launchedBrowser()).newContext();
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  const session: Session = { page: await context.newPage(), requests: [], pageErrors: [], consoleErrors: [] };
  context.on('request', (request) => session.requests.push({ url: request.url(), headers: request.headers() }));
  session.page.on('pageerror', (error) => session.pageErrors.push(error.stack ?? String(error)));
  session.page.on('console', (message) => {
    if (message.type() === 'error') session.consoleErrors.push(`${message.text()} (at ${message.location().url})`);
  });
  try {
    const response = await session.page.goto(`${url}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // GraphiQL has replaced the placeholder, and its query editor holds the default query.
    await session.page.waitForSelector(`.graphiql-container ${QUERY_EDITOR} .CodeMirror`);
    await session.page.waitForFunction(editorMatches, [QUERY_EDITOR, 'query Catalog'] as [string, string]);
    await session.page.waitForSelector('.graphiql-execute-button', { state: 'visible' });
  } catch (error) {
    // A timeout alone does not say why the IDE did not render; what the page reported usually does.
    await context.close();
    throw new Error(
      `GraphiQL did not render at ${url}/: ${String(error)}\n` +
        `page errors: ${JSON.stringify(session.pageErrors, null, 2)}\nconsole errors: ${JSON.stringify(session.consoleErrors, null, 2)}`,
      { cause: error },
    );
  }
  return session;
}

/** Runs the editor's query with the play button; returns the result pane's text once the response is in. */
async function runQuery(page: Page): Promise<string> {
  await page.click('.graphiql-execute-button');
  // The pane stays empty (GraphiQL shows a spinner) until the response arrives.
  await page.waitForFunction(editorMatches, [RESPONSE, '^\\s*\\{'] as [string, string]);
  return page.evaluate(editorValue, RESPONSE);
}

/** Requests that went anywhere but the server under test (data: and blob: URLs never reach the network). */
function foreignRequests(session: Session, url: string): string[] {
  const origin = new URL(url).origin;
  return session.requests.map((r) => r.url).filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);
}

/** Runs the default query and checks the result pane lists the seeded dataset, with a clean page throughout. */
async function expectCatalogInResultPane(session: Session, url: string): Promise<void> {
  const text = await runQuery(session.page);
  const result = JSON.parse(text) as { data?: any; errors?: unknown };
  expect(result.errors, text).toBeUndefined();
  expect(result.data.datasets.totalCount, text).toBe(1);
  expect(result.data.datasets.edges.map((e: any) => e.node.title)).toEqual([TITLE]);
  // What a person sees, too: the title is on screen in the result pane.
  expect(await session.page.locator(RESPONSE).innerText()).toContain(TITLE);
  // The query went from the page to this server's endpoint, and nothing went anywhere else.
  expect(session.requests.some((r) => r.url === `${url}/graphql`)).toBe(true);
  expect(foreignRequests(session, url)).toEqual([]);
  expect(session.pageErrors).toEqual([]);
  expect(session.consoleErrors).toEqual([]);
}

describe('GraphQL IDE at /', () => {
  it('serves its assets from npm packages, and nothing else under /ide/', async () => {
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css', 'init.js']) {
      expect((await fetch(`${app.url}/ide/${asset}`)).status, asset).toBe(200);
    }
    for (const asset of ['nope.js', 'constructor', '__proto__', 'toString']) {
      expect((await fetch(`${app.url}/ide/${asset}`)).status, asset).toBe(404);
    }
  });

  it('renders GraphiQL from local assets, runs the default query and shows the catalog', async () => {
    const session = await openIde(app.url);
    try {
      // The test server has no example key: the headers editor exists and is empty.
      await session.page.waitForSelector(`${HEADERS_EDITOR} .CodeMirror`, { state: 'attached' });
      expect(await session.page.evaluate(editorValue, HEADERS_EDITOR)).toBe('');
      await expectCatalogInResultPane(session, app.url);
      const graphql = session.requests.filter((r) => r.url === `${app.url}/graphql`);
      expect(graphql.every((r) => r.headers.authorization === undefined)).toBe(true);
    } finally {
      await session.page.context().close();
    }
  }, 90_000);

  it('renders in the Chromium inside the npm package, the fallback where no browser is installed', async () => {
    const found = await findBrowser('bundled');
    expect(found.source).toBe('bundled');
    const bundled = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true, timeout: WAIT });
    try {
      const page = await bundled.newPage();
      expect((await page.goto(`${app.url}/`, { waitUntil: 'load', timeout: WAIT }))?.status()).toBe(200);
      // GraphiQL's script ran: it replaced the placeholder and filled the query editor.
      await page.waitForFunction(editorMatches, [QUERY_EDITOR, 'query Catalog'] as [string, string], { timeout: WAIT });
    } finally {
      await bundled.close();
    }
  }, 90_000);

  it('prefills the headers editor with an example key, as `npm start` does in development, and sends it', async () => {
    // The server under test has no example key (src/main.ts passes the demo buyer's), so serve the IDE page with one
    // from a bare Fastify instance whose /graphql forwards to the test server: the page runs against the real API.
    const ide = Fastify();
    registerIde(ide, { exampleKey: buyer.key });
    ide.post('/graphql', async (request, reply) => {
      const authorization = request.headers.authorization;
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(request.body),
      });
      return reply
        .code(res.status)
        .type(res.headers.get('content-type') ?? 'application/json')
        .send(await res.text());
    });
    try {
      await ide.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(ide.server.address() as AddressInfo).port}`;
      const session = await openIde(url);
      try {
        await session.page.waitForSelector(`${HEADERS_EDITOR} .CodeMirror`, { state: 'visible' });
        expect(JSON.parse(await session.page.evaluate(editorValue, HEADERS_EDITOR))).toEqual({ Authorization: `Bearer ${buyer.key}` });
        await expectCatalogInResultPane(session, url);
        const graphql = session.requests.filter((r) => r.url === `${url}/graphql`);
        expect(graphql.every((r) => r.headers.authorization === `Bearer ${buyer.key}`)).toBe(true);
      } finally {
        await session.page.context().close();
      }
    } finally {
      await ide.close();
    }
  }, 90_000);
});
