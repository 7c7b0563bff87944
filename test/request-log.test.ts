import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { eventually, startServerProcess } from './support/app-process.js';
import { createTestDatabase, startTestApp } from './support/app.js';

const hello = (url: string, requestId: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query: '{ __typename }' }),
  });

describe('request logs', () => {
  it("carry the request's id at info level, and are left out below it", async () => {
    const database = await createTestDatabase();
    const [info, warn] = await Promise.all([
      startServerProcess(database, { LOG_LEVEL: 'info' }),
      startServerProcess(database, { LOG_LEVEL: 'warn' }),
    ]);
    try {
      const id = `log-check-${randomUUID()}`;
      const res = await hello(info.url, id);
      expect(res.headers.get('x-request-id')).toBe(id);
      await eventually(() => info.logs().some((l) => l.msg === 'request completed' && l.reqId === id), 10_000, 'request completed line');
      const lines = info.logs().filter((l) => l.reqId === id);
      expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
      expect(lines[0]).toMatchObject({ level: 30, req: { method: 'POST', url: '/graphql' } });
      expect(lines[1]).toMatchObject({ level: 30, res: { statusCode: 200 } });

      const quiet = `log-check-${randomUUID()}`;
      expect((await hello(warn.url, quiet)).status).toBe(200);
      // Everything it wrote has been read once its stdout ends.
      const ended = once(warn.child.stdout!, 'end');
      warn.child.kill('SIGTERM');
      await ended;
      expect(warn.logs().filter((l) => l.reqId !== undefined)).toEqual([]);
    } finally {
      for (const server of [info, warn]) server.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('x-request-id', () => {
  it('is on every answer: served, refused, unmatched and rate limited; a client-sent id is kept', async () => {
    const app = await startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '1', ASSAY_RATE_LIMIT_BURST: '3' });
    try {
      const post = (body: string, headers: Record<string, string> = {}) =>
        fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const answers = [
        await post(JSON.stringify({ query: '{ __typename }' }), { 'x-request-id': 'client-chosen-id' }),
        await post('{not json'),
        await fetch(`${app.url}/no/such/route`),
      ];
      // The burst of 3 is spent by now, or within a few more.
      for (let i = 0; i < 5 && answers.at(-1)!.status !== 429; i++) answers.push(await post(JSON.stringify({ query: '{ __typename }' })));
      expect(answers.slice(0, 3).map((r) => r.status)).toEqual([200, 400, 404]);
      expect(answers.at(-1)!.status).toBe(429);
      expect(answers[0]!.headers.get('x-request-id')).toBe('client-chosen-id');
      for (const res of answers.slice(1)) expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await app.close();
    }
  });
});
