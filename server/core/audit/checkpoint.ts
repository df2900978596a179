import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { TesseraError } from '../../../shared/errors';

/**
 * Signed checkpoints (seq + head hash) anchor the audit hash chain: whoever
 * can rewrite the database cannot forge the Ed25519 signature, so editing,
 * deleting, reordering or truncating entries up to a checkpoint is detected.
 */
export function generateSigningKeyPair(): { privateKeyDer: Buffer; publicKeyDer: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyDer: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }),
  };
}

/**
 * What a signature covers. The head (the log's last entry, re-signed with
 * every write) and a checkpoint (a fixed point kept every CHECKPOINT_EVERY
 * entries) sign different messages, so a checkpoint's signature can never be
 * copied into the head to make a cut-back log look whole. v1 signed both as
 * "tessera-audit-checkpoint:v1:" and is only read (legacy bundles, and the
 * one-time re-signing of an older database).
 */
export type SignedPointKind = 'head' | 'checkpoint';

/** seq and hash are validated so no two (kind, seq, hash) share a message. */
export function signedPointMessage(kind: SignedPointKind, seq: number, hash: string): Buffer {
  checkPoint(seq, hash);
  return Buffer.from(`tessera-audit-${kind}:v2:${seq}:${hash}`, 'utf8');
}

/** The v1 message, the same for head and checkpoints (verification of old data only). */
export function legacyPointMessage(seq: number, hash: string): Buffer {
  checkPoint(seq, hash);
  return Buffer.from(`tessera-audit-checkpoint:v1:${seq}:${hash}`, 'utf8');
}

export function checkpointMessage(seq: number, hash: string): Buffer {
  return signedPointMessage('checkpoint', seq, hash);
}

export function headMessage(seq: number, hash: string): Buffer {
  return signedPointMessage('head', seq, hash);
}

function checkPoint(seq: number, hash: string): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new TesseraError('internal', 'A checkpoint seq must be a non-negative integer');
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new TesseraError('internal', 'A checkpoint hash must be 64 lowercase hex characters');
}

export function signCheckpoint(privateKeyDer: Buffer, seq: number, hash: string): string {
  return signMessage(privateKeyDer, checkpointMessage(seq, hash));
}

export function signHead(privateKeyDer: Buffer, seq: number, hash: string): string {
  return signMessage(privateKeyDer, headMessage(seq, hash));
}

/** Never throws: any malformed input is simply not a valid checkpoint. */
export function verifyCheckpoint(publicKeyDer: Buffer, seq: number, hash: string, signature: string): boolean {
  return verifyMessage(publicKeyDer, () => checkpointMessage(seq, hash), signature);
}

/** Never throws. A checkpoint's signature is not a head's. */
export function verifyHead(publicKeyDer: Buffer, seq: number, hash: string, signature: string): boolean {
  return verifyMessage(publicKeyDer, () => headMessage(seq, hash), signature);
}

/** Never throws. A v1 signature (head or checkpoint alike). */
export function verifyLegacyPoint(publicKeyDer: Buffer, seq: number, hash: string, signature: string): boolean {
  return verifyMessage(publicKeyDer, () => legacyPointMessage(seq, hash), signature);
}

/** An Ed25519 signature (base64url) over any message: also used for the anchor file. */
export function signMessage(privateKeyDer: Buffer, message: Buffer): string {
  return sign(null, message, privateKeyFor(privateKeyDer)).toString('base64url');
}

/** Never throws: a malformed key, message or signature is just not valid. */
export function verifyMessage(publicKeyDer: Buffer, message: () => Buffer, signature: string): boolean {
  try {
    if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
    return verify(null, message(), publicKeyFor(publicKeyDer), Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * The public key (SPKI DER) that belongs to a private key: what verification
 * trusts, rather than a public key stored beside the data it checks.
 */
export function publicKeyOf(privateKeyDer: Buffer): Buffer {
  return createPublicKey(privateKeyFor(privateKeyDer)).export({ format: 'der', type: 'spki' });
}

/** SHA-256 of the SPKI DER, as hex in groups of four: what an auditor pins (`tessera audit key`). */
export function keyFingerprint(spkiDer: Uint8Array): string {
  const hex = createHash('sha256').update(spkiDer).digest('hex');
  return (hex.match(/.{4}/g) ?? []).join(' ');
}

/** A fingerprint as typed by a person: groups, colons, case and spaces ignored; null unless 64 hex digits. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  return (hex.match(/.{4}/g) ?? []).join(' ');
}

// Parsing DER into a KeyObject costs far more than signing; appends sign on
// every write, so keep a few parsed keys. Keyed by a digest of the content
// (callers may re-read the key into a fresh Buffer), so no copy of private
// key bytes lives on in an immutable string.
const CACHE_LIMIT = 8;
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function privateKeyFor(der: Buffer): KeyObject {
  return cached(privateKeys, der, () => {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new TesseraError('internal', 'The audit signing key is not Ed25519');
    return key;
  });
}

function publicKeyFor(der: Buffer): KeyObject {
  return cached(publicKeys, der, () => {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') throw new TesseraError('internal', 'The audit verify key is not Ed25519');
    return key;
  });
}

function cached(map: Map<string, KeyObject>, der: Buffer, make: () => KeyObject): KeyObject {
  const id = createHash('sha256').update(der).digest('hex');
  let key = map.get(id);
  if (!key) {
    key = make();
    if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value as string);
    map.set(id, key);
  }
  return key;
}
