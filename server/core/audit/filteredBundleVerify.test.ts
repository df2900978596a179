import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../shared/schemas/audit';
import { bundleHeaderLine, bundleSelectedEntryLine, bundleSelectionLine, type AuditExportFilter } from './bundle';
import { verifyAuditBundle } from './bundleVerify';
import { generateSigningKeyPair, keyFingerprint, signCheckpoint, signHead } from './checkpoint';
import { SelectionDigest, signSelection } from './selection';

type Key = ReturnType<typeof generateSigningKeyPair>;

/** Entry seq of a 12-entry log: users u0, u1, u2 in turn, verify and user.create alternating, one a minute. */
function entry(seq: number): AuditEntry {
  return {
    seq,
    at: new Date(Date.UTC(2026, 10, 30, 23, 55 + seq)).toISOString(),
    actor: { kind: 'apikey', id: 'k1', name: 'vpn' },
    action: seq % 2 ? 'verify' : 'user.create',
    user: `u${seq % 3}`,
    outcome: 'success',
    reason: null,
    ip: '10.0.0.1',
    details: { n: seq },
    hash: 'f'.repeat(64),
  };
}

/** A filtered bundle as the exporter writes it, signed by `key` (lines without their "\n"). */
function filtered(filter: AuditExportFilter, opts: { key?: Key; logLength?: number; edit?: (entries: AuditEntry[]) => void } = {}) {
  const key = opts.key ?? generateSigningKeyPair();
  const n = opts.logLength ?? 12;
  const all = Array.from({ length: n }, (_, i) => entry(i + 1));
  const chosen = all.filter((e) => e.user === 'u1' || filter.user === undefined);
  opts.edit?.(chosen);
  const header = bundleHeaderLine(Date.UTC(2026, 11, 1), [{ version: 1, spkiDer: key.publicKeyDer }], filter).trimEnd();
  const lines = [header, ...chosen.map((e) => bundleSelectedEntryLine(e).trimEnd())];
  const digest = new SelectionDigest();
  for (const l of lines) digest.line(l);
  const sum = digest.hex();
  const signature = signSelection(key.privateKeyDer, n, chosen.length, sum);
  lines.push(bundleSelectionLine({ seq: n, entries: chosen.length, digest: sum, keyVersion: 1, signature }).trimEnd());
  return { lines, key, sum };
}

const U1: AuditExportFilter = { user: 'u1' };
const last = (lines: string[]) => JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
const withLast = (lines: string[], patch: Record<string, unknown>) => [...lines.slice(0, -1), JSON.stringify({ ...last(lines), ...patch })];

