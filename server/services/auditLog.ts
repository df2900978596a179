import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { checkAnchor, signAnchor, type SignedAnchor } from '../core/audit/anchor';
import { computeEntryHash, GENESIS_HASH, type AuditContent } from '../core/audit/chain';
import { keyFingerprint, signCheckpoint, signHead, verifyCheckpoint, verifyHead, verifyLegacyPoint } from '../core/audit/checkpoint';
import { TesseraError } from '../../shared/errors';
import type { AuditAction } from '../../shared/auditActions';
import type { AuditPage, AuditQuery, AuditVerifyResult } from '../../shared/schemas/audit';
import type { AuditFilter, Store } from '../store/index';
import type { Actor, Clock } from './context';
import type { Keyring } from './keyring';
import { usernameKey } from '../../shared/schemas/text';
import { decodeSeqCursor, encodeCursor } from './cursor';
import type { AnchorRead, AnchorStore } from './auditAnchor';
import { rowToEntry } from './auditRows';
import { CHECKPOINT_EVERY, runSteps, verifySteps, type VerifyProgress, type VerifyTrust } from './auditVerify';
import { verifyInWorker } from './auditVerifyRunner';

export { CHECKPOINT_EVERY } from './auditVerify';
export { rowToContent, rowToEntry } from './auditRows';

/**
 * The anchor file is rewritten at most this often. A write (sign, temp file,
 * rename) measured 0.2-1.3 ms on the 2-core dev machine, against 0.3-0.5 ms
 * for a whole commit: once per commit it tripled the cost of a one-entry
 * transaction, coalesced it is within noise (npm run bench verify: 1,957 req/s
 * p99 40 ms with it, 1,552 req/s p99 49 ms without, same loaded machine).
 * The window this leaves, said honestly: if Tessera is killed (not stopped:
 * closing flushes) within 50 ms of a commit, that commit is not anchored yet,
 * and a later rollback of just those last entries is not seen by the anchor.
 */
export const ANCHOR_INTERVAL_MS = 50;

export interface AuditEvent {
  actor: Actor;
  action: AuditAction;
  user?: string | null;
  outcome: 'success' | 'failure' | 'denied';
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

interface SignedHead {
  seq: number;
  hash: string;
  signature: string;
  keyVersion: number;
}

/** How the database stands against its anchor (startup, `audit anchor`). */
export type AnchorStatus =
  | { state: 'none' | 'ok'; anchoredSeq: number | null; message: string }
  | { state: 'behind' | 'diverged' | 'invalid'; anchoredSeq: number | null; message: string };

export interface AuditLogOptions {
  /** Where the anchor lives; null: no anchor (a check copy of a backup). */
  anchor: AnchorStore | null;
  /** Where anchor problems are said (loudly) while running. Default console.error. */
  warn?: (message: string) => void;
}

/** Converts an API query into the store's filter. */
export function toFilter(q: Pick<AuditQuery, 'user' | 'action' | 'actor' | 'outcome' | 'from' | 'to'>): AuditFilter {
  return {
    // Users are compared by key (case-insensitive, NFKC), as everywhere else.
    user: q.user === undefined ? undefined : usernameKey(q.user),
    action: q.action,
    actor: q.actor,
    outcome: q.outcome,
    fromMs: q.from === undefined ? undefined : Date.parse(q.from),
    toMs: q.to === undefined ? undefined : Date.parse(q.to),
  };
}

/**
 * The hash-chained audit log. `append` must run inside the caller's
 * transaction so that a change and its entry commit together.
 */
export class AuditLog {
  private headDirty = false;
  /** The head signed in the transaction now committing (taken by afterCommit). */
  private pendingHead: SignedHead | null = null;
  /** The last committed signed head, not yet written to the anchor. */
  private unanchored: SignedHead | null = null;
  private lastAnchorWrite = -Infinity;
  private anchorTimer: NodeJS.Timeout | null = null;
  /** A background anchor write is under way (writeAnchorInBackground). */
  private anchorWriting = false;
  /** Moved on by flushAnchor: a background write begun before it no longer counts. */
  private anchorEpoch = 0;
  /** The next anchor write replaces whatever the anchor says (restore, reset): set by reanchor. */
  private forceAnchor = false;
  private lastWarning: string | null = null;
  /** The anchor file's text as this process last wrote or checked it: no need to check its signatures again. */
  private trustedAnchorText: string | null = null;
  private readonly anchor: AnchorStore | null;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly store: Store,
    private readonly keyring: Keyring,
    private readonly clock: Clock,
    opts: AuditLogOptions = { anchor: null },
  ) {
    this.anchor = opts.anchor;
    this.warn = opts.warn ?? ((m) => console.error(m));
    store.db.onBeforeCommit(() => this.signHead());
    store.db.onAfterCommit(() => this.afterCommit());
    store.db.onBeforeClose(() => this.flushAnchor());
    this.upgradeLegacySignatures();
    this.anchorFirstTime();
  }

