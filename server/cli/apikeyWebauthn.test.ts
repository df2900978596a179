import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { peekData } from '../testing/harness';
import { authenticateApiKey } from '../services/apiKeys';
import { getAppRelyingParty } from '../services/webauthn/relyingParty';
import { lastLine, run, tempDir } from './testkit';

/** `tessera apikey create … --rp-id --rp-name --origin`: a key and its WebAuthn relying party, in one step. */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function initialised(): Promise<string> {
  const d = tempDir();
  dirs.push(d);
  const data = path.join(d, 'data');
  expect((await run(['init', '--data', data])).code).toBe(0);
  return data;
}

const peek = peekData;

describe('apikey create with a WebAuthn relying party', () => {
  it('sets RP ID, name, origins (repeated or comma-separated), UV and the AAGUID allow list with the key; one audit entry', async () => {
    const data = await initialised();
    const r = await run([
      'apikey',
      'create',
      '--name',
      'Demo',
      '--scopes',
      'verify,provision',
      '--rp-id',
      'localhost',
      '--rp-name',
      'Demo app',
      '--origin',
      'http://localhost:4100',
      '--origin',
      'http://localhost:4101,http://app.localhost:4100',
      '--require-uv',
      '--aaguid',
      'CB69481E-8FF7-4039-93EC-0A2729A154A8',
      '--data',
      data,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /WebAuthn relying party: localhost \("Demo app"\), origins http:\/\/localhost:4100, http:\/\/localhost:4101, http:\/\/app\.localhost:4100, user verification required, 1 allowed model/,
    );
    const key = lastLine(r.stdout);
    const rp = peek(data, (s) => getAppRelyingParty(s, authenticateApiKey(s, key).id));
    expect(rp).toMatchObject({
      rpId: 'localhost',
      rpName: 'Demo app',
      origins: ['http://localhost:4100', 'http://localhost:4101', 'http://app.localhost:4100'],
      requireUserVerification: true,
      aaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
    });
    const entries = peek(data, (s) => s.audit.query({ action: 'apikey.create', order: 'asc', limit: 10 }).items);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.details).toMatchObject({ webauthn: { rpId: 'localhost', origins: expect.any(Array) } });
  });

  it('the RP name defaults to the key name', async () => {
    const data = await initialised();
    const r = await run([
      'apikey',
      'create',
      '--name',
      'Intranet',
      '--scopes',
      'verify',
      '--rp-id',
      'intranet.example.com',
      '--origin',
      'https://intranet.example.com',
      '--data',
      data,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(peek(data, (s) => getAppRelyingParty(s, authenticateApiKey(s, lastLine(r.stdout)).id))?.rpName).toBe('Intranet');
  });

  it('bad relying parties are one clear line (exit 1) or usage (exit 2); no key is made', async () => {
    const data = await initialised();
    const ip = await run([
      'apikey',
      'create',
      '--name',
      'x',
      '--scopes',
      'verify',
      '--rp-id',
      '127.0.0.1',
      '--origin',
      'http://127.0.0.1:3000',
      '--data',
      data,
    ]);
    expect(ip.code).toBe(1);
    expect(ip.stderr).toMatch(/^WebAuthn \(--rp-id, --origin, --aaguid\): RP ID cannot be an IP address/);
    const http = await run([
      'apikey',
      'create',
      '--name',
      'x',
      '--scopes',
      'verify',
      '--rp-id',
      'example.com',
      '--origin',
      'http://example.com',
      '--data',
      data,
    ]);
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/https/);
    expect((await run(['apikey', 'create', '--name', 'x', '--scopes', 'verify', '--rp-id', 'example.com', '--data', data])).code).toBe(2);
    expect((await run(['apikey', 'create', '--name', 'x', '--scopes', 'verify', '--origin', 'https://example.com', '--data', data])).code).toBe(2);
    expect(peek(data, (s) => s.store.apiKeys.list())).toHaveLength(0);
  });
});
