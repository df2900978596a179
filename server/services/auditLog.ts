import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { computeEntryHash, GENESIS_HASH, verifyChain, type AuditContent } from '../core/audit/chain';
import { signCheckpoint, verifyCheckpoint } from '../core/audit/checkpoint';
import type { AuditEntry, AuditPage, AuditQuery, AuditVerifyResult } from '../../shared/schemas/audit';
import type { AuditFilter, AuditRow, Store } from '../store/index';
import type { Actor, Clock } from './context';
import type { Keyring } from './keyring';
import { usernameKey } from '../../shared/schemas/text';
import { decodeSeqCursor, encodeCursor } from './cursor';

/** A signed checkpoint row is kept every this many entries, for offline proof of a prefix. */
export const CHECKPOINT_EVERY = 1000;

export interface AuditEvent {
  actor: Actor;
  action: string;
  user?: string | null;
  outcome: 'success' | 'failure' | 'denied';
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

export function rowToContent(row: AuditRow): AuditContent {
  return {
    seq: row.seq,
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    targetUser: row.target_user,
    outcome: row.outcome,
    reason: row.reason,
    ip: row.ip,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  };
}

export function rowToEntry(row: AuditRow): AuditEntry {
  const c = rowToContent(row);
  return {
    seq: c.seq,
    at: c.at,
    actor: { kind: c.actorKind, id: c.actorId, name: c.actorName },
    action: c.action,
    user: c.targetUser,
    outcome: c.outcome,
    reason: c.reason,
    ip: c.ip,
    details: c.details,
    hash: row.hash,
  };
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

  constructor(
    private readonly store: Store,
    private readonly keyring: Keyring,
    private readonly clock: Clock,
  ) {
    store.db.onBeforeCommit(() => this.signHead());
  }

  append(event: AuditEvent): number {
    const { store } = this;
    if (!store.db.sqlite.inTransaction) throw new Error('AuditLog.append must run inside the transaction of the change it records');
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
   * signature, and a batch of entries costs one signature.
   */
  private signHead(): void {
    if (!this.headDirty) return;
    this.headDirty = false;
    const head = this.store.audit.head();
    if (!head) return;
    const key = this.keyring.signingKey();
    this.store.audit.setHead({ seq: head.seq, hash: head.hash, signature: signCheckpoint(key.privateKeyDer, head.seq, head.hash), key_version: key.version });
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

  /** The actions that occur in the log, for the console's action filter. */
  actions(): string[] {
    return this.store.audit.actions();
  }

  /** A signature over the current head, made now, for export bundles. */
  signedHead(): { seq: number; hash: string; signature: string; keyVersion: number } | null {
    const head = this.store.audit.head();
    if (!head) return null;
    const key = this.keyring.signingKey();
    return { seq: head.seq, hash: head.hash, signature: signCheckpoint(key.privateKeyDer, head.seq, head.hash), keyVersion: key.version };
  }

  /**
   * Recomputes the whole chain, then checks every signed checkpoint and the
   * signed head, so an edited, removed, reordered or truncated entry — middle
   * or tail — is reported. Yields to the event loop between pages.
   */
  async verify(pageSize = 5000): Promise<AuditVerifyResult> {
    const { store } = this;
    let prevHash = GENESIS_HASH;
    let nextSeq = 1;
    let entries = 0;
    for (;;) {
      const rows = store.audit.range(nextSeq, pageSize);
      if (rows.length === 0) break;
      const result = verifyChain(
        rows.map((r) => ({ ...rowToContent(r), hash: r.hash })),
        { prevHash, expectFirstSeq: nextSeq },
      );
      if (!result.ok) return { ok: false, firstBadSeq: result.firstBadSeq, problem: result.problem };
      prevHash = result.head;
      nextSeq = result.lastSeq + 1;
      entries += result.entries;
      if (rows.length < pageSize) break;
      await yieldToLoop();
    }
    const { count } = store.audit.stats();
    if (count !== entries) return { ok: false, firstBadSeq: nextSeq, problem: 'seq_gap' };

    const checkpoints = store.audit.checkpoints();
    for (const cp of checkpoints) {
      const row = store.audit.bySeq(cp.seq);
      if (!row || row.hash !== cp.hash) return { ok: false, firstBadSeq: cp.seq, problem: 'checkpoint_mismatch' };
      if (!verifyCheckpoint(this.keyring.signingKey(cp.key_version).publicKeyDer, cp.seq, cp.hash, cp.signature)) {
        return { ok: false, firstBadSeq: cp.seq, problem: 'bad_signature' };
      }
    }
    const head = store.audit.head();
    if (!head) {
      return entries === 0 ? { ok: true, entries: 0, head: GENESIS_HASH, checkpoints: checkpoints.length } : { ok: false, firstBadSeq: 1, problem: 'missing_head' };
    }
    if (!verifyCheckpoint(this.keyring.signingKey(head.key_version).publicKeyDer, head.seq, head.hash, head.signature)) {
      return { ok: false, firstBadSeq: head.seq, problem: 'bad_signature' };
    }
    if (head.seq > entries) return { ok: false, firstBadSeq: entries + 1, problem: 'truncated' };
    if (head.seq < entries) return { ok: false, firstBadSeq: head.seq + 1, problem: 'unsigned_tail' };
    if (head.hash !== prevHash) return { ok: false, firstBadSeq: head.seq, problem: 'hash_mismatch' };
    return { ok: true, entries, head: prevHash, checkpoints: checkpoints.length };
  }
}
