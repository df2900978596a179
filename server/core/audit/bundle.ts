import { createPublicKey } from 'node:crypto';
import type { AuditEntry, AuditQuery } from '../../../shared/schemas/audit';
import type { BundleSelection } from './selection';

/*
 * Audit bundle: JSON lines.
 *   {"type":"tessera-audit-bundle","version":2,"exportedAt":ISO,"publicKeys":[{"version":1,"spki":"<base64 DER>"}]}
 *   {"type":"entry", ...AuditEntry}            one per entry, seq 1..N, oldest first
 *   {"type":"checkpoint","seq":N,"hash":"…","signature":"…","keyVersion":1}
 * The checkpoint is the signed head taken when the export started; the bundle
 * holds exactly the entries up to it, so an auditor can recompute the chain
 * from genesis and check that the signature covers the last entry — an
 * edited, removed (middle or tail) or reordered entry fails, offline
 * (bundleVerify.ts).
 *
 * Version 3 is a FILTERED bundle (the header says "filtered":true and the filter):
 *   {"type":"tessera-audit-bundle","version":3,…,"filtered":true,"filter":{…}}
 *   {"type":"entry", ...AuditEntry without "hash"}   the selected entries, oldest first
 *   {"type":"selection","seq":N,"entries":k,"digest":"…","keyVersion":1,"signature":"…"}
 * The signature covers the SHA-256 of every line before it, the log's length N
 * and the count k (selection.ts): an edited, removed, added or reordered entry,
 * an edited filter or an entry the filter excludes fails offline; the N - k
 * entries left out are said by the gaps in seq. Omitted entries' hashes are
 * not given (they would let a reader test guesses of them; selection.ts says why).
 *
 * Version 2: the final checkpoint is the head's signature
 * ("tessera-audit-head:v2:…"), which no checkpoint signature can stand in
 * for. Version 1 bundles (one message for both) are still read.
 *
 * What the bundle cannot prove by itself: WHO signed it (the public key is
 * in the file: an auditor pins its fingerprint, --key) and that it is not an
 * older state than one seen before (an auditor keeps the last head, --since).
 */

export const BUNDLE_TYPE = 'tessera-audit-bundle';
export const BUNDLE_VERSION = 2;
/** The version of a filtered bundle (entries without hashes, ending with a signed selection). */
export const FILTERED_BUNDLE_VERSION = 3;
/** Bundle versions the verifier reads. */
export const READABLE_VERSIONS = [1, 2, 3] as const;

/** The audit filters an export can take (the console's export reuses its list filters). */
export type AuditExportFilter = Pick<AuditQuery, 'user' | 'action' | 'actor' | 'outcome' | 'from' | 'to'>;

export interface BundleHeader {
  type: typeof BUNDLE_TYPE;
  version: (typeof READABLE_VERSIONS)[number];
  exportedAt: string;
  publicKeys: { version: number; spki: string }[];
  filtered?: true;
  filter?: AuditExportFilter;
}

export interface BundleCheckpoint {
  type: 'checkpoint';
  seq: number;
  hash: string;
  signature: string;
  keyVersion: number;
}

/** A signed point of the log: what a bundle ends with. */
export interface SignedPoint {
  seq: number;
  hash: string;
  signature: string;
  keyVersion: number;
}

/** The header line of a new bundle: version BUNDLE_VERSION, or FILTERED_BUNDLE_VERSION with a filter. */
export function bundleHeaderLine(exportedAtMs: number, publicKeys: { version: number; spkiDer: Buffer }[], filter: AuditExportFilter | undefined): string {
  const header: BundleHeader = {
    type: BUNDLE_TYPE,
    version: filter ? FILTERED_BUNDLE_VERSION : BUNDLE_VERSION,
    exportedAt: new Date(exportedAtMs).toISOString(),
    publicKeys: publicKeys.map((k) => ({ version: k.version, spki: k.spkiDer.toString('base64') })),
    ...(filter ? { filtered: true as const, filter } : {}),
  };
  return `${JSON.stringify(header)}\n`;
}

export function bundleEntryLine(entry: AuditEntry): string {
  return `${JSON.stringify({ type: 'entry', ...entry })}\n`;
}

/** An entry of a filtered bundle: its content without the chain hash. */
export function bundleSelectedEntryLine(entry: AuditEntry): string {
  const { hash: _hash, ...content } = entry;
  return `${JSON.stringify({ type: 'entry', ...content })}\n`;
}

export function bundleSelectionLine(selection: Omit<BundleSelection, 'type'>): string {
  const line: BundleSelection = { type: 'selection', ...selection };
  return `${JSON.stringify(line)}\n`;
}

export function bundleCheckpointLine(head: SignedPoint): string {
  const checkpoint: BundleCheckpoint = { type: 'checkpoint', seq: head.seq, hash: head.hash, signature: head.signature, keyVersion: head.keyVersion };
  return `${JSON.stringify(checkpoint)}\n`;
}

/** A bundle's public key (SPKI DER) as PEM, for `tessera audit key`. */
export function publicKeyPem(spkiDer: Buffer): string {
  return createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
}
