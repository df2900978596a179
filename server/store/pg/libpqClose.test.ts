import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../testing/postgres';
import { startTessera } from '../../tessera';
import { Db } from '../db';
import { loadLibpq } from './libpqClient';

/**
 * A closed libpq connection must outlive libuv's close of its poll handle:
 * collected before that, the process aborted (uv__finish_close assertion).
 * `serve` does exactly this — it checks the database on a connection of its
 * own, closes it, then starts (lots of allocation before the loop turns) —
 * and died within seconds of printing "listening on".
 */
describe.skipIf(!postgresAvailable() || !loadLibpq())('closing a libpq connection', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('does not abort the process when a node starts right after a connection was closed', async () => {
    const before = process.env.TESSERA_PG_CLIENT;
    delete process.env.TESSERA_PG_CLIENT;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-libpq-close-'));
    try {
      Db.postgres(cluster.url).close();
      const running = await startTessera({ dataDir, databaseUrl: cluster.url, port: 0, env: {}, consoleDir: null, sweepIntervalMs: 24 * 3_600_000 });
      try {
        // Several turns of the loop, with the closed connection's handle closed in one of them.
        for (let i = 0; i < 10; i++) {
          expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await running.close();
      }
    } finally {
      if (before !== undefined) process.env.TESSERA_PG_CLIENT = before;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
