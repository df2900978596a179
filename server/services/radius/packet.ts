import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The few parts of RFC 2865/3579 the server needs, over raw bytes: strict
 * parsing (any length that does not add up is malformed), User-Password
 * decryption, the Message-Authenticator check, and replies that carry a
 * Message-Authenticator as their FIRST attribute (the BlastRADIUS guidance:
 * the radius package appends it last, so replies are built here).
 */

export const CODE = { accessRequest: 1, accessAccept: 2, accessReject: 3, accessChallenge: 11 } as const;
export const ATTR = { userName: 1, userPassword: 2, replyMessage: 18, state: 24, messageAuthenticator: 80 } as const;

const HEADER = 20;
const MAX_PACKET = 4096;

export interface RadiusAttribute {
  type: number;
  value: Buffer;
}

export interface RadiusRequest {
  code: number;
  identifier: number;
  authenticator: Buffer;
  attributes: RadiusAttribute[];
  raw: Buffer;
  /** Where the Message-Authenticator's 16 bytes start in `raw`, or null without one. */
  messageAuthenticatorAt: number | null;
}

export class MalformedPacket extends Error {}

/** Parses a packet; throws MalformedPacket for anything RFC 2865 §3 would discard. */
export function parsePacket(raw: Buffer): RadiusRequest {
  if (raw.length < HEADER || raw.length > MAX_PACKET) throw new MalformedPacket('bad size');
  const length = raw.readUInt16BE(2);
  // Octets past Length are padding and ignored (RFC 2865 §3); fewer than Length is discarded.
  if (length < HEADER || length > raw.length) throw new MalformedPacket('bad length');
  const packet = raw.subarray(0, length);
  const attributes: RadiusAttribute[] = [];
  let messageAuthenticatorAt: number | null = null;
  for (let at = HEADER; at < length; ) {
    if (at + 2 > length) throw new MalformedPacket('truncated attribute');
    const type = packet[at]!;
    const len = packet[at + 1]!;
    if (len < 2 || at + len > length) throw new MalformedPacket('bad attribute length');
    const value = packet.subarray(at + 2, at + len);
    if (type === ATTR.messageAuthenticator) {
      if (len !== 18 || messageAuthenticatorAt !== null) throw new MalformedPacket('bad Message-Authenticator');
      messageAuthenticatorAt = at + 2;
    }
    attributes.push({ type, value });
    at += len;
  }
  return { code: packet[0]!, identifier: packet[1]!, authenticator: packet.subarray(4, 20), attributes, raw: packet, messageAuthenticatorAt };
}

export function attribute(req: RadiusRequest, type: number): Buffer | undefined {
  return req.attributes.find((a) => a.type === type)?.value;
}

/** HMAC-MD5 over the packet with the Message-Authenticator's value zeroed (RFC 3579 §3.2). */
export function messageAuthenticatorValid(req: RadiusRequest, secret: Buffer): boolean {
  if (req.messageAuthenticatorAt === null) return false;
  const at = req.messageAuthenticatorAt;
  const copy = Buffer.from(req.raw);
  copy.fill(0, at, at + 16);
  const expected = createHmac('md5', secret).update(copy).digest();
  return timingSafeEqual(expected, req.raw.subarray(at, at + 16));
}

/** User-Password (RFC 2865 §5.2): the NUL padding stripped. Null when its length is not a multiple of 16. */
export function decryptUserPassword(hidden: Buffer, secret: Buffer, authenticator: Buffer): string | null {
  if (hidden.length === 0 || hidden.length % 16 !== 0 || hidden.length > 128) return null;
  const out = Buffer.alloc(hidden.length);
  let previous = authenticator;
  for (let i = 0; i < hidden.length; i += 16) {
    const b = createHash('md5').update(secret).update(previous).digest();
    for (let j = 0; j < 16; j++) out[i + j] = hidden[i + j]! ^ b[j]!;
    previous = hidden.subarray(i, i + 16);
  }
  const end = out.indexOf(0);
  return out.subarray(0, end === -1 ? out.length : end).toString('utf8');
}

/**
 * A reply to `req`: Message-Authenticator first (HMAC-MD5 with the request's
 * authenticator in place), then the attributes, then the Response
 * Authenticator MD5(Code+ID+Length+RequestAuth+Attributes+Secret).
 */
export function encodeReply(req: RadiusRequest, code: number, attributes: RadiusAttribute[], secret: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([ATTR.messageAuthenticator, 18]), Buffer.alloc(16)];
  for (const a of attributes) {
    // Longer values (a Reply-Message) are cut to one attribute's 253 octets.
    const value = a.value.subarray(0, 253);
    parts.push(Buffer.from([a.type, value.length + 2]), value);
  }
  const body = Buffer.concat(parts);
  const packet = Buffer.alloc(HEADER + body.length);
  packet[0] = code;
  packet[1] = req.identifier;
  packet.writeUInt16BE(packet.length, 2);
  req.authenticator.copy(packet, 4);
  body.copy(packet, HEADER);
  createHmac('md5', secret)
    .update(packet)
    .digest()
    .copy(packet, HEADER + 2);
  const response = createHash('md5').update(packet).update(secret).digest();
  response.copy(packet, 4);
  return packet;
}
