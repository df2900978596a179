import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOtpauthUri } from '../../core/otp/otpauthUri';
import { peekData } from '../../testing/harness';
import { SYSTEM_ACTOR, type Services } from '../../services/index';
import { issueSheetFactor } from '../../services/sheets/enrollmentSheets';
import { createUser } from '../../services/users';
import { otpParamsOf } from '../../services/otpFactor';
import { decodePdfQrCodes } from '../../testing/pdfQr';
import { run, tempDir } from '../testkit';

let root: string;
let data: string;

function withData<T>(fn: (s: Services) => T): T {
  return peekData(data, fn);
}

/** username → the otpauth URI of their pending TOTP factors, rebuilt from the sealed seeds. */
function pendingUris(): Map<string, string[]> {
  return withData((s) => {
    const out = new Map<string, string[]>();
    for (const u of s.store.users.list({ query: '', limit: 1000, after: null, withoutFactor: false }).rows) {
      const uris = s.store.factors
        .listByUser(u.id)
        .filter((f) => f.type === 'totp' && f.status === 'pending')
        .map((f) => {
          const p = otpParamsOf(s.keyring, f);
          return buildOtpauthUri({
            type: 'totp',
            issuer: s.settings.get().issuer,
            account: u.username,
            secret: p.secret,
            algorithm: p.algorithm,
            digits: p.digits,
            period: p.period,
          });
        });
      if (uris.length) out.set(u.username, uris);
    }
    return out;
  });
}

const auditCount = () => withData((s) => s.store.audit.stats().count);

