import { canonicalJson } from './canonicalJson';
import { keyFingerprint, signMessage, verifyHead, verifyMessage } from './checkpoint';

/**
 * The audit anchor: the last signed head, kept OUTSIDE the database (a file
 * beside the master key). Whoever holds only the database file can cut the
 * log back to an older signed point, or empty it, and every signature in it
 * still holds; the anchor remembers how far the log had got, so a log that
 * is shorter than it, or differs at its seq, is a rollback.
 *
 * The anchor carries the head's own signature and is signed itself (with the
 * audit signing key, under its own message), so it cannot be edited into a
 * lower seq without the key either. This module is pure: the file is written
 * by services/auditAnchor.
 */
export const ANCHOR_TYPE = 'tessera-audit-anchor';
export const ANCHOR_VERSION = 1;

export interface AnchorContent {
  seq: number;
  hash: string;
  /** The head's signature (tessera-audit-head:v2) over seq and hash. */
  headSignature: string;
  keyVersion: number;
  /** keyFingerprint of the public key that signed both. */
  fingerprint: string;
  /** When this anchor was written (ISO 8601 UTC). */
  writtenAt: string;
}

export interface SignedAnchor extends AnchorContent {
  /** Ed25519 over anchorMessage(content). */
  signature: string;
}

export function anchorMessage(a: AnchorContent): Buffer {
  const content: AnchorContent = {
    seq: a.seq,
    hash: a.hash,
    headSignature: a.headSignature,
    keyVersion: a.keyVersion,
    fingerprint: a.fingerprint,
    writtenAt: a.writtenAt,
  };
  return Buffer.from(`${ANCHOR_TYPE}:v${ANCHOR_VERSION}:${canonicalJson(content)}`, 'utf8');
}

export function signAnchor(privateKeyDer: Buffer, content: AnchorContent): SignedAnchor {
  return { ...content, signature: signMessage(privateKeyDer, anchorMessage(content)) };
}

/** The file's text: one JSON line. */
export function encodeAnchor(a: SignedAnchor): string {
  const { seq, hash, headSignature, keyVersion, fingerprint, writtenAt, signature } = a;
  return `${JSON.stringify({ type: ANCHOR_TYPE, version: ANCHOR_VERSION, seq, hash, headSignature, keyVersion, fingerprint, writtenAt, signature })}\n`;
}

/** Parses the file's text; null when it is not a well-formed anchor (its signatures are checked by checkAnchor). */
export function parseAnchor(text: string): SignedAnchor | null {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null) return null;
  const o = obj as Record<string, unknown>;
  if (o.type !== ANCHOR_TYPE || o.version !== ANCHOR_VERSION) return null;
  const { seq, hash, headSignature, keyVersion, fingerprint, writtenAt, signature } = o;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return null;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return null;
  if (typeof headSignature !== 'string' || typeof signature !== 'string') return null;
  if (!Number.isSafeInteger(keyVersion) || typeof fingerprint !== 'string' || typeof writtenAt !== 'string') return null;
  return { seq: seq as number, hash, headSignature, keyVersion: keyVersion as number, fingerprint, writtenAt, signature };
}

export type AnchorProblem = 'unknown_key' | 'key_mismatch' | 'bad_signature';

/**
 * Checks an anchor against the verifier's trusted public keys (derived from
 * the sealed private keys, never the database's stored copy): its key must be
 * one of them, with the fingerprint it names, and both signatures must hold.
 */
export function checkAnchor(a: SignedAnchor, publicKeys: ReadonlyMap<number, Buffer>): AnchorProblem | null {
  const key = publicKeys.get(a.keyVersion);
  if (!key) return 'unknown_key';
  if (keyFingerprint(key) !== a.fingerprint) return 'key_mismatch';
  if (!verifyMessage(key, () => anchorMessage(a), a.signature)) return 'bad_signature';
  if (!verifyHead(key, a.seq, a.hash, a.headSignature)) return 'bad_signature';
  return null;
}