  append(event: AuditEvent): number {
    const { store } = this;
    if (!store.db.inTransaction()) throw new Error('AuditLog.append must run inside the transaction of the change it records');
    const head = store.audit.head();
    const now = this.clock();
    const content: AuditContent = {
      seq: (head?.seq ?? 0) + 1,
      at: new Date(now).toISOString(),
      actorKind: event.actor.kind,
      actorId: event.actor.id,
      actorName: event.actor.name,
      action: event.action,
      targetUser: event.user ?? null,
      outcome: event.outcome,
      reason: event.reason ?? null,
      ip: event.actor.ip,
      details: event.details ?? null,
    };
    const hash = computeEntryHash(head?.hash ?? GENESIS_HASH, content);
    store.audit.insert({
      seq: content.seq,
      at: content.at,
      at_ms: now,
      actor_kind: content.actorKind,
      actor_id: content.actorId,
      actor_name: content.actorName,
      action: content.action,
      target_user: content.targetUser,
      target_user_key: content.targetUser === null ? null : usernameKey(content.targetUser),
      outcome: content.outcome,
      reason: content.reason,
      ip: content.ip,
      details: content.details === null ? null : JSON.stringify(content.details),
      hash,
    });
    store.dashboard.bump(content.at.slice(0, 10), content.action, content.outcome, content.reason);
    const key = this.keyring.signingKey();
    // The head is signed once per transaction, just before it commits (signHead), not per entry.
    store.audit.setHead({ seq: content.seq, hash, signature: '', key_version: key.version });
    this.headDirty = true;
    if (content.seq % CHECKPOINT_EVERY === 0) {
      const signature = signCheckpoint(key.privateKeyDer, content.seq, hash);
      store.audit.insertCheckpoint({ seq: content.seq, hash, signature, key_version: key.version, at: now });
    }
    return content.seq;
  }

  /**
   * Signs the head as it stands at the end of a write transaction. Runs as the
   * store's before-commit hook, so a committed head always carries a valid
   * signature, and a batch of entries costs one signature. The head signs a
   * message of its own (not a checkpoint's), so no checkpoint can pose as it.
   */
  private signHead(): void {
    this.pendingHead = null;
    if (!this.headDirty) return;
    this.headDirty = false;
    const head = this.store.audit.head();
    if (!head) return;
    const key = this.keyring.signingKey();
    const signature = signHead(key.privateKeyDer, head.seq, head.hash);
    this.store.audit.setHead({ seq: head.seq, hash: head.hash, signature, key_version: key.version });
    this.pendingHead = { seq: head.seq, hash: head.hash, signature, keyVersion: key.version };
  }

  /** After a commit that moved the head: the anchor follows (at most every ANCHOR_INTERVAL_MS). */
  private afterCommit(): void {
    const head = this.pendingHead;
    this.pendingHead = null;
    if (!head || !this.anchor) return;
    this.unanchored = head;
    // A restore or reset steps the anchor back on purpose: at once, after any write still under way.
    if (this.forceAnchor) {
      this.flushAnchor();
      return;
    }
    this.scheduleAnchor();
  }

