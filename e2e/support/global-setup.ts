import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startServerProcess } from './server';

/**
 * Starts one real Tessera server for the whole run, on a free loopback port
 * with a fresh temporary data dir, and tells the tests where it is:
 *   TESSERA_E2E_URL   http://127.0.0.1:PORT
 *   TESSERA_E2E_DATA  the data dir
 *   TESSERA_E2E_LOG   the server's output (e2e/artifacts/server.log)
 *   TESSERA_E2E_SETUP_URL  the one-time setup link, if the server printed one
 * Workers inherit these. global-teardown.ts stops the server.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
  const logFile = path.join(REPO_ROOT, 'e2e', 'artifacts', 'server.log');
  // RADIUS on a free UDP port of its own (0): radius.spec.ts reads which from radius.status.
  const server = await startServerProcess({ dataDir, logFile, env: { TESSERA_RADIUS_PORT: '0' } });
  process.env.TESSERA_E2E_URL = server.url;
  process.env.TESSERA_E2E_DATA = dataDir;
  process.env.TESSERA_E2E_LOG = logFile;
  process.env.TESSERA_E2E_PID = String(server.child.pid);
  if (server.setupUrl) process.env.TESSERA_E2E_SETUP_URL = server.setupUrl;
  // Should the runner die without running the teardown, do not leave the server behind.
  process.on('exit', () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });
  console.log(`e2e: Tessera ${server.url} (data ${dataDir})`);
}
