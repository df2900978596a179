/**
 * The real process: `npx tsx server/cli/main.ts`, as `npm run cli` runs it.
 * Few of these (about a second each); the rest of the CLI is tested in-process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess } from '../testing/serverProcess';
import { tempDir } from './testkit';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = tempDir('tessera-spawn-');
const data = path.join(dir, 'data');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tessera(args: string[], input = '') {
  const env = { ...process.env };
  delete env.TESSERA_MASTER_KEY;
  delete env.TESSERA_DATA;
  const r = spawnSync('npx', ['tsx', 'server/cli/main.ts', ...args], { cwd: root, input, encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tessera as a process', () => {
  it('exits 0 on success', () => {
    const r = tessera(['init', '--data', data, '--admin', 'root', '--admin-password-stdin'], 'a long enough password\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Created admin "root"');
  });

  it('exits 1 with one line on stderr, no stack trace, on a reported error', () => {
    expect(tessera(['user', 'add', 'alice', '--data', data]).code).toBe(0);
    const r = tessera(['user', 'add', 'Alice', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('A user named "Alice" already exists\n');
  });

  it('exits 2 with a usage line on bad usage', () => {
    const r = tessera(['apikey', 'create', '--name', 'x', '--data', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tessera: --scopes is required\nusage: tessera apikey create --name N --scopes verify,provision,audit [--data DIR] [--database URL]\n',
    );
    expect(r.stdout).toBe('');
  });

  it('serve stops cleanly on SIGINT', async () => {
    // node itself (not npx) so the signal reaches the CLI's own handler.
    const server = await startServeProcess({ dataDir: data, port: 0 });
    let stdout = '';
    server.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    expect(server.logs()).toContain('listening on');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const exited = await server.stop('SIGINT');
    expect(exited.code).toBe(0);
    expect(stdout).toContain('Stopped.');
  });
});
