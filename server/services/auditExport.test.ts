import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeEntryHash, GENESIS_HASH } from '../core/audit/chain';
import { entryContent, verifyAuditBundle } from '../core/audit/bundleVerify';
import { generateSigningKeyPair, keyFingerprint, signCheckpoint, signHead } from '../core/audit/checkpoint';
import { openTestServices, type TestServices } from '../testing/harness';
import { auditBundleLines, exportAuditToFile, verifyAuditBundleFile, writeAuditBundle } from './auditExport';
import type { Actor, Services } from './index';
import { CHECKPOINT_EVERY } from './auditLog';

const actor: Actor = { kind: 'system', id: null, name: 'test', ip: null };
let t: TestServices;
let dir: string;
let s: Services;

beforeEach(() => {
  t = openTestServices({ prefix: 'tessera-export-' });
  ({ services: s, dataDir: dir } = t);
});
afterEach(() => {
  t.close();
});

function addEntries(n: number, user = (i: number) => `user${i % 3}`): void {
  s.store.tx(() => {
    for (let i = 0; i < n; i++) s.audit.append({ actor, action: i % 2 ? 'verify' : 'user.create', user: user(i), outcome: 'success', details: { i } });
  });
}

async function collect(opts: Parameters<typeof auditBundleLines>[2] = {}): Promise<string[]> {
  let text = '';
  for await (const chunk of auditBundleLines(s, actor, opts)) text += chunk;
  return text.trimEnd().split('\n');
}

describe('auditBundleLines', () => {
  it('writes header, every entry up to the signed head, then the checkpoint; its own entry follows', async () => {
    addEntries(12);
    const lines = await collect({ pageSize: 5 });
    expect(lines).toHaveLength(14);
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ type: 'tessera-audit-bundle', version: 2, publicKeys: [{ version: 1 }] });
    expect(header.filtered).toBeUndefined();
    expect(Buffer.from(header.publicKeys[0].spki, 'base64').equals(s.keyring.signingKey().publicKeyDer)).toBe(true);
    expect(lines.slice(1, -1).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(JSON.parse(lines[5]!)).toEqual({ type: 'entry', ...s.audit.query({ order: 'asc', limit: 5 }).items[4] });
    expect(JSON.parse(lines[13]!)).toMatchObject({ type: 'checkpoint', seq: 12, hash: s.store.audit.bySeq(12)!.hash, keyVersion: 1 });
    expect(s.store.audit.bySeq(13)).toMatchObject({ action: 'audit.export', actor_name: 'test' });
    expect(JSON.parse(s.store.audit.bySeq(13)!.details!)).toEqual({ format: 'jsonl', throughSeq: 12, entries: 12, filtered: false });
    expect(await verifyAuditBundle(lines)).toMatchObject({ ok: true, entries: 12 });
  });

  it('stops at the head taken at the start, even while entries keep coming', async () => {
    addEntries(10);
    const lines: string[] = [];
    for await (const chunk of auditBundleLines(s, actor, { pageSize: 3 })) {
      lines.push(...chunk.trimEnd().split('\n'));
      addEntries(2); // concurrent writers
    }
    expect(JSON.parse(lines[lines.length - 1]!).seq).toBe(10);
    expect(lines).toHaveLength(12);
    expect(await verifyAuditBundle(lines)).toMatchObject({ ok: true, entries: 10 });
  });

  it('an empty log exports a verifiable bundle signed at seq 0', async () => {
    const lines = await collect();
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toMatchObject({ type: 'checkpoint', seq: 0 });
    expect(await verifyAuditBundle(lines)).toMatchObject({ ok: true, entries: 0 });
  });

  it('a filtered export carries only matching entries and says it is filtered', async () => {
    addEntries(9);
    const lines = await collect({ filter: { user: 'user1', action: 'verify' }, pageSize: 2 });
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ filtered: true, filter: { user: 'user1', action: 'verify' } });
    const entries = lines.slice(1, -1).map((l) => JSON.parse(l));
    expect(entries.map((e) => e.seq)).toEqual([2, 8]);
    expect(JSON.parse(s.store.audit.bySeq(10)!.details!)).toEqual({
      format: 'jsonl',
      throughSeq: 9,
      entries: 2,
      filtered: true,
      filter: { user: 'user1', action: 'verify' },
    });
    // A signed selection (version 3): verifiable offline, saying what was left out.
    expect(header.version).toBe(3);
    expect(entries[0]).not.toHaveProperty('hash');
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ type: 'selection', seq: 9, entries: 2, keyVersion: 1 });
    expect(await verifyAuditBundle(lines, { pinnedKey: keyFingerprint(s.keyring.signingKey().publicKeyDer) })).toMatchObject({
      ok: true,
      entries: 2,
      pinned: true,
      selection: { filter: { user: 'user1', action: 'verify' }, total: 9, omitted: 7 },
    });
  });

  it('reports progress and stops when aborted', async () => {
    addEntries(20);
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      collect({
        pageSize: 5,
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.entries);
          if (p.entries >= 10) controller.abort();
        },
      }),
    ).rejects.toThrow();
    expect(seen).toEqual([5, 10]);
  });
});

