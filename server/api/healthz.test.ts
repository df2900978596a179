import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type TestPostgres } from '../testing/postgres';
import { startTestServer, type TestServer } from '../testing/harness';
import { loadLibpq } from '../store/pg/libpqClient';
import { createApiKey } from '../services/apiKeys';
import { SYSTEM_ACTOR } from '../services/context';
import { startTessera } from '../tessera';

/**
 * GET /healthz is what a load balancer polls. On PostgreSQL it asks the
 * database (one SELECT 1): a node that cannot reach it says 503, so the
 * balancer takes it out, and says 200 again once the database is back.
 */

describe('GET /healthz on SQLite', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('answers 200 with ok and the version, as before', async () => {
    const r = await srv.call('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, version: expect.any(String) });
  });
});

const clients = [...(loadLibpq() ? (['libpq'] as const) : []), 'thread'] as const;

describe.skipIf(!postgresAvailable())('GET /healthz on PostgreSQL (issue 17)', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  /** A node on a database of its own in the cluster, through `client` (the engine picks it when it connects). */
  async function startNode(client: string) {
    const databaseUrl = await cluster.createDatabase(`healthz_${client}`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-healthz-'));
    const before = process.env.TESSERA_PG_CLIENT;
    process.env.TESSERA_PG_CLIENT = client;
    try {
      const running = await startTessera({ dataDir, databaseUrl, port: 0, env: {}, consoleDir: null, sweepIntervalMs: 24 * 3_600_000 });
      return {
        running,
        async close() {
          await running.close();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    } finally {
      if (before === undefined) delete process.env.TESSERA_PG_CLIENT;
      else process.env.TESSERA_PG_CLIENT = before;
    }
  }

  async function healthz(url: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}/healthz`);
    return { status: res.status, body: await res.json() };
  }

  for (const client of clients) {
    it(`through ${client}: 503 while the database is down, 200 again once it is back (the node reconnects)`, async () => {
      const node = await startNode(client);
      try {
        const { url } = node.running;
        expect(await healthz(url)).toEqual({ status: 200, body: { ok: true, version: expect.any(String) } });

        await cluster.halt();
        const down = await healthz(url);
        expect(down).toEqual({
          status: 503,
          body: {
            ok: false,
            version: expect.any(String),
            error: { code: 'database_unavailable', message: 'This node cannot reach its database, so it can answer no request that needs it' },
          },
        });
        // Asked again, still down: each check tries afresh, none hangs.
        expect((await healthz(url)).status).toBe(503);

        await cluster.resume();
        expect(await healthz(url)).toEqual({ status: 200, body: { ok: true, version: expect.any(String) } });
        // Not only SELECT 1: writes go through the reconnected session too.
        const { key } = createApiKey(node.running.services, { name: 'after the outage', scopes: ['provision'] }, SYSTEM_ACTOR);
        const created = await fetch(`${url}/api/v1/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'back-again' }),
        });
        expect(created.status).toBe(201);
      } finally {
        await node.close();
      }
    }, 60_000);
  }
});
