import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../../shared/errors';
import { usernameKey } from '../../../shared/schemas/text';
import type { SheetSelection } from '../../../shared/schemas/sheets';
import { buildOtpauthUri, parseOtpauthUri } from '../../core/otp/otpauthUri';
import { base32Encode } from '../../core/otp/secret';
import { startTestServer, totpCode, type TestServer } from '../../testing/harness';
import { decodePdfQrCodes } from '../../testing/pdfQr';
import { SYSTEM_ACTOR, type Actor } from '../context';
import { updateSettings } from '../settings';
import { otpParamsOf } from '../otpFactor';
import { directoryGroups, groupMembersWithoutFactor } from '../directory/groups';
import { issueSheetFactor, planSheets, singleSheetDocument, writeSheetBatch } from './enrollmentSheets';

const HELPDESK: Actor = { kind: 'operator', id: 'op-helpdesk', name: 'helen', ip: '127.0.0.1' };

let srv: TestServer;
let work: string;

beforeAll(async () => {
  srv = await startTestServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sheets-test-'));
});
afterAll(async () => {
  await srv.close();
  fs.rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** A fresh directory under the test's work dir. */
function scratch(): string {
  const d = path.join(work, `s${++n}`);
  fs.mkdirSync(d);
  return d;
}

async function writeFile(file: string, stream: NodeJS.ReadableStream): Promise<void> {
  const out = fs.createWriteStream(file);
  stream.pipe(out);
  await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
}

/** The URI the user's pending TOTP factor stands for, rebuilt from the sealed seed in the database. */
function storedUri(username: string, factorId: string): string {
  const user = srv.services.store.users.findByKey(usernameKey(username))!;
  const row = srv.services.store.factors.find(user.id, factorId)!;
  const p = otpParamsOf(srv.services.keyring, row);
  return buildOtpauthUri({
    type: 'totp',
    issuer: srv.services.settings.get().issuer,
    account: user.username,
    secret: p.secret,
    algorithm: p.algorithm,
    digits: p.digits,
    period: p.period,
  });
}

function pendingTotpIds(username: string): string[] {
  const user = srv.services.store.users.findByKey(usernameKey(username))!;
  return srv.services.store.factors
    .listByUser(user.id)
    .filter((f) => f.type === 'totp' && f.status === 'pending')
    .map((f) => f.id);
}

function lastAudit(count: number) {
  const head = srv.services.store.audit.head()!.seq;
  return srv.services.store.audit.range(head - count + 1, count);
}

/** Confirms the factor with the code from the decoded URI, then verifies the next step's code: both through the REST API. */
async function confirmAndVerify(username: string, factorId: string, uri: string): Promise<void> {
  const f = parseOtpauthUri(uri);
  const factor = { secret: base32Encode(f.secret), algorithm: f.algorithm, digits: f.digits, period: 30 as const };
  const confirm = await srv.call('POST', `/api/v1/users/${encodeURIComponent(username)}/factors/${factorId}/confirm`, {
    key: srv.keys.provision,
    body: { code: totpCode(factor, srv.clock.now()) },
  });
  expect(confirm.status, confirm.text).toBe(200);
  expect(confirm.json.status).toBe('active');
  srv.clock.advance(30_000);
  const verify = await srv.call('POST', '/api/v1/verify', { key: srv.keys.verify, body: { user: username, code: totpCode(factor, srv.clock.now()) } });
  expect(verify.json, verify.text).toMatchObject({ ok: true, factor: { id: factorId, type: 'totp' } });
}

describe('issueSheetFactor: one sheet', () => {
  it('enrolls a pending TOTP factor, appends one sheet.issue entry, and the sheet is what was enrolled', async () => {
    await srv.createUser('sheet-one', { displayName: 'Sheet One' });
    const before = srv.auditCount();
    const issue = issueSheetFactor(srv.services, 'sheet-one', HELPDESK, { paper: 'a4' });
    expect(srv.auditCount()).toBe(before + 1);
    const [entry] = lastAudit(1);
    expect(entry).toMatchObject({ action: 'sheet.issue', target_user: 'sheet-one', outcome: 'success', actor_name: 'helen' });
    expect(JSON.parse(entry!.details!)).toEqual({ factorId: issue.factorId, replacedFactorIds: [], paper: 'a4' });
    expect(pendingTotpIds('sheet-one')).toEqual([issue.factorId]);
    expect(issue.otpauthUri).toBe(storedUri('sheet-one', issue.factorId));
    // The seed expires with the settings' pendingExpiryHours.
    expect(issue.expiresAt.getTime() - issue.issuedAt.getTime()).toBe(srv.services.settings.get().pendingExpiryHours * 3_600_000);
    // No secret in the audit entry.
    expect(entry!.details).not.toContain(issue.secret);
  });

  it(`the printed QR decodes to the enrolled URI, and its codes confirm the factor and verify through the REST API`, async () => {
    await srv.createUser('sheet-scan');
    const issue = issueSheetFactor(srv.services, 'sheet-scan', HELPDESK, { paper: 'letter' });
    const dir = scratch();
    const file = path.join(dir, 'one.pdf');
    await writeFile(file, singleSheetDocument(issue, 'letter'));
    const pages = await decodePdfQrCodes(file, dir);
    expect(pages).toEqual([[storedUri('sheet-scan', issue.factorId)]]);
    await confirmAndVerify('sheet-scan', issue.factorId, pages[0]![0]!);
  });

  it('reprint re-keys: the old pending factor is gone, its codes confirm nothing, and the entry names what it replaced', async () => {
    await srv.createUser('sheet-reprint');
    const first = issueSheetFactor(srv.services, 'sheet-reprint', HELPDESK, { paper: 'a4' });
    const second = issueSheetFactor(srv.services, 'sheet-reprint', HELPDESK, { paper: 'letter' });
    expect(second.factorId).not.toBe(first.factorId);
    expect(second.secret).not.toBe(first.secret);
    expect(second.replacedFactorIds).toEqual([first.factorId]);
    expect(pendingTotpIds('sheet-reprint')).toEqual([second.factorId]);
    const [entry] = lastAudit(1);
    expect(entry!.action).toBe('sheet.issue');
    expect(JSON.parse(entry!.details!)).toEqual({ factorId: second.factorId, replacedFactorIds: [first.factorId], paper: 'letter' });

    const oldFactor = { secret: first.secret, algorithm: 'SHA1' as const, digits: 6 as const, period: 30 as const };
    const oldCode = totpCode(oldFactor, srv.clock.now());
    const gone = await srv.call('POST', `/api/v1/users/sheet-reprint/factors/${first.factorId}/confirm`, { key: srv.keys.provision, body: { code: oldCode } });
    expect(gone.status).toBe(404);
    const wrongSeed = await srv.call('POST', `/api/v1/users/sheet-reprint/factors/${second.factorId}/confirm`, {
      key: srv.keys.provision,
      body: { code: oldCode },
    });
    expect(wrongSeed.status).toBe(400);
    expect(wrongSeed.json.error.code).toBe('invalid_code');
    await confirmAndVerify('sheet-reprint', second.factorId, second.otpauthUri);
  });

  it('leaves active factors alone: a sheet for a user with an app adds a pending one', async () => {
    await srv.createUser('sheet-has-app');
    const active = await srv.activeFactor('sheet-has-app', 'totp');
    const issue = issueSheetFactor(srv.services, 'sheet-has-app', HELPDESK, { paper: 'a4' });
    expect(issue.replacedFactorIds).toEqual([]);
    const user = srv.services.store.users.findByKey('sheet-has-app')!;
    expect(
      srv.services.store.factors
        .listByUser(user.id)
        .map((f) => [f.id, f.status])
        .sort(),
    ).toEqual(
      [
        [active.id, 'active'],
        [issue.factorId, 'pending'],
      ].sort(),
    );
  });

  it('refuses, changing nothing, when TOTP is off or the user does not exist', async () => {
    await srv.createUser('sheet-off');
    const before = srv.snapshot();
    expect(() => issueSheetFactor(srv.services, 'nobody-here', HELPDESK, { paper: 'a4' })).toThrow(expect.objectContaining({ code: 'not_found' }));
    updateSettings(srv.services, { methods: { totp: false } }, SYSTEM_ACTOR);
    const off = srv.snapshot();
    try {
      expect(() => issueSheetFactor(srv.services, 'sheet-off', HELPDESK, { paper: 'a4' })).toThrow(expect.objectContaining({ code: 'method_disabled' }));
      expect(srv.snapshot()).toBe(off);
    } finally {
      updateSettings(srv.services, { methods: { totp: true } }, SYSTEM_ACTOR);
    }
    expect(before).not.toBe(off); // the settings change itself was audited
  });
});

describe('planSheets: who gets a sheet and who is skipped, and why', () => {
  beforeAll(async () => {
    for (const u of ['plan-a', 'plan-b', 'plan-c', 'plan-app', 'plan-pending']) await srv.createUser(u, { displayName: u.toUpperCase() });
    await srv.activeFactor('plan-app', 'totp');
    issueSheetFactor(srv.services, 'plan-pending', HELPDESK, { paper: 'a4' });
  });

  it('a CSV: in file order, with every reason, and nothing changes', async () => {
    const csv = 'username,department\nplan-b,IT\nPLAN-A,IT\nplan-b,HR\nghost,HR\nplan-app,IT\nplan-pending,IT\n,IT\nbad\u200bname,IT\n';
    const before = srv.snapshot();
    const plan = await planSheets(srv.services, { kind: 'csv', csv });
    expect(srv.snapshot()).toBe(before);
    expect(plan.sheets).toEqual([
      { username: 'plan-b', displayName: 'PLAN-B', replacesPending: false },
      { username: 'plan-a', displayName: 'PLAN-A', replacesPending: false },
    ]);
    expect(plan.skipped).toEqual([
      { username: 'plan-b', row: 4, reason: 'duplicate in file' },
      { username: 'ghost', row: 5, reason: 'no such user' },
      { username: 'plan-app', row: 6, reason: 'already has an active authenticator app' },
      { username: 'plan-pending', row: 7, reason: 'has a pending enrollment (sheet not scanned yet)' },
      { username: null, row: 8, reason: 'not a valid username' },
      { username: 'bad\u200bname', row: 9, reason: 'not a valid username' },
    ]);
    expect(plan.skippedTotal).toBe(6);
    expect(plan.ignoredColumns).toEqual(['department']);
    expect(plan.notIncluded).toBe(0);
  });

  it('reissuePending plans a new sheet for a user holding an unused one (re-key)', async () => {
    const plan = await planSheets(srv.services, { kind: 'csv', csv: 'username\nplan-pending\n' }, { reissuePending: true });
    expect(plan.sheets).toEqual([{ username: 'plan-pending', displayName: 'PLAN-PENDING', replacesPending: true }]);
  });

  it('a search: the console search, in username order', async () => {
    const plan = await planSheets(srv.services, { kind: 'search', query: 'plan-' });
    expect(plan.sheets.map((s) => s.username)).toEqual(['plan-a', 'plan-b', 'plan-c']);
    expect(plan.skipped.map((s) => [s.username, s.reason])).toEqual([
      ['plan-app', 'already has an active authenticator app'],
      ['plan-pending', 'has a pending enrollment (sheet not scanned yet)'],
    ]);
  });

  it('everyone without an active factor: users with an app are not in the selection at all', async () => {
    const plan = await planSheets(srv.services, { kind: 'withoutFactor' });
    const names = plan.sheets.map((s) => s.username);
    expect(names).toEqual(expect.arrayContaining(['plan-a', 'plan-b', 'plan-c']));
    expect(names).not.toContain('plan-app');
    expect(plan.skipped.map((s) => s.username)).not.toContain('plan-app');
  });

  it('an expired pending enrollment does not hold a user back', async () => {
    const plan = await planSheets(srv.services, { kind: 'csv', csv: 'username\nplan-pending\n' });
    expect(plan.sheets).toEqual([]);
    const now = srv.clock.now();
    srv.clock.advance(srv.services.settings.get().pendingExpiryHours * 3_600_000 + 1000);
    try {
      expect((await planSheets(srv.services, { kind: 'csv', csv: 'username\nplan-pending\n' })).sheets).toEqual([
        { username: 'plan-pending', displayName: 'PLAN-PENDING', replacesPending: false },
      ]);
    } finally {
      srv.clock.set(now);
    }
  });

  it('TOTP off: every user is skipped with that reason', async () => {
    updateSettings(srv.services, { methods: { totp: false } }, SYSTEM_ACTOR);
    try {
      const plan = await planSheets(srv.services, { kind: 'search', query: 'plan-c' });
      expect(plan.sheets).toEqual([]);
      expect(plan.skipped).toEqual([{ username: 'plan-c', row: null, reason: 'TOTP is turned off' }]);
    } finally {
      updateSettings(srv.services, { methods: { totp: true } }, SYSTEM_ACTOR);
    }
  });

  it('a CSV without a username column is refused with a clear message', async () => {
    await expect(planSheets(srv.services, { kind: 'csv', csv: 'name\nalice\n' })).rejects.toThrow(TesseraError);
    await expect(planSheets(srv.services, { kind: 'csv', csv: 'name\nalice\n' })).rejects.toThrow(/username/);
  });
});

describe('planSheets: a directory group ("everyone in VPN-Users without a factor")', () => {
  const userId = (u: string) => srv.services.store.users.findByKey(usernameKey(u))!.id;
  beforeAll(async () => {
    for (const u of ['grp-a', 'grp-b', 'grp-app', 'grp-pending', 'grp-off', 'grp-other']) await srv.createUser(u, { displayName: u.toUpperCase() });
    await srv.activeFactor('grp-app', 'totp');
    issueSheetFactor(srv.services, 'grp-pending', HELPDESK, { paper: 'a4' });
    // The groups as a directory sync stores them (services/directory/sync.ts writes them through this repository).
    const dir = srv.services.store.directory;
    for (const u of ['grp-a', 'grp-b', 'grp-app', 'grp-pending', 'grp-off']) dir.setGroups(userId(u), ['VPN-Users', 'Staff']);
    dir.setGroups(userId('grp-other'), ['Staff', '100%_remote']);
    dir.disable(userId('grp-off'), srv.clock.now(), 'removed_from_directory');
  });

  it('plans exactly the enabled members without an active factor (by name, any case), and changes nothing', async () => {
    const before = srv.snapshot();
    const plan = await planSheets(srv.services, { kind: 'group', group: ' vpn-users ' });
    expect(srv.snapshot()).toBe(before);
    expect(plan.sheets).toEqual([
      { username: 'grp-a', displayName: 'GRP-A', replacesPending: false },
      { username: 'grp-b', displayName: 'GRP-B', replacesPending: false },
    ]);
    // grp-app has an app and grp-off is disabled: not in the selection at all; grp-pending holds an unscanned sheet.
    expect(plan.skipped).toEqual([{ username: 'grp-pending', row: null, reason: 'has a pending enrollment (sheet not scanned yet)' }]);
    expect((await planSheets(srv.services, { kind: 'group', group: 'No-Such-Group' })).sheets).toEqual([]);
  });

  it('the group list counts what the plan covers: enabled members, and those without an active factor', () => {
    expect(directoryGroups(srv.services, { query: 'VPN' })).toEqual([{ name: 'VPN-Users', members: 4, withoutFactor: 3 }]);
    expect(directoryGroups(srv.services, { query: 'staff' })).toEqual([{ name: 'Staff', members: 5, withoutFactor: 4 }]);
    // LIKE's wildcards are the characters they are.
    expect(directoryGroups(srv.services, { query: '%' }).map((g) => g.name)).toEqual(['100%_remote']);
    expect(directoryGroups(srv.services, { query: '_r' }).map((g) => g.name)).toEqual(['100%_remote']);
    expect(directoryGroups(srv.services, { query: 'vpn-users-not' })).toEqual([]);
    expect(() => directoryGroups(srv.services, { query: 'x'.repeat(257) })).toThrow(/at most 256/);
  });

  it('the members are read a page at a time, in username order, without repeats', () => {
    const keys = (u: string) => usernameKey(u);
    expect([...groupMembersWithoutFactor(srv.services, 'VPN-USERS', 2)]).toEqual([[keys('grp-a'), keys('grp-b')], [keys('grp-pending')]]);
    expect([...groupMembersWithoutFactor(srv.services, 'VPN-USERS', 3)]).toEqual([[keys('grp-a'), keys('grp-b'), keys('grp-pending')]]);
  });

  it('a disabled user is skipped whatever the selection (a CSV naming them)', async () => {
    const plan = await planSheets(srv.services, { kind: 'csv', csv: 'username\ngrp-off\ngrp-a\n' });
    expect(plan.sheets.map((s) => s.username)).toEqual(['grp-a']);
    expect(plan.skipped).toEqual([{ username: 'grp-off', row: 2, reason: 'user is disabled' }]);
  });
});

describe('writeSheetBatch: one PDF, a page per user', () => {
  const batchUsers = Array.from({ length: 50 }, (_, i) => `batch-${String(i).padStart(2, '0')}`);
  beforeAll(async () => {
    for (const u of batchUsers) await srv.createUser(u, { displayName: `Batch User ${u.slice(6)}` });
  });

  async function runBatch(selection: SheetSelection, opts: { abortAfter?: number; onBefore?: () => void } = {}) {
    const plan = await planSheets(srv.services, selection);
    opts.onBefore?.();
    const dir = scratch();
    const file = path.join(dir, 'batch.pdf');
    const out = fs.createWriteStream(file);
    const controller = new AbortController();
    const progress: number[] = [];
    const result = await writeSheetBatch(srv.services, plan.sheets, out, HELPDESK, {
      paper: 'a4',
      batchId: 'batch-test',
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.done);
        if (opts.abortAfter !== undefined && p.done === opts.abortAfter) controller.abort();
      },
    });
    out.end();
    await new Promise<void>((resolve) => out.on('close', () => resolve()));
    return { plan, result, file, dir, progress };
  }

  it(`a batch of 50: every page decodes to that user's enrolled URI, in order, and every code verifies through the REST API`, async () => {
    const before = srv.auditCount();
    const { plan, result, file, dir, progress } = await runBatch({ kind: 'search', query: 'batch-' });
    expect(plan.sheets.map((s) => s.username)).toEqual(batchUsers);
    expect(result).toMatchObject({ issued: 50, pages: 50, cancelled: false, skippedLate: [] });
    expect(result.bytes).toBe(fs.statSync(file).size);
    expect(progress).toEqual(batchUsers.map((_, i) => i + 1));
    // One entry per sheet, each naming the batch.
    const entries = lastAudit(50);
    expect(srv.auditCount()).toBe(before + 50);
    expect(entries.map((e) => [e.action, e.target_user])).toEqual(batchUsers.map((u) => ['sheet.issue', u]));
    const factorIds = entries.map((e) => JSON.parse(e.details!) as { factorId: string; batch: string; paper: string });
    for (const d of factorIds) expect(d).toMatchObject({ batch: 'batch-test', paper: 'a4' });

    const pages = await decodePdfQrCodes(file, dir);
    expect(pages).toHaveLength(50);
    for (const [i, u] of batchUsers.entries()) {
      expect(pages[i], `page ${i + 1}`).toEqual([storedUri(u, factorIds[i]!.factorId)]);
    }
    for (const [i, u] of batchUsers.entries()) await confirmAndVerify(u, factorIds[i]!.factorId, pages[i]![0]!);
  }, 120_000);

  it('cancel stops between pages: sheets issued before stay issued and audited, the rest are untouched', async () => {
    const users = ['cancel-1', 'cancel-2', 'cancel-3', 'cancel-4', 'cancel-5'];
    for (const u of users) await srv.createUser(u);
    const before = srv.auditCount();
    const { result } = await runBatch({ kind: 'search', query: 'cancel-' }, { abortAfter: 2 });
    expect(result).toMatchObject({ cancelled: true, issued: 2, issuedUsernames: ['cancel-1', 'cancel-2'] });
    expect(srv.auditCount()).toBe(before + 2);
    expect(users.map((u) => pendingTotpIds(u).length)).toEqual([1, 1, 0, 0, 0]);
  });

  it('a user deleted or given an app after the plan is skipped, not failed', async () => {
    for (const u of ['late-1', 'late-2', 'late-3']) await srv.createUser(u);
    const { result } = await runBatch(
      { kind: 'search', query: 'late-' },
      {
        onBefore: () => {
          srv.services.store.tx(() => {
            srv.services.store.users.delete(srv.services.store.users.findByKey('late-1')!.id);
            srv.services.audit.append({ actor: SYSTEM_ACTOR, action: 'user.delete', user: 'late-1', outcome: 'success', reason: 'test' });
          });
          issueSheetFactor(srv.services, 'late-3', HELPDESK, { paper: 'a4' });
        },
      },
    );
    expect(result).toMatchObject({ issued: 1, pages: 1, cancelled: false });
    expect(result.skippedLate).toEqual([
      { username: 'late-1', row: null, reason: 'no such user' },
      { username: 'late-3', row: null, reason: 'has a pending enrollment (sheet not scanned yet)' },
    ]);
  });

  it('the audit chain still verifies after all of the above', async () => {
    expect(await srv.services.audit.verify()).toMatchObject({ ok: true });
  });
});

afterEach(() => {
  // Each test leaves TOTP on, whatever happened.
  if (!srv.services.settings.isEnabled('totp')) updateSettings(srv.services, { methods: { totp: true } }, SYSTEM_ACTOR);
});
