import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../shared/schemas/audit';
import { bundleCheckpointLine, bundleEntryLine, bundleHeaderLine } from './bundle';
import { parseKeptHead, verifyAuditBundle } from './bundleVerify';
import { computeEntryHash, GENESIS_HASH } from './chain';
import { generateSigningKeyPair, keyFingerprint, signHead } from './checkpoint';

/** A bundle made from the format's own line builders, with no store: the verifier's contract in core alone. */
function bundle(n: number, opts: { key?: ReturnType<typeof generateSigningKeyPair> } = {}) {
  const key = opts.key ?? generateSigningKeyPair();
  const entries: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = {
      seq,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      actor: { kind: 'system' as const, id: null, name: 'test' },
      action: 'user.create',
      user: `u${seq}`,
      outcome: 'success' as const,
      reason: null,
      ip: null,
      details: null,
    };
    const hash = computeEntryHash(prev, {
      seq,
      at: e.at,
      actorKind: 'system',
      actorId: null,
      actorName: 'test',
      action: e.action,
      targetUser: e.user,
      outcome: e.outcome,
      reason: null,
      ip: null,
      details: null,
    });
    entries.push({ ...e, hash });
    prev = hash;
  }
  const lines = [
    bundleHeaderLine(Date.UTC(2026, 0, 2), [{ version: 1, spkiDer: key.publicKeyDer }], undefined),
    ...entries.map(bundleEntryLine),
    bundleCheckpointLine({ seq: n, hash: prev, signature: signHead(key.privateKeyDer, n, prev), keyVersion: 1 }),
  ].map((l) => l.replace(/\n$/, ''));
  return { lines, key, head: prev };
}

describe("verifyAuditBundle over the format's own lines", () => {
  it('a whole bundle verifies, names its key and the head to keep', async () => {
    const { lines, key, head } = bundle(5);
    const r = await verifyAuditBundle(lines, { pinnedKey: keyFingerprint(key.publicKeyDer) });
    expect(r).toEqual({
      ok: true,
      entries: 5,
      head,
      exportedAt: '2026-01-02T00:00:00.000Z',
      keyVersion: 1,
      fingerprint: keyFingerprint(key.publicKeyDer),
      pinned: true,
      since: null,
      legacy: false,
      selection: null,
    });
  });

  it('a dropped last entry, a foreign key and a filtered header are refused', async () => {
    const { lines } = bundle(4);
    const cut = [...lines.slice(0, 4), lines[5]!];
    expect(await verifyAuditBundle(cut)).toMatchObject({ ok: false, problem: expect.stringMatching(/entries missing at the end/) });
    const other = generateSigningKeyPair();
    expect(await verifyAuditBundle(lines, { pinnedKey: keyFingerprint(other.publicKeyDer) })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not the pinned key/),
    });
    // A filtered bundle of version 2 (before filtered bundles were signed) cannot be checked.
    const v2 = { ...JSON.parse(lines[0]!), filtered: true, filter: { user: 'u1' } };
    expect(await verifyAuditBundle([JSON.stringify(v2), ...lines.slice(1)])).toMatchObject({
      ok: false,
      line: 1,
      problem: expect.stringMatching(/filtered bundle was made before filtered bundles were signed/),
    });
    // A whole bundle's entries under a filtered header: they carry chain hashes, which a filtered bundle never does.
    const relabelled = [bundleHeaderLine(0, [{ version: 1, spkiDer: other.publicKeyDer }], { user: 'u1' }).trimEnd(), ...lines.slice(1)];
    expect(await verifyAuditBundle(relabelled)).toMatchObject({ ok: false, line: 2, problem: expect.stringMatching(/carries a chain hash/) });
  });

  it('parseKeptHead reads SEQ:HASH (and #SEQ:HASH), nothing else', () => {
    const hash = 'A'.repeat(64);
    expect(parseKeptHead(`12:${hash}`)).toEqual({ seq: 12, hash: 'a'.repeat(64) });
    expect(parseKeptHead(` #0:${'0'.repeat(64)} `)).toEqual({ seq: 0, hash: '0'.repeat(64) });
    expect(parseKeptHead('12:abc')).toBeNull();
    expect(parseKeptHead(`x:${hash}`)).toBeNull();
  });
});
