import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHotp } from '../core/otp/hotp';
import { parseOtpauthUri } from '../core/otp/otpauthUri';
import { generateTotp } from '../core/otp/totp';
import { openTessera } from '../tessera';
import { authenticateApiKey } from '../services/apiKeys';
import { getUser } from '../services/users';
import { isSetupTokenValid } from '../services/setup';
import type { Services } from '../services/index';
import { lastLine, run, serveInProcess, tempDir } from './testkit';
import { rawSqlite } from '../store/testing';

const dirs: string[] = [];
function newDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh, initialised data folder. */
async function initialised(): Promise<string> {
  const data = path.join(newDir(), 'data');
  const r = await run(['init', '--data', data]);
  expect(r.code).toBe(0);
  return data;
}

function open(data: string): Services {
  return openTessera({ dataDir: data, env: {}, createIfNew: false });
}

function peek<T>(data: string, fn: (s: Services) => T): T {
  const s = open(data);
  try {
    return fn(s);
  } finally {
    s.store.close();
  }
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('usage and exit codes', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['init', 'serve', 'apikey create', 'user import', 'enroll totp', 'sheets', 'audit verify', 'audit export', 'backup', 'restore']) {
      expect(r.stdout).toContain(c);
    }
  });

  it('per-command --help exits 0 with the usage line', async () => {
    const r = await run(['apikey', 'create', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: tessera apikey create --name N --scopes verify,provision,audit/);
  });

  it('bad usage exits 2 with a short usage line on stderr', async () => {
    for (const argv of [
      [],
      ['nope'],
      ['apikey'],
      ['apikey', 'nope'],
      ['user', 'add'],
      ['user', 'add', 'a', 'b'],
      ['apikey', 'list', '--bogus'],
      ['serve', '--port', 'x'],
      ['init', '--admin', 'root'],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^tessera: .+\nusage: tessera .+\n$/);
      expect(r.stdout).toBe('');
    }
  });

  it('a command on a folder that was never initialised is a reported error and creates nothing', async () => {
    const data = path.join(newDir(), 'missing');
    const r = await run(['apikey', 'list', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^No Tessera database in .*: run "tessera init" first/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(fs.existsSync(data)).toBe(false);
  });

  it('sheets with nobody to print for writes no file (its own tests: commands/sheets.test.ts)', async () => {
    const data = await initialised();
    const out = path.join(newDir(), 'x.pdf');
    const r = await run(['sheets', '--without-factor', '--out', out, '--data', data]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('TESSERA_DATA is the default data folder', async () => {
    const data = path.join(newDir(), 'env-data');
    const r = await run(['init'], { env: { TESSERA_DATA: data } });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(data, 'tessera.db'))).toBe(true);
  });
});

describe('init', () => {
  it('creates everything once, prints a valid setup link, and a rerun overwrites nothing', async () => {
    const data = path.join(newDir(), 'data');
    const first = await run(['init', '--data', data]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Created database ${path.join(data, 'tessera.db')}`);
    expect(first.stdout).toContain('Created master key');
    const token = /http:\/\/127\.0\.0\.1:8787\/setup\?token=([A-Za-z0-9_-]+)/.exec(first.stdout)?.[1];
    expect(token).toBeDefined();
    expect(peek(data, (s) => isSetupTokenValid(s, token!))).toBe(true);
    expect(fs.statSync(path.join(data, 'master.key')).mode & 0o777).toBe(0o600);

    const key = fs.readFileSync(path.join(data, 'master.key'));
    peek(data, (s) =>
      s.store.tx(() => s.store.users.insert({ id: 'u1', username: 'keepme', username_key: 'keepme', display_name: null, email: null, created_at: 1 })),
    );

    const second = await run(['init', '--data', data]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Already initialised: /);
    expect(second.stdout).not.toContain('Created');
    expect(fs.readFileSync(path.join(data, 'master.key')).equals(key)).toBe(true);
    expect(peek(data, (s) => s.store.users.count())).toBe(1);
  });

  it('creates the first admin from a password on stdin, pending, once', async () => {
    const data = path.join(newDir(), 'data');
    const r = await run(['init', '--data', data, '--admin', 'root', '--admin-password-stdin'], { stdin: 'correct horse battery staple\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Created admin "root"');
    expect(r.stdout).not.toContain('setup?token');
    const ops = peek(data, (s) => s.store.operators.list());
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ username: 'root', role: 'admin', status: 'pending' });
    expect(ops[0]!.password_hash).not.toContain('correct horse');

    const again = await run(['init', '--data', data, '--admin', 'other', '--admin-password-stdin'], { stdin: 'another long password\n' });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no admin named "other" was created');
    expect(peek(data, (s) => s.store.operators.count())).toBe(1);
  });

  it('refuses a weak admin password with one line, never echoing it', async () => {
    const data = path.join(newDir(), 'data');
    const r = await run(['init', '--data', data, '--admin', 'root', '--admin-password-stdin'], { stdin: 'short\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Password refused: Use at least 12 characters\.\n$/);
    expect(r.stderr + r.stdout).not.toContain('short\n');
    expect(peek(data, (s) => s.store.operators.count())).toBe(0);
  });
});

describe('apikey', () => {
  it('create prints the key alone on the last line; it authenticates until revoked', async () => {
    const data = await initialised();
    const created = await run(['apikey', 'create', '--name', 'payroll', '--scopes', 'verify, provision', '--data', data]);
    expect(created.code).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^tsk_\S+$/);
    expect(created.stdout).toMatch(/shown/);
    const principal = peek(data, (s) => authenticateApiKey(s, key));
    expect(principal).toMatchObject({ name: 'payroll', scopes: ['provision', 'verify'] });

    const list = await run(['apikey', 'list', '--data', data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED/);
    expect(list.stdout).toContain(principal.id);
    expect(list.stdout).toContain(key.slice(0, 12));
    expect(list.stdout).not.toContain(key);

    const revoked = await run(['apikey', 'revoke', principal.id, '--data', data]);
    expect(revoked.code).toBe(0);
    expect(() => peek(data, (s) => authenticateApiKey(s, key))).toThrow(/not valid or has been revoked/);
    const again = await run(['apikey', 'revoke', principal.id, '--data', data]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('This API key is already revoked\n');
    const listed = await run(['apikey', 'list', '--data', data]);
    expect(listed.stdout.split('\n')[2]).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\dZ$/);
  });

  it('checks its input with the shared schema', async () => {
    const data = await initialised();
    const bad = await run(['apikey', 'create', '--name', 'x', '--scopes', 'verify,admin', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^--scopes/);
    expect((await run(['apikey', 'create', '--scopes', 'verify', '--data', data])).code).toBe(2);
    expect(peek(data, (s) => s.store.apiKeys.list())).toHaveLength(0);
  });
});

describe('user add', () => {
  it('adds a user; a duplicate (any case) is one clear line and exit 1', async () => {
    const data = await initialised();
    const ok = await run(['user', 'add', 'alice', '--email', 'alice@example.org', '--display-name', 'Alice A', '--data', data]);
    expect(ok.code).toBe(0);
    expect(peek(data, (s) => getUser(s, 'alice'))).toMatchObject({ email: 'alice@example.org', displayName: 'Alice A' });
    const dup = await run(['user', 'add', 'ALICE', '--data', data]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('A user named "ALICE" already exists\n');
    const bad = await run(['user', 'add', 'bob', '--email', 'not-an-email', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('--email: Email is not a valid address\n');
  });
});

describe('user import', () => {
  const csv = [
    'Username,E-mail,Display Name',
    'carol,carol@example.org,Carol C', // 2 create
    'dave,not-an-email,Dave', // 3 reject
    ',nobody@example.org,No Name', // 4 reject: empty username
    'Carol,carol2@example.org,', // 5 skip: duplicate in file
    'alice,alice@example.org,', // 6 skip: already exists
    'ev\u200Be,eve@example.org,Eve', // 7 reject: zero-width space
    'frank,,', // 8 create
  ].join('\n');

  async function setup(): Promise<{ data: string; file: string }> {
    const data = await initialised();
    expect((await run(['user', 'add', 'alice', '--data', data])).code).toBe(0);
    const file = path.join(newDir(), 'users.csv');
    fs.writeFileSync(file, csv);
    return { data, file };
  }

  it('--dry-run reports every row and changes nothing', async () => {
    const { data, file } = await setup();
    const db = path.join(data, 'tessera.db');
    const before = { bytes: sha256File(db), audit: peek(data, (s) => s.store.audit.stats()), users: peek(data, (s) => s.store.users.count()) };
    const bytesAfterPeek = sha256File(db);
    const r = await run(['user', 'import', file, '--dry-run', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('7 rows: 2 to create, 2 to skip, 3 rejected.');
    expect(r.stdout).toContain('row 3: rejected — Email is not a valid address');
    expect(r.stdout).toContain('row 4: rejected — Username must not be empty');
    expect(r.stdout).toContain('row 5: skip "Carol" (duplicate in file)');
    expect(r.stdout).toContain('row 6: skip "alice" (already exists)');
    expect(r.stdout).toContain('row 7: rejected — Username contains invisible or control characters');
    expect(r.stdout).toContain('Dry run: nothing was changed.');
    expect(sha256File(db)).toBe(bytesAfterPeek);
    expect(peek(data, (s) => s.store.audit.stats())).toEqual(before.audit);
    expect(peek(data, (s) => s.store.users.count())).toBe(before.users);
  });

  it('applies: creates the good rows, each with its own audit entry', async () => {
    const { data, file } = await setup();
    const before = peek(data, (s) => s.store.audit.stats());
    const r = await run(['user', 'import', file, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Created 2 users; 2 skipped, 3 rejected.');
    peek(data, (s) => {
      expect(getUser(s, 'carol')).toMatchObject({ email: 'carol@example.org', displayName: 'Carol C' });
      expect(getUser(s, 'frank')).toMatchObject({ email: null, displayName: null });
      expect(s.store.users.count()).toBe(3);
      const entries = s.audit.query({ order: 'asc', limit: 50, action: 'user.create' }).items.filter((e) => e.seq > before.maxSeq);
      expect(entries.map((e) => [e.user, e.details])).toEqual([
        ['carol', { import: true }],
        ['frank', { import: true }],
      ]);
      expect(entries.every((e) => e.actor.name?.startsWith('cli:'))).toBe(true);
    });
    const again = await run(['user', 'import', file, '--data', data]);
    expect(again.stdout).toContain('0 to create, 4 to skip');
  });

  it('refuses a file that is not CSV with a header, with one line', async () => {
    const data = await initialised();
    const file = path.join(newDir(), 'x.csv');
    fs.writeFileSync(file, 'name,mail\nbob,b@example.org\n');
    const r = await run(['user', 'import', file, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^The first row must be a header.*\n$/);
    const missing = await run(['user', 'import', path.join(newDir(), 'nope.csv'), '--data', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });
});

describe('enroll', () => {
  it("totp: the printed URI's secret makes codes that confirm the factor", async () => {
    const data = await initialised();
    await run(['user', 'add', 'alice', '--data', data]);
    const r = await run(['enroll', 'totp', 'alice', '--label', 'phone', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    const uri = /^otpauth:\/\/\S+$/m.exec(r.stdout)?.[0];
    expect(uri).toBeDefined();
    const fields = parseOtpauthUri(uri!);
    expect(r.stdout).toContain(`Secret, to type in by hand: ${(/secret=([A-Z2-7]+)/.exec(uri!)![1]!.match(/.{1,4}/g) ?? []).join(' ')}`);
    expect(r.stdout).toMatch(/[▀▄█]/); // the terminal QR
    expect(r.stdout).toMatch(/Pending until \d{4}-/);
    const factorId = /^Enrolled TOTP factor (\S+) for alice/m.exec(r.stdout)![1]!;
    expect(r.stdout).toContain(`tessera enroll confirm alice ${factorId} CODE`);

    const wrong = await run(['enroll', 'confirm', 'alice', factorId, '000000', '--data', data]);
    expect(wrong.code).toBe(1);
    const code = generateTotp({ secret: fields.secret, algorithm: fields.algorithm, digits: fields.digits, period: 30 }, Math.floor(Date.now() / 1000));
    const ok = await run(['enroll', 'confirm', 'alice', factorId, code, '--data', data]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(peek(data, (s) => getUser(s, 'alice').factors)).toMatchObject([{ id: factorId, status: 'active', label: 'phone' }]);
  });

  it('totp --confirm and options: SHA256, 8 digits, 60 s', async () => {
    const data = await initialised();
    await run(['user', 'add', 'bob', '--data', data]);
    // --confirm needs the code before the secret exists, so check the wrong-code path: exit 1, factor stays pending.
    const r = await run(['enroll', 'totp', 'bob', '--algorithm', 'sha256', '--digits', '8', '--period', '60', '--confirm', '00000000', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^That code is not right/);
    expect(peek(data, (s) => getUser(s, 'bob').factors)).toMatchObject([{ status: 'pending', algorithm: 'SHA256', digits: 8, period: 60 }]);
    const bad = await run(['enroll', 'totp', 'bob', '--digits', '7', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('--digits must be 6 or 8, not "7"\n');
    expect((await run(['enroll', 'hotp', 'bob', '--period', '30', '--data', data])).code).toBe(2);
  });

  it('on a terminal it asks for the first code and confirms', async () => {
    const data = await initialised();
    await run(['user', 'add', 'carol', '--data', data]);
    let stdout = '';
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const r = await run(['enroll', 'hotp', 'carol', '--data', data], {
      io: {
        stdin,
        stdout: {
          write(s: string) {
            stdout += s;
            if (s.startsWith('Code from the app to confirm (Enter to leave pending): ')) {
              const fields = parseOtpauthUri(/^otpauth:\/\/\S+$/m.exec(stdout)![0]);
              stdin.write(`${generateHotp(fields, 0)}\n`);
            }
            return true;
          },
        },
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(stdout).toContain('Confirmed: the factor is active.');
    expect(peek(data, (s) => getUser(s, 'carol').factors)).toMatchObject([{ type: 'hotp', status: 'active' }]);
  });

  it('an unknown user is one line, exit 1', async () => {
    const data = await initialised();
    const r = await run(['enroll', 'totp', 'ghost', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('No user with that username\n');
  });
});

describe('audit', () => {
  let data: string;
  let bundle: string;
  let lines: string[];

  beforeAll(async () => {
    data = await initialised();
    for (const u of ['u1', 'u2', 'u3', 'u4']) await run(['user', 'add', u, '--data', data]);
    bundle = path.join(newDir(), 'audit.jsonl');
    const r = await run(['audit', 'export', '--out', bundle, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    lines = fs.readFileSync(bundle, 'utf8').trimEnd().split('\n');
  });

  function tampered(edit: (lines: string[]) => string[]): string {
    const file = path.join(newDir(), 'tampered.jsonl');
    fs.writeFileSync(file, `${edit([...lines]).join('\n')}\n`);
    return file;
  }

  it('verify on the database prints the summary', async () => {
    const r = await run(['audit', 'verify', '--data', data]);
    expect(r.code).toBe(0);
    // Second line since issue 11 (finding 2): the anchor outside the database.
    expect(r.stdout).toMatch(/^Audit log OK: \d+ entries, head [0-9a-f]{64}, 0 signed checkpoints\nAnchor: anchored at #\d+ \(written [^)]+\)\n$/);
  });

  it('export writes header, entries and a final checkpoint; its own entry comes after', async () => {
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'tessera-audit-bundle', version: 2, publicKeys: [{ version: 1 }] });
    const last = JSON.parse(lines[lines.length - 1]!);
    expect(last).toMatchObject({ type: 'checkpoint', seq: lines.length - 2, keyVersion: 1 });
    expect(fs.statSync(bundle).mode & 0o777).toBe(0o600);
    const after = peek(data, (s) => s.store.audit.bySeq(last.seq + 1));
    expect(after?.action).toBe('audit.export');
    const again = await run(['audit', 'export', '--out', bundle, '--data', data]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('verify --bundle without --key says it proves nothing about who signed; with the fingerprint audit key prints, OK', async () => {
    const r = await run(['audit', 'verify', '--bundle', bundle]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Audit bundle consistent, NOT AUTHENTICATED: \d+ entries/);
    expect(r.stdout).toMatch(/No pinned key was given \(--key\)/);
    const fp = /^ {2}([0-9a-f]{4}(?: [0-9a-f]{4}){15})$/m.exec(r.stdout)![1]!;
    const key = await run(['audit', 'key', '--data', data]);
    expect(key.code).toBe(0);
    expect(key.stdout).toContain(fp);
    expect(key.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    const pinned = await run(['audit', 'verify', '--bundle', bundle, '--key', fp.replace(/ /g, '')]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toMatch(/^Audit bundle OK: \d+ entries, head [0-9a-f]{64}, signed by the pinned key/);
    expect(pinned.stdout).toMatch(/^Keep for the next check: --since \d+:[0-9a-f]{64}$/m);
  });

  it('verify --bundle with the wrong pinned key fails (issue 11, finding 3)', async () => {
    const other = await run(['audit', 'key', '--data', await initialised()]);
    const fp = /^ {2}([0-9a-f]{4}(?: [0-9a-f]{4}){15})$/m.exec(other.stdout)![1]!;
    const r = await run(['audit', 'verify', '--bundle', bundle, '--key', fp]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Audit bundle FAILED at entry #\d+: signed by a key with fingerprint .* not the pinned key/);
    expect((await run(['audit', 'verify', '--bundle', bundle, '--key', 'abc'])).code).toBe(2);
  });

  it('verify --bundle --since: a bundle older than the head kept from a later one fails (issue 11, finding 2)', async () => {
    await run(['user', 'add', 'late', '--data', data]);
    const newer = path.join(newDir(), 'newer.jsonl');
    expect((await run(['audit', 'export', '--out', newer, '--data', data])).code).toBe(0);
    const first = await run(['audit', 'verify', '--bundle', newer]);
    const kept = /^Keep for the next check: --since (\S+)$/m.exec(first.stdout)![1]!;
    const same = await run(['audit', 'verify', '--bundle', newer, '--since', kept]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/still holds the head you kept/);
    const older = await run(['audit', 'verify', '--bundle', bundle, '--since', kept]);
    expect(older.code).toBe(1);
    expect(older.stderr).toMatch(/before the head you kept .*rolled back/);
    const oldKept = `${lines.length - 2}:${'0'.repeat(64)}`;
    const rewritten = await run(['audit', 'verify', '--bundle', newer, '--since', oldKept]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.stderr).toMatch(/not the head you kept/);
    expect((await run(['audit', 'verify', '--bundle', newer, '--since', 'yesterday'])).code).toBe(2);
  });

  it.each([
    [
      'an edited middle entry',
      (l: string[]) => {
        l[2] = l[2]!.replace('"user":"u1"', '"user":"mallory"');
        return l;
      },
    ],
    [
      'a deleted middle entry',
      (l: string[]) => {
        l.splice(2, 1);
        return l;
      },
    ],
    [
      'the last entry deleted',
      (l: string[]) => {
        l.splice(l.length - 2, 1);
        return l;
      },
    ],
    [
      'two entries swapped',
      (l: string[]) => {
        [l[2], l[3]] = [l[3]!, l[2]!];
        return l;
      },
    ],
    ['the checkpoint removed', (l: string[]) => l.slice(0, -1)],
    [
      'a forged checkpoint',
      (l: string[]) => {
        l[l.length - 1] = l[l.length - 1]!.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`);
        return l;
      },
    ],
  ])('verify --bundle fails on %s (exit 1, one line)', async (_name, edit) => {
    const r = await run(['audit', 'verify', '--bundle', tampered(edit)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Audit bundle FAILED at (entry #\d+|line \d+): [^\n]+\n$/);
    expect(r.stdout).toBe('');
  });

  it('a filtered export is a signed selection: it verifies offline, and an edited, removed, reordered or forged one fails (issue 18)', async () => {
    const file = path.join(newDir(), 'filtered.jsonl');
    for (const u of ['u2b', 'u2c']) await run(['user', 'add', u, '--data', data]);
    const r = await run(['audit', 'export', '--out', file, '--action', 'user.create', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(filtered: a signed selection)');
    const l = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(l[0]!)).toMatchObject({ version: 3, filtered: true, filter: { action: 'user.create' } });
    const users = l.slice(1, -1).map((x) => JSON.parse(x).user);
    expect(users).toEqual(expect.arrayContaining(['u2', 'u2b', 'u2c']));
    const fingerprint = /^ {2}(.+)$/m.exec((await run(['audit', 'key', '--data', data])).stdout)![1]!;
    const v = await run(['audit', 'verify', '--bundle', file, '--key', fingerprint]);
    expect(v.code, v.stderr).toBe(0);
    const total = peek(data, (s) => s.store.audit.stats().maxSeq) - 1; // the export's own entry follows its selection
    expect(v.stdout).toContain(`Audit bundle OK (filtered): ${users.length} entries of the ${total} the log held, ${total - users.length} left out.`);
    expect(v.stdout).toContain('Filter: action=user.create');

    const write = (edit: (x: string[]) => string[]) => {
      const f = path.join(newDir(), 'tampered.jsonl');
      fs.writeFileSync(f, `${edit([...l]).join('\n')}\n`);
      return f;
    };
    const cases: [string, (x: string[]) => string[], RegExp][] = [
      ['edited', (x) => ((x[1] = x[1]!.replace('"outcome":"success"', '"outcome":"failure"')), x), /not the ones that were signed/],
      ['removed', (x) => (x.splice(2, 1), x), /entries were removed/],
      ['reordered', (x) => (([x[1], x[2]] = [x[2]!, x[1]!]), x), /out of order/],
      [
        'forged',
        (x) => ((x[x.length - 1] = x[x.length - 1]!.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`)), x),
        /signature is not valid/,
      ],
    ];
    for (const [name, edit, problem] of cases) {
      const bad = await run(['audit', 'verify', '--bundle', write(edit), '--key', fingerprint]);
      expect(bad.code, name).toBe(1);
      expect(bad.stderr, name).toMatch(problem);
    }
    expect((await run(['audit', 'export', '--out', path.join(newDir(), 'x'), '--from', 'yesterday', '--data', data])).stderr).toMatch(/^--from: /);
  });

  it('a rolled-back database fails verify and audit anchor; --reset (with a reason) re-anchors after checking the chain', async () => {
    const d = await initialised();
    for (const u of ['r1', 'r2', 'r3']) await run(['user', 'add', u, '--data', d]);
    const keep = peek(d, (s) => s.store.audit.stats().maxSeq) - 2;
    // Cut the tail and re-sign nothing: an older head is all an attacker has; here the head row simply goes back.
    peek(d, (s) => {
      const db = rawSqlite(s.store);
      const row = s.store.audit.bySeq(keep)!;
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run(keep);
      db.prepare('UPDATE audit_head SET seq = ?, hash = ?').run(keep, row.hash);
    });
    const v = await run(['audit', 'verify', '--data', d]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/^Audit log FAILED at entry #\d+: rolled_back/);
    const a = await run(['audit', 'anchor', '--data', d]);
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/entries were removed \(rollback\)/);
    expect((await run(['audit', 'anchor', '--reset', '--data', d])).code).toBe(2);
    // The head row no longer carries a valid signature: reset refuses until the log itself verifies.
    const refused = await run(['audit', 'anchor', '--reset', '--reason', 'power cut', '--data', d]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Not re-anchoring: .*bad_signature/);
  });

  it('audit anchor --reset re-anchors a validly signed older state (a power cut lost the last commits), and records it', async () => {
    const d = await initialised();
    await run(['user', 'add', 'p1', '--data', d]);
    const older = path.join(newDir(), 'older.db');
    expect((await run(['backup', '--out', older, '--data', d])).code).toBe(0);
    await run(['user', 'add', 'p2', '--data', d]);
    for (const suffix of ['-wal', '-shm']) fs.rmSync(path.join(d, `tessera.db${suffix}`), { force: true });
    fs.copyFileSync(older, path.join(d, 'tessera.db'));
    expect((await run(['audit', 'verify', '--data', d])).stderr).toMatch(/rolled_back/);
    const reset = await run(['audit', 'anchor', '--reset', '--reason', 'power cut on the 3rd', '--data', d]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^Before: .*rollback\)\nRe-anchored at audit entry #\d+/);
    const v = await run(['audit', 'verify', '--data', d]);
    expect(v.code, v.stderr).toBe(0);
    peek(d, (s) => {
      const last = s.store.audit.bySeq(s.store.audit.stats().maxSeq)!;
      expect(last).toMatchObject({ action: 'audit.anchor_reset', reason: 'power cut on the 3rd' });
      expect(JSON.parse(last.details!).previousAnchor.seq).toBeGreaterThan(last.seq - 1);
    });
  });

  it('verify on a tampered database fails with exit 1', async () => {
    const d = await initialised();
    await run(['user', 'add', 'zed', '--data', d]);
    peek(d, (s) => rawSqlite(s.store).prepare("UPDATE audit_log SET target_user = 'someone' WHERE action = 'user.create'").run());
    const r = await run(['audit', 'verify', '--data', d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Audit log FAILED at entry #\d+: hash_mismatch \([^\n]+\)\n$/);
  });
});

describe('backup and restore', () => {
  it('round trip: a user added after the backup is gone after restore; the restored log verifies', async () => {
    const data = await initialised();
    await run(['user', 'add', 'before', '--data', data]);
    const file = path.join(newDir(), 'tessera-backup.db');
    const b = await run(['backup', '--out', file, '--data', data]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/master key .* is NOT in the backup/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await run(['backup', '--out', file, '--data', data])).code).toBe(1);

    await run(['user', 'add', 'after', '--data', data]);
    const r = await run(['restore', file, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Moved the previous database aside');
    const aside = fs.readdirSync(data).filter((f) => /^tessera\.db\.before-restore-\d{8}T\d{6}Z$/.test(f));
    expect(aside).toHaveLength(1);

    peek(data, (s) => {
      expect(s.store.users.findByKey('before')).toBeDefined();
      expect(s.store.users.findByKey('after')).toBeUndefined();
      const head = s.store.audit.bySeq(s.store.audit.stats().maxSeq)!;
      expect(head.action).toBe('system.restore');
      expect(s.store.audit.bySeq(head.seq - 1)!.action).toBe('system.backup');
    });
    expect(fs.statSync(path.join(data, 'tessera.db')).mode & 0o777).toBe(0o600);
    const v = await run(['audit', 'verify', '--data', data]);
    expect(v.code, v.stderr).toBe(0);
    // The old database is kept, whole.
    const old = openTessera({ dataDir: data, env: {}, createIfNew: false });
    old.store.close();
  });

  it('refuses while the database is open elsewhere, and a file the master key does not open', async () => {
    const data = await initialised();
    const file = path.join(newDir(), 'b.db');
    expect((await run(['backup', '--out', file, '--data', data])).code).toBe(0);
    const server = open(data);
    try {
      const r = await run(['restore', file, '--data', data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/open in another process/);
    } finally {
      server.store.close();
    }
    const other = await initialised();
    const wrongKey = await run(['restore', file, '--data', other]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/master key does not open/);
    const notDb = path.join(newDir(), 'notes.txt');
    fs.writeFileSync(notDb, 'hello');
    const r2 = await run(['restore', notDb, '--data', data]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/not a SQLite database/);
    expect(fs.readdirSync(data).filter((f) => f.includes('restore'))).toEqual([]);
  });
});

describe('serve', () => {
  it('listens, prints the setup link while no operator exists, and stops cleanly', async () => {
    const data = path.join(newDir(), 'data');
    const server = serveInProcess(data);
    const url = await server.url;
    expect(server.stdout()).toMatch(/^Tessera \S+ listening on http:\/\/127\.0\.0\.1:\d+\n/);
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(server.stdout()).toMatch(/setup\?token=/);
    const r = await server.stop();
    expect(r.code).toBe(0);
    expect(server.stdout()).toContain('Stopped.');
  });

  it('warns on stderr when not on loopback', async () => {
    const data = path.join(newDir(), 'data');
    const controller = new AbortController();
    controller.abort();
    const r = await run(['serve', '--host', '0.0.0.0', '--port', '0', '--data', data], { io: { signal: controller.signal } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^WARNING: listening on 0\.0\.0\.0/);
    expect(r.stdout).toMatch(/setup\?token=/);
    expect(r.stdout).toContain('http://127.0.0.1:');
  });
});
