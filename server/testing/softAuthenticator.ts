import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for tests: makes real attestations
 * ("none" format) and assertions (ES256 over authenticatorData ‖
 * SHA-256(clientDataJSON)) the way a browser and a security key would, so the
 * server's verification runs for real. Every field a test may want to get
 * wrong (origin, RP ID, challenge, type, flags, counter, signature) can be
 * overridden per call.
 */

// --- A minimal CBOR encoder (RFC 8949): what attestation objects and COSE keys need.

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const parts: Buffer[] = [head(5, v.size)];
  for (const [k, val] of v) parts.push(cbor(k), cbor(val));
  return Buffer.concat(parts);
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

function aaguidBytes(aaguid: string): Buffer {
  return Buffer.from(aaguid.replace(/-/g, ''), 'hex');
}

function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  return cbor(
    new Map<number, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]),
  );
}

export interface SoftCredential {
  id: Uint8Array;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  counter: number;
}

export interface AuthenticatorOptions {
  aaguid?: string;
  /** Whether the authenticator verifies the user (PIN, biometrics). Default true. */
  uv?: boolean;
  /** How much the signature counter grows per assertion; 0: an authenticator without a counter. Default 1. */
  counterStep?: number;
  /** Backup eligible and backed up (a synced passkey). Default false. */
  backedUp?: boolean;
}

/** Per-call overrides: what a broken or malicious client would send. */
export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
  type?: string;
  uv?: boolean;
  up?: boolean;
  /** The counter to put in authenticatorData (else the credential's next). */
  counter?: number;
  /** Sign with another key (a forged response). */
  signWith?: KeyObject;
  /** The credential to use, by id, for an assertion (else the first allowed one for the RP). */
  credentialId?: Uint8Array;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly aaguid: string;
  private readonly uv: boolean;
  private readonly counterStep: number;
  private readonly backedUp: boolean;

  constructor(opts: AuthenticatorOptions = {}) {
    this.aaguid = opts.aaguid ?? '00000000-0000-0000-0000-000000000000';
    this.uv = opts.uv ?? true;
    this.counterStep = opts.counterStep ?? 1;
    this.backedUp = opts.backedUp ?? false;
  }

  private flags(o: CeremonyOverrides, attested: boolean): number {
    let f = 0;
    if (o.up ?? true) f |= 0x01;
    if (o.uv ?? this.uv) f |= 0x04;
    if (this.backedUp) f |= 0x08 | 0x10;
    if (attested) f |= 0x40;
    return f;
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create: a new credential and its "none" attestation, as RegistrationResponseJSON. */
  create(options: CreationOptions, origin: string, o: CeremonyOverrides = {}) {
    const rpId = o.rpId ?? options.rp.id ?? new URL(origin).hostname;
    // o.credentialId: attest an existing credential again (an authenticator that ignores excludeCredentials).
    const existing = o.credentialId ? this.credentials.find((c) => b64u(c.id) === b64u(o.credentialId!)) : undefined;
    const { privateKey, publicKey } = existing ?? generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = existing?.id ?? new Uint8Array(randomBytes(32));
    const counter = o.counter ?? existing?.counter ?? 0;
    const cred: SoftCredential = existing ?? { id, rpId, userHandle: options.user.id, privateKey, publicKey, counter };
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(o, true)]),
      count,
      aaguidBytes(this.aaguid),
      idLen,
      Buffer.from(id),
      coseKey(publicKey),
    ]);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData(o.type ?? 'webauthn.create', o.challenge ?? options.challenge, o.origin ?? origin);
    if (!existing) this.credentials.push(cred);
    return {
      id: b64u(id),
      rawId: b64u(id),
      type: 'public-key' as const,
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal' as const] },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get: an assertion, as AuthenticationResponseJSON. Without allowCredentials, a discoverable credential. */
  get(options: RequestOptions, origin: string, o: CeremonyOverrides = {}) {
    const rpId = o.rpId ?? options.rpId ?? new URL(origin).hostname;
    const allowed = options.allowCredentials?.map((c) => c.id);
    const cred = o.credentialId
      ? this.credentials.find((c) => b64u(c.id) === b64u(o.credentialId!))
      : this.credentials.find((c) => c.rpId === (options.rpId ?? rpId) && (!allowed || allowed.length === 0 || allowed.includes(b64u(c.id))));
    if (!cred) throw new Error('SoftAuthenticator: no credential for this request');
    const counter = o.counter ?? (this.counterStep === 0 ? 0 : cred.counter + this.counterStep);
    if (o.counter === undefined) cred.counter = counter;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(o, false)]), count]);
    const clientDataJSON = this.clientData(o.type ?? 'webauthn.get', o.challenge ?? options.challenge, o.origin ?? origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), o.signWith ?? cred.privateKey);
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: cred.userHandle,
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }
}

/** A fresh P-256 key that belongs to no credential (to forge signatures). */
export function strayKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