  /** The next anchor write, ANCHOR_INTERVAL_MS after the last; a write under way schedules the next when it ends. */
  private scheduleAnchor(): void {
    if (this.anchorTimer || this.anchorWriting) return;
    const wait = this.lastAnchorWrite + ANCHOR_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.writeAnchorInBackground();
      return;
    }
    this.anchorTimer = setTimeout(() => {
      this.anchorTimer = null;
      this.writeAnchorInBackground();
    }, wait);
    this.anchorTimer.unref(); // closing the store flushes it
  }

  /** Writes any committed head not yet anchored, now, synchronously (closing the store does). */
  flushAnchor(): void {
    if (this.anchorTimer) {
      clearTimeout(this.anchorTimer);
      this.anchorTimer = null;
    }
    if (this.anchorWriting) {
      // The write under way is left to finish in its thread but its result is not used; this one follows it.
      this.anchorEpoch += 1;
      this.anchorWriting = false;
      this.anchor?.drain?.();
    }
    this.writeAnchor();
  }

  /**
   * Moves the anchor forward to the last committed head — only forward, and
   * only when the log still holds the entry the anchor records. If it does
   * not (the database was rolled back or rewritten under a running Tessera),
   * the anchor is left as evidence and the problem said loudly; an operator
   * clears it with `tessera audit anchor --reset` or a restore. Never throws:
   * the commit it follows has already happened.
   */
  private writeAnchor(): void {
    const head = this.unanchored;
    const anchor = this.anchor;
    if (!head || !anchor) return;
    this.unanchored = null;
    try {
      const force = this.forceAnchor;
      this.forceAnchor = false;
      if (!force && !this.mayAnchor(anchor.read(), head)) return;
      // Only forward (another node may have moved it past this head meanwhile), unless stepping back on purpose.
      this.trustedAnchorText = anchor.write(this.signedAnchor(head), { force });
      this.lastAnchorWrite = performance.now();
    } catch (err) {
      this.sayWriteFailed(anchor, err);
    }
  }

  /**
   * writeAnchor, with the anchor file read and written in the anchor store's
   * thread (ThreadedFileAnchorStore), so a slow file system never holds the
   * event loop; the same checks run here between the two. One at a time: a
   * head committed meanwhile is written when this one ends. flushAnchor
   * takes over from one still under way (anchorEpoch).
   */
  private writeAnchorInBackground(): void {
    const anchor = this.anchor;
    const head = this.unanchored;
    if (!anchor || !head) return;
    if (!anchor.readInBackground || !anchor.writeInBackground) {
      this.writeAnchor();
      return;
    }
    const epoch = this.anchorEpoch;
    const current = () => epoch === this.anchorEpoch;
    // Cleared only once written (or refused): until then a flush still has it to write.
    const settle = () => {
      if (this.unanchored === head) this.unanchored = null;
    };
    this.anchorWriting = true;
    void (async () => {
      try {
        const read = await anchor.readInBackground!();
        if (!current()) return;
        if (!this.mayAnchor(read, head)) return settle();
        const text = await anchor.writeInBackground!(this.signedAnchor(head), { force: false });
        if (!current()) return;
        this.trustedAnchorText = text;
        this.lastAnchorWrite = performance.now();
        settle();
      } catch (err) {
        if (!current()) return;
        settle();
        this.sayWriteFailed(anchor, err);
      } finally {
        if (current()) {
          this.anchorWriting = false;
          if (this.unanchored) this.scheduleAnchor();
        }
      }
    })();
  }

  private sayWriteFailed(anchor: AnchorStore, err: unknown): void {
    this.say(`AUDIT ANCHOR NOT UPDATED: writing ${anchor.where} failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Whether the anchor may move to `head`; says why loudly when it must not (nothing to do is not a problem). */
  private mayAnchor(read: AnchorRead, head: SignedHead): boolean {
    const problem = this.anchorBlocks(read, head);
    if (problem === 'not newer') return false;
    if (problem) {
      this.say(`AUDIT ANCHOR NOT UPDATED: ${problem}. Run "tessera audit verify"; after investigating, "tessera audit anchor --reset" re-anchors.`);
      return false;
    }
    return true;
  }

  /** The anchor for `head`, signed with the key that signed the head. */
  private signedAnchor(head: SignedHead): SignedAnchor {
    const key = this.keyring.signingKey(head.keyVersion);
    return signAnchor(key.privateKeyDer, {
      seq: head.seq,
      hash: head.hash,
      headSignature: head.signature,
      keyVersion: head.keyVersion,
      fingerprint: keyFingerprint(key.publicKeyDer),
      writtenAt: new Date(this.clock()).toISOString(),
    });
  }

  /** Why the anchor must not move to `head` (null: it may; 'not newer': nothing to do). */
  private anchorBlocks(read: AnchorRead, head: SignedHead): string | null {
    if (read.state === 'none') return null;
    if (read.state === 'unreadable') return read.message;
    const current = read.anchor;
    if (read.text !== this.trustedAnchorText) {
      const problem = checkAnchor(current, this.publicKeys());
      if (problem) return `the anchor is not signed by this database's audit key (${problem})`;
      this.trustedAnchorText = read.text;
    }
    if (current.seq >= head.seq) return 'not newer';
    if (current.seq === 0) return null;
    const row = this.store.audit.bySeq(current.seq);
    if (!row) return `the log no longer holds entry #${current.seq}, which the anchor records (rolled back?)`;
    if (row.hash !== current.hash) return `entry #${current.seq} is not the one the anchor records (rewritten?)`;
    return null;
  }

  private say(message: string): void {
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    this.warn(`[tessera] ${message}`);
  }

  private publicKeys(): Map<number, Buffer> {
    return new Map(this.keyring.publicSigningKeys().map((k) => [k.version, k.publicKeyDer]));
  }

  /**
   * A data folder whose database has entries but no anchor yet (made before
   * anchors existed): anchor its current head now, if that head is validly
   * signed. From then on a rollback below it is detected.
   */
  private anchorFirstTime(): void {
    if (!this.anchor || this.anchor.read().state !== 'none') return;
    const head = this.store.audit.head();
    if (!head) return;
    const key = this.keyring.signingKey(head.key_version);
    if (!verifyHead(key.publicKeyDer, head.seq, head.hash, head.signature)) return;
    this.unanchored = { seq: head.seq, hash: head.hash, signature: head.signature, keyVersion: head.key_version };
    this.writeAnchor();
  }

  /**
   * Databases written before heads and checkpoints signed distinct messages
   * (v1: both "tessera-audit-checkpoint:v1:…") are re-signed once: each valid
   * v1 checkpoint that still matches its entry, and the v1 head if it still
   * is the last entry. The same one-time step re-keys the entries of user
   * names with non-ASCII letters, which migration 0005 keyed with SQL lower()
   * (ASCII only) instead of usernameKey, so verify can require the exact key.
   */
  private upgradeLegacySignatures(): void {
    const { store } = this;
    const pub = (version: number) => this.keyring.signingKey(version).publicKeyDer;
    const head = store.audit.head();
    const checkpoints = store.audit.checkpoints();
    const legacy = (p: { seq: number; hash: string; signature: string; key_version: number }, current: boolean) =>
      !current && verifyLegacyPoint(pub(p.key_version), p.seq, p.hash, p.signature);
    const headLegacy = head !== undefined && legacy(head, verifyHead(pub(head.key_version), head.seq, head.hash, head.signature));
    const first = checkpoints[0];
    const checkpointsLegacy = first !== undefined && legacy(first, verifyCheckpoint(pub(first.key_version), first.seq, first.hash, first.signature));
    if (!headLegacy && !checkpointsLegacy) return;
    store.tx(() => {
      for (const cp of checkpoints) {
        if (!legacy(cp, verifyCheckpoint(pub(cp.key_version), cp.seq, cp.hash, cp.signature))) continue;
        if (store.audit.bySeq(cp.seq)?.hash !== cp.hash) continue;
        store.audit.setCheckpointSignature(cp.seq, signCheckpoint(this.keyring.signingKey(cp.key_version).privateKeyDer, cp.seq, cp.hash));
      }
      if (head && headLegacy && store.audit.bySeq(head.seq)?.hash === head.hash && store.audit.stats().maxSeq === head.seq) {
        const key = this.keyring.signingKey(head.key_version);
        store.audit.setHead({ ...head, signature: signHead(key.privateKeyDer, head.seq, head.hash) });
      }
      for (const e of store.audit.nonAsciiUserEntries()) {
        const key = usernameKey(e.target_user);
        if (e.target_user_key !== key) store.audit.setUserKey(e.seq, key);
      }
    });
  }

  query(q: AuditQuery): AuditPage {
    const rows = this.store.audit.page(toFilter(q), { limit: q.limit + 1, afterSeq: decodeSeqCursor(q.cursor), order: q.order });
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map(rowToEntry);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.seq) : null };
  }

  /** How many entries match the list's filters (the console shows it above the list). */
  count(q: Pick<AuditQuery, 'user' | 'action' | 'actor' | 'outcome' | 'from' | 'to'>): number {
    return this.store.audit.count(toFilter(q));
  }

  /** Entries in the whole log (its last seq: seqs run from 1 without gaps); what an integrity check goes through. */
  entryCount(): number {
    return this.store.audit.stats().maxSeq;
  }

  /** The actions that occur in the log, for the console's action filter. */
  actions(): string[] {
    return this.store.audit.actions();
  }

  /** A signature over the current head, made now, for export bundles. */
  signedHead(): SignedHead | null {
    const head = this.store.audit.head();
    if (!head) return null;
    const key = this.keyring.signingKey();
    return { seq: head.seq, hash: head.hash, signature: signHead(key.privateKeyDer, head.seq, head.hash), keyVersion: key.version };
  }

  /** What verification trusts: keys derived from the sealed private keys, and the anchor. */
  trust(opts: { withAnchor?: boolean } = {}): VerifyTrust {
    return {
      publicKeys: this.keyring.publicSigningKeys(),
      swappedPublicKeys: this.keyring.swappedPublicKeys,
      anchor: this.anchor && opts.withAnchor !== false ? this.anchor.read() : null,
    };
  }

  /**
   * Recomputes the whole chain, checks every signed checkpoint (and that
   * none is missing), the signed head, the anchor outside the database and
   * the derived columns, so an edited, removed, reordered or cut-back entry —
   * middle or tail, or the whole log — is reported. On a database file it
   * runs in a worker thread (the event loop stays free; at most
   * MAX_CONCURRENT_CHECKS at once, else 429); progress and cancel through opts.
   */
  async verify(opts: { signal?: AbortSignal; onProgress?: (p: VerifyProgress) => void; withAnchor?: boolean } = {}): Promise<AuditVerifyResult> {
    const trust = this.trust(opts);
    const file = this.store.db.location; // a worker reopens the file or the PostgreSQL database
    if (file !== '' && file !== ':memory:') return verifyInWorker(file, trust, opts);
    return runSteps(verifySteps(this.store, trust), { ...opts, yieldTurn: () => yieldToLoop() });
  }

  /** How the database stands against its anchor: cheap (one read of the file, one of the log). */
  anchorStatus(): AnchorStatus {
    if (!this.anchor) return { state: 'none', anchoredSeq: null, message: 'this database has no anchor' };
    const read = this.anchor.read();
    if (read.state === 'none') return { state: 'none', anchoredSeq: null, message: `no anchor yet (${this.anchor.where})` };
    if (read.state === 'unreadable') return { state: 'invalid', anchoredSeq: null, message: read.message };
    const a = read.anchor;
    const problem = checkAnchor(a, this.publicKeys());
    if (problem) return { state: 'invalid', anchoredSeq: a.seq, message: `${this.anchor.where} is not signed by this database's audit key (${problem})` };
    const head = this.store.audit.head();
    if (a.seq > (head?.seq ?? 0)) {
      return {
        state: 'behind',
        anchoredSeq: a.seq,
        message: `the audit log ends at #${head?.seq ?? 0} but its anchor (written ${a.writtenAt}) records #${a.seq}: entries were removed (rollback)`,
      };
    }
    if (a.seq > 0 && this.store.audit.bySeq(a.seq)?.hash !== a.hash) {
      return {
        state: 'diverged',
        anchoredSeq: a.seq,
        message: `entry #${a.seq} is not the one the anchor (written ${a.writtenAt}) records: history was rewritten`,
      };
    }
    return { state: 'ok', anchoredSeq: a.seq, message: `anchored at #${a.seq} (written ${a.writtenAt})` };
  }

  /**
   * Appends an entry and moves the anchor to it whatever the anchor said
   * before: for an operator's deliberate step back (restore of an older
   * backup) or re-anchoring after investigating a reported rollback. The
   * entry records the anchor it replaced.
   */
  reanchor(event: AuditEvent): number {
    if (!this.anchor) throw new TesseraError('internal', 'This database has no anchor to move');
    const before = this.anchor.read();
    const previous = before.state === 'ok' ? { seq: before.anchor.seq, hash: before.anchor.hash, writtenAt: before.anchor.writtenAt } : { state: before.state };
    this.forceAnchor = true;
    try {
      const seq = this.store.tx(() => this.append({ ...event, details: { ...(event.details ?? {}), previousAnchor: previous } }));
      this.flushAnchor();
      return seq;
    } finally {
      this.forceAnchor = false;
    }
  }
}