describe('writeAuditBundle / exportAuditToFile', () => {
  it('waits for drain on a slow writer', async () => {
    addEntries(300);
    let drains = 0;
    let text = '';
    const slow = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        setTimeout(cb, 1);
      },
    });
    slow.on('drain', () => drains++);
    const summary = await writeAuditBundle(s, slow, actor, { pageSize: 50 });
    expect(summary).toEqual({ entries: 300, headSeq: 300, filtered: false });
    await new Promise<void>((r) => slow.end(r));
    expect(drains).toBeGreaterThan(0);
    expect(await verifyAuditBundle(text.trimEnd().split('\n'))).toMatchObject({ ok: true, entries: 300 });
  });

  it('never overwrites, writes 0600, and removes a partial file on failure', async () => {
    addEntries(3);
    const file = path.join(dir, 'bundle.jsonl');
    await exportAuditToFile(s, file, actor);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await expect(exportAuditToFile(s, file, actor)).rejects.toThrow(/already exists/);
    const r = await verifyAuditBundleFile(file);
    expect(r).toMatchObject({ ok: true, entries: 3, fingerprint: keyFingerprint(s.keyring.signingKey().publicKeyDer) });

    const controller = new AbortController();
    controller.abort();
    const other = path.join(dir, 'cancelled.jsonl');
    await expect(exportAuditToFile(s, other, actor, { signal: controller.signal })).rejects.toThrow();
    expect(fs.existsSync(other)).toBe(false);
  });
});

/** Edits entry line `at` and recomputes every hash after it, as someone with database access but no signing key could. */
function rechain(l: string[], at: number, edit: (e: Record<string, any>) => void): string[] {
  let prev = GENESIS_HASH;
  return l.map((line, i) => {
    if (i === 0 || i === l.length - 1) return line;
    const e = JSON.parse(line);
    if (i === at) edit(e);
    const { hash: _claimed, ...content } = entryContent(e);
    e.hash = computeEntryHash(prev, content);
    prev = e.hash;
    return JSON.stringify(e);
  });
}