beforeAll(async () => {
  root = tempDir('tessera-cli-sheets-');
  data = path.join(root, 'data');
  expect((await run(['init', '--data', data])).code).toBe(0);
  withData((s) => {
    for (const u of ['amy', 'ben', 'cat', 'dan']) createUser(s, { username: u, displayName: u.toUpperCase() }, SYSTEM_ACTOR);
  });
  fs.writeFileSync(path.join(root, 'users.csv'), 'username,team\nben\nghost\namy\nben\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('tessera sheets', () => {
  it('bad usage exits 2 with the usage line', async () => {
    for (const argv of [
      ['sheets', '--out', 'x.pdf'],
      ['sheets', '--users', 'a.csv', '--without-factor', '--out', 'x.pdf'],
      ['sheets', '--without-factor'],
      ['sheets', '--without-factor', '--out', 'x.pdf', '--paper', 'a5'],
      ['sheets', '--group', 'vpn', '--without-factor', '--dry-run'],
      ['sheets', '--group', '  ', '--dry-run'],
    ]) {
      const r = await run([...argv, '--data', data]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^tessera: .+\nusage: tessera sheets --users FILE\|--without-factor\|--group NAME --out FILE\.pdf/);
    }
    expect((await run(['sheets', '--group', '  ', '--dry-run', '--data', data])).stderr).toMatch(/^tessera: --group: Choose a directory group first\n/);
  });

  it('--group NAME: the members of a directory group without an active factor (the groups as a sync stored them)', async () => {
    withData((s) => {
      const id = (u: string) => s.store.users.findByKey(u)!.id;
      s.store.directory.setGroups(id('cat'), ['VPN-Users']);
      s.store.directory.setGroups(id('dan'), ['VPN-Users', 'Staff']);
      s.store.directory.setGroups(id('amy'), ['Staff']);
    });
    const r = await run(['sheets', '--group', 'vpn-users', '--dry-run', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(['2 sheets to print, 0 skipped.', 'sheet for "cat" (CAT)', 'sheet for "dan" (DAN)', 'Dry run: nothing was changed.', ''].join('\n'));
    const none = await run(['sheets', '--group', 'nobody-here', '--dry-run', '--data', data]);
    expect(none.stdout).toContain('0 sheets to print, 0 skipped.');
  });

  it('--dry-run says who gets a sheet and who is skipped and why, and changes nothing', async () => {
    const before = auditCount();
    const r = await run(['sheets', '--users', path.join(root, 'users.csv'), '--dry-run', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'Ignoring column: team',
        '2 sheets to print, 2 skipped.',
        'row 3: skip "ghost" (no such user)',
        'row 5: skip "ben" (duplicate in file)',
        'sheet for "ben" (BEN)',
        'sheet for "amy" (AMY)',
        'Dry run: nothing was changed.',
        '',
      ].join('\n'),
    );
    expect(auditCount()).toBe(before);
    expect(pendingUris().size).toBe(0);
  });

  it(`writes one PDF (0600), a page per user in file order, each page's QR the enrolled URI`, async () => {
    const out = path.join(root, 'csv.pdf');
    const before = auditCount();
    const r = await run(['sheets', '--users', path.join(root, 'users.csv'), '--out', out, '--paper', 'letter', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Wrote 2 sheets \(US Letter, \d+ KB\) to .*csv\.pdf\.\n/);
    expect(r.stderr).toBe('2/2 sheets\n');
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(auditCount()).toBe(before + 2);
    const dir = path.join(root, 'csv-png');
    const pages = await decodePdfQrCodes(out, dir);
    const uris = pendingUris();
    expect(pages).toEqual([uris.get('ben'), uris.get('amy')]);
  });

  it('never overwrites a file', async () => {
    const out = path.join(root, 'exists.pdf');
    fs.writeFileSync(out, 'keep me');
    const r = await run(['sheets', '--without-factor', '--out', out, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists/);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('--without-factor skips users holding an unscanned sheet unless --reprint-pending, which re-keys them', async () => {
    const first = pendingUris();
    const out = path.join(root, 'rest.pdf');
    const r = await run(['sheets', '--without-factor', '--out', out, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 sheets to print, 2 skipped.');
    expect(r.stdout).toContain('skip "amy" (has a pending enrollment (sheet not scanned yet))');
    const second = pendingUris();
    expect([...second.keys()].sort()).toEqual(['amy', 'ben', 'cat', 'dan']);
    expect(second.get('amy')).toEqual(first.get('amy'));

    const again = await run(['sheets', '--without-factor', '--reprint-pending', '--out', path.join(root, 'again.pdf'), '--data', data]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('4 sheets to print, 0 skipped.');
    const third = pendingUris();
    for (const u of ['amy', 'ben', 'cat', 'dan']) {
      expect(third.get(u)).toHaveLength(1);
      expect(third.get(u)).not.toEqual(second.get(u));
    }
  });

  it('interrupted: stops between pages, deletes the partial file, says what was issued (exit 1)', async () => {
    withData((s) => {
      for (let i = 0; i < 30; i++) createUser(s, { username: `int-${i}` }, SYSTEM_ACTOR);
    });
    const out = path.join(root, 'interrupted.pdf');
    const controller = new AbortController();
    let lines = 0;
    const r = await run(['sheets', '--without-factor', '--out', out, '--data', data], {
      io: {
        signal: controller.signal,
        stderr: {
          isTTY: true,
          write: (s: string) => {
            if (++lines === 3) controller.abort();
            return true;
          },
        },
      },
    });
    expect(r.code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
    const issued = withData((s) => s.store.audit.count({ action: 'sheet.issue' }, Number.MAX_SAFE_INTEGER));
    expect(issued).toBeGreaterThan(0);
  });

  it('nobody to print for: exit 0, no file', async () => {
    const out = path.join(root, 'none.pdf');
    withData((s) => issueSheetFactor(s, 'amy', SYSTEM_ACTOR, { paper: 'a4' }));
    const csv = path.join(root, 'amy.csv');
    fs.writeFileSync(csv, 'username\namy\n');
    const r = await run(['sheets', '--users', csv, '--out', out, '--data', data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nobody to print a sheet for; no file written.');
    expect(fs.existsSync(out)).toBe(false);
  });
});
