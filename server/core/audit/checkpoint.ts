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

/** seq and hash are validated so no two (seq, hash) pairs share a message. */
export function checkpointMessage(seq: number, hash: string): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new TesseraError('internal', 'A checkpoint seq must be a non-negative integer');
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new TesseraError('internal', 'A checkpoint hash must be 64 lowercase hex characters');
  return Buffer.from(`tessera-audit-checkpoint:v1:${seq}:${hash}`, 'utf8');
}

export function signCheckpoint(privateKeyDer: Buffer, seq: number, hash: string): string {
  const message = checkpointMessage(seq, hash);
  return sign(null, message, privateKeyFor(privateKeyDer)).toString('base64url');
}

/** Never throws: any malformed input is simply not a valid checkpoint. */
export function verifyCheckpoint(publicKeyDer: Buffer, seq: number, hash: string, signature: string): boolean {
  try {
    if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
    return verify(null, checkpointMessage(seq, hash), publicKeyFor(publicKeyDer), Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
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