describe('verifyAuditBundle', () => {
  let lines: string[];
  beforeEach(async () => {
    addEntries(CHECKPOINT_EVERY + 5);
    lines = await collect();
  });

  it('passes a bundle longer than a verify batch and a checkpoint interval', async () => {
    expect(await verifyAuditBundle(lines)).toMatchObject({ ok: true, entries: CHECKPOINT_EVERY + 5, keyVersion: 1 });
  });

  const cases: [string, (l: string[]) => string[], RegExp][] = [
    [
      'edited entry',
      (l) => {
        const e = JSON.parse(l[500]!);
        e.outcome = 'failure';
        l[500] = JSON.stringify(e);
        return l;
      },
      /hash does not match/,
    ],
    [
      'edited entry with the whole chain recomputed',
      (l) =>
        rechain(l, 1, (e) => {
          e.details = { i: 99 };
        }),
      /does not end at the signed checkpoint/,
    ],
    [
      'removed entry',
      (l) => {
        l.splice(700, 1);
        return l;
      },
      /missing/,
    ],
    [
      'removed last entry',
      (l) => {
        l.splice(l.length - 2, 1);
        return l;
      },
      /entries missing at the end/,
    ],
    [
      'swapped entries',
      (l) => {
        [l[10], l[11]] = [l[11]!, l[10]!];
        return l;
      },
      /missing|out of order/,
    ],
    [
      'duplicated entry',
      (l) => {
        l.splice(10, 0, l[9]!);
        return l;
      },
      /out of order or repeated/,
    ],
    ['no checkpoint', (l) => l.slice(0, -1), /no signed checkpoint/],
    ['extra entry after the checkpoint', (l) => [...l, l[3]!], /after the final checkpoint/],
    [
      'not JSON',
      (l) => {
        l[4] = '{oops';
        return l;
      },
      /not valid JSON/,
    ],
    ['no header', (l) => l.slice(1), /not a Tessera audit bundle/],
    [
      'blank line',
      (l) => {
        l.splice(3, 0, '');
        return l;
      },
      /blank line/,
    ],
  ];
  it.each(cases)('fails on a %s', async (_name, edit, problem) => {
    const r = await verifyAuditBundle(edit([...lines]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(problem);
  });

  it('a checkpoint signature cannot stand in for the head: a bundle cut back to a checkpoint fails', async () => {
    const cpRow = s.store.audit.checkpoints()[0]!;
    const cut = lines.slice(0, 1 + cpRow.seq);
    const final = { type: 'checkpoint', seq: cpRow.seq, hash: cpRow.hash, signature: cpRow.signature, keyVersion: 1 };
    expect(signCheckpoint(s.keyring.signingKey().privateKeyDer, cpRow.seq, cpRow.hash)).toBe(cpRow.signature);
    const r = await verifyAuditBundle([...cut, JSON.stringify(final)]);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.problem).toMatch(/signature is not valid/);
  });

  it('--since: a bundle older than the head the auditor kept, or one that rewrote it, fails', async () => {
    const last = JSON.parse(lines[lines.length - 1]!) as { seq: number; hash: string };
    expect(await verifyAuditBundle(lines, { since: { seq: last.seq, hash: last.hash } })).toMatchObject({ ok: true, since: { seq: last.seq } });
    expect(await verifyAuditBundle(lines, { since: { seq: 10, hash: JSON.parse(lines[10]!).hash } })).toMatchObject({ ok: true });
    const older = await verifyAuditBundle(lines, { since: { seq: last.seq + 3, hash: 'f'.repeat(64) } });
    expect(!older.ok && older.problem).toMatch(/before the head you kept/);
    const rewritten = await verifyAuditBundle(lines, { since: { seq: 10, hash: 'f'.repeat(64) } });
    expect(rewritten).toMatchObject({ ok: false, seq: 10 });
    expect(!rewritten.ok && rewritten.problem).toMatch(/not the head you kept/);
  });

  it('a rewritten chain re-signed with another key passes only under that key: the fingerprint gives it away', async () => {
    const forger = generateSigningKeyPair();
    const header = JSON.parse(lines[0]!);
    header.publicKeys = [{ version: 1, spki: forger.publicKeyDer.toString('base64') }];
    const cp = JSON.parse(lines[lines.length - 1]!);
    cp.signature = signHead(forger.privateKeyDer, cp.seq, cp.hash);
    const forged = [JSON.stringify(header), ...lines.slice(1, -1), JSON.stringify(cp)];
    const r = await verifyAuditBundle(forged);
    expect(r).toMatchObject({ ok: true, pinned: false });
    expect(r.ok && r.fingerprint).not.toBe(keyFingerprint(s.keyring.signingKey().publicKeyDer));
    // Pinned to the real key's fingerprint, the forgery fails (finding 3 of issue 11).
    const pinned = await verifyAuditBundle(forged, { pinnedKey: keyFingerprint(s.keyring.signingKey().publicKeyDer) });
    expect(pinned).toMatchObject({ ok: false });
    expect(!pinned.ok && pinned.problem).toMatch(/not the pinned key/);
  });
});
