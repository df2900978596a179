import { createHash, type Hash } from 'node:crypto';
import type { AuditEntry } from '../../../shared/schemas/audit';
import { usernameKey } from '../../../shared/schemas/text';
import type { AuditExportFilter } from './bundle';
import { signMessage, verifyMessage } from './checkpoint';

/*
 * A filtered bundle's proof (format in bundle.ts): the exporter signs one
 * statement over the whole selection — "of the N entries of the log, these
 * k are the ones this filter selects, and these are their contents" — as
 * the SHA-256 of the bundle's lines. Why not the chain hashes across each
 * gap: our chain hashes an entry's content straight into its link
 * (h = SHA-256(h_prev + content)), so a link across an omitted entry cannot
 * be recomputed without that entry's content; and the hashes on both sides
 * of a short gap would let a reader test guesses of what was left out
 * (time to the millisecond, a user, an action: a few billion tries).
 * The exporter signs only after recomputing the chain from genesis against
 * every signed checkpoint, the head and the anchor (services/auditExportSelection.ts).
 */

/** What a filtered bundle ends with. */
export interface BundleSelection {
  type: 'selection';
  /** The log's last entry when the export started: the selection is out of entries 1..seq. */
  seq: number;
  /** How many entries the bundle holds (the rest, seq - entries, were omitted). */
  entries: number;
  /** SHA-256 (hex) of every line before this one, each with its "\n". */
  digest: string;
  keyVersion: number;
  /** Ed25519 (base64url) over selectionMessage(seq, entries, digest). */
  signature: string;
}

/** Distinct from the head's, a checkpoint's and the anchor's messages: none of their signatures can stand in for it. */
export function selectionMessage(seq: number, entries: number, digest: string): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0 || !Number.isSafeInteger(entries) || entries < 0 || entries > seq) {
    throw new RangeError('A selection covers 0..seq entries of a log of seq entries');
  }
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new RangeError('A selection digest is 64 lowercase hex characters');
  return Buffer.from(`tessera-audit-selection:v1:${seq}:${entries}:${digest}`, 'utf8');
}

export function signSelection(privateKeyDer: Buffer, seq: number, entries: number, digest: string): string {
  return signMessage(privateKeyDer, selectionMessage(seq, entries, digest));
}

/** Never throws: malformed input is simply not a valid selection. */
export function verifySelection(publicKeyDer: Buffer, s: Pick<BundleSelection, 'seq' | 'entries' | 'digest' | 'signature'>): boolean {
  return verifyMessage(publicKeyDer, () => selectionMessage(s.seq, s.entries, s.digest), s.signature);
}

/** The running digest of a filtered bundle's lines, as the exporter writes them and the verifier reads them. */
export class SelectionDigest {
  private readonly hash: Hash = createHash('sha256');

  /** A line without its line break. */
  line(text: string): void {
    this.hash.update(`${text}\n`, 'utf8');
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/** An entry as a filtered bundle carries it: its content, without the chain hash (see above). */
export type SelectedEntry = Omit<AuditEntry, 'hash'>;

/**
 * Whether an entry is one the filter selects, with the store's meaning
 * (repos/audit.ts): users compared by usernameKey, actor by name, `from`
 * inclusive, `to` exclusive. The verifier checks every entry of a filtered
 * bundle with it, so a bundle cannot carry entries its filter excludes.
 */
export function matchesExportFilter(e: SelectedEntry, f: AuditExportFilter): boolean {
  if (f.user !== undefined && (e.user === null || usernameKey(e.user) !== usernameKey(f.user))) return false;
  if (f.action !== undefined && e.action !== f.action) return false;
  if (f.actor !== undefined && e.actor.name !== f.actor) return false;
  if (f.outcome !== undefined && e.outcome !== f.outcome) return false;
  const at = Date.parse(e.at);
  if (f.from !== undefined && !(at >= Date.parse(f.from))) return false;
  if (f.to !== undefined && !(at < Date.parse(f.to))) return false;
  return true;
}