describe('verifyAuditBundle: a filtered bundle (version 3) verifies offline', () => {
  it('passes with nothing but the bundle and the pinned key, and says how many entries were left out', async () => {
    const { lines, key } = filtered(U1);
    expect(lines).toHaveLength(6); // header, u1's four entries (seq 1, 4, 7, 10), the selection
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('hash');
    const r = await verifyAuditBundle(lines, { pinnedKey: keyFingerprint(key.publicKeyDer) });
    expect(r).toEqual({
      ok: true,
      entries: 4,
      head: null,
      exportedAt: '2026-12-01T00:00:00.000Z',
      keyVersion: 1,
      fingerprint: keyFingerprint(key.publicKeyDer),
      pinned: true,
      since: null,
      legacy: false,
      selection: { filter: U1, total: 12, omitted: 8 },
    });
  });

  it('a month (from inclusive, to exclusive) and a selection of none pass', async () => {
    const month: AuditExportFilter = { from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' };
    // Entries 1-4 are in November (23:56-23:59), 5-12 in December.
    const { lines } = filtered(month, { edit: (es) => es.splice(0, 4) });
    expect(await verifyAuditBundle(lines)).toMatchObject({ ok: true, entries: 8, selection: { total: 12, omitted: 4 } });
    const none = filtered(U1, { edit: (es) => es.splice(0) });
    expect(await verifyAuditBundle(none.lines)).toMatchObject({ ok: true, entries: 0, selection: { omitted: 12 } });
  });

  it('an edited entry fails (any field, even one the filter does not look at)', async () => {
    const { lines } = filtered(U1);
    const e = JSON.parse(lines[2]!);
    const edited = [...lines];
    edited[2] = JSON.stringify({ ...e, ip: '203.0.113.9' });
    expect(await verifyAuditBundle(edited)).toMatchObject({ ok: false, problem: expect.stringMatching(/not the ones that were signed/) });
  });

  it('a removed entry fails, and so does fixing the signed count to hide it', async () => {
    const { lines } = filtered(U1);
    const removed = [...lines.slice(0, 2), ...lines.slice(3)];
    expect(await verifyAuditBundle(removed)).toMatchObject({
      ok: false,
      problem: 'the bundle holds 3 entries but its signed selection 4: entries were removed',
    });
    expect(await verifyAuditBundle(withLast(removed, { entries: 3 }))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not the ones that were signed/),
    });
  });

  it('reordered entries fail', async () => {
    const { lines } = filtered(U1);
    const swapped = [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)];
    expect(await verifyAuditBundle(swapped)).toMatchObject({ ok: false, seq: 1, problem: 'entries out of order or repeated (#1 after #4)' });
  });

  it('a forged signature fails: garbage, a head or checkpoint signature of the same key, or a longer log', async () => {
    const { lines, key, sum } = filtered(U1);
    const wrong = signSelection(generateSigningKeyPair().privateKeyDer, 12, 4, sum);
    for (const signature of [wrong, signHead(key.privateKeyDer, 12, sum), signCheckpoint(key.privateKeyDer, 12, sum)]) {
      expect(await verifyAuditBundle(withLast(lines, { signature }))).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/selection signature is not valid/),
      });
    }
    // Claiming the selection is of a longer log (more entries omitted at the end) breaks the signature too.
    expect(await verifyAuditBundle(withLast(lines, { seq: 13 }))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/selection signature is not valid/),
    });
    expect(await verifyAuditBundle(withLast(lines, { keyVersion: 2 }))).toMatchObject({ ok: false, problem: expect.stringMatching(/key 2, which the header/) });
  });

  it('a bundle re-signed with another key passes only unpinned; the pinned fingerprint gives it away', async () => {
    const real = generateSigningKeyPair();
    const forged = filtered(U1, { edit: (es) => es.pop() });
    expect(await verifyAuditBundle(forged.lines)).toMatchObject({ ok: true, pinned: false });
    expect(await verifyAuditBundle(forged.lines, { pinnedKey: keyFingerprint(real.publicKeyDer) })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not the pinned key/),
    });
  });

  it('an edited filter fails: narrowed, the entries no longer match it; widened, the lines are not the signed ones', async () => {
    const { lines } = filtered(U1);
    const narrowed = [JSON.stringify({ ...JSON.parse(lines[0]!), filter: { user: 'u2' } }), ...lines.slice(1)];
    expect(await verifyAuditBundle(narrowed)).toMatchObject({ ok: false, seq: 1, problem: "entry #1 is not one the bundle's filter selects" });
    const widened = [JSON.stringify({ ...JSON.parse(lines[0]!), filter: { user: 'u1', outcome: 'success' } }), ...lines.slice(1)];
    expect(await verifyAuditBundle(widened)).toMatchObject({ ok: false, problem: expect.stringMatching(/not the ones that were signed/) });
    const none = [JSON.stringify({ ...JSON.parse(lines[0]!), filter: {} }), ...lines.slice(1)];
    expect(await verifyAuditBundle(none)).toMatchObject({ ok: false, line: 1, problem: expect.stringMatching(/lacks a valid filter/) });
  });

  it('an entry the filter excludes fails even when signed (the verifier does not take the exporter at its word)', async () => {
    const { lines } = filtered(U1, { edit: (es) => es.splice(1, 0, entry(2)) });
    expect(await verifyAuditBundle(lines)).toMatchObject({ ok: false, seq: 2, problem: "entry #2 is not one the bundle's filter selects" });
  });

  it('a cut-off bundle, a checkpoint line, text after the selection, an entry past the log, --since: refused', async () => {
    const { lines } = filtered(U1);
    expect(await verifyAuditBundle(lines.slice(0, -1))).toMatchObject({ ok: false, problem: expect.stringMatching(/no signed selection/) });
    const checkpoint = JSON.stringify({ type: 'checkpoint', seq: 12, hash: 'f'.repeat(64), signature: 'x', keyVersion: 1 });
    expect(await verifyAuditBundle([...lines.slice(0, -1), checkpoint])).toMatchObject({ ok: false, problem: expect.stringMatching(/not a checkpoint/) });
    expect(await verifyAuditBundle([...lines, lines[1]!])).toMatchObject({ ok: false, problem: 'text after the signed selection' });
    const short = filtered(U1, { logLength: 9, edit: (es) => es.push(entry(10)) }); // #10 is past a log of 9
    expect(await verifyAuditBundle(short.lines)).toMatchObject({ ok: false, problem: expect.stringMatching(/past the end of the log/) });
    expect(await verifyAuditBundle(lines, { since: { seq: 3, hash: 'a'.repeat(64) } })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/cannot show the head you kept/),
    });
  });
});
