import { randomUUID } from 'node:crypto';
import { TesseraError } from '../../shared/errors';
import { ApiScope, type ApiKeyView, type CreateApiKeyInput, type CreatedApiKey } from '../../shared/schemas/apiKeys';
import { checkApiKeyFormat, generateApiKey, hashApiKey } from '../core/apiKeys';
import type { ApiKeyRow } from '../store/index';
import type { Actor, ServiceContext } from './context';
import { iso } from './wireViews';
import { rpAuditDetails, writeAppRelyingParty } from './webauthn/relyingParty';

export interface ApiPrincipal {
  id: string;
  name: string;
  scopes: ApiScope[];
}

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.split(',').filter((s): s is ApiScope => ApiScope.safeParse(s).success),
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** Creates a key; the key itself is returned once and only its SHA-256 is stored. */
export function createApiKey(ctx: ServiceContext, input: CreateApiKeyInput, actor: Actor): CreatedApiKey {
  const generated = generateApiKey();
  const row: Omit<ApiKeyRow, 'last_used_at' | 'revoked_at'> = {
    id: randomUUID(),
    name: input.name,
    prefix: generated.prefix,
    hash: generated.hash,
    scopes: input.scopes.join(','),
    created_at: ctx.clock(),
  };
  ctx.store.tx(() => {
    ctx.store.apiKeys.insert(row);
    if (input.webauthn) writeAppRelyingParty(ctx, row.id, input.webauthn, row.created_at);
    ctx.audit.append({
      actor,
      action: 'apikey.create',
      outcome: 'success',
      details: { apiKeyId: row.id, name: row.name, scopes: input.scopes, ...(input.webauthn ? { webauthn: rpAuditDetails(input.webauthn) } : {}) },
    });
  });
  return { ...toView({ ...row, last_used_at: null, revoked_at: null }), key: generated.key };
}

export function listApiKeys(ctx: ServiceContext): ApiKeyView[] {
  return ctx.store.apiKeys.list().map(toView);
}

export function revokeApiKey(ctx: ServiceContext, id: string, actor: Actor): ApiKeyView {
  return ctx.store.tx(() => {
    const row = ctx.store.apiKeys.findById(id);
    if (!row) throw new TesseraError('not_found', 'No API key with that id');
    if (row.revoked_at !== null) throw new TesseraError('conflict', 'This API key is already revoked');
    ctx.store.apiKeys.revoke(id, ctx.clock());
    caches.delete(ctx.store);
    ctx.audit.append({ actor, action: 'apikey.revoke', outcome: 'success', details: { apiKeyId: id, name: row.name } });
    return toView(ctx.store.apiKeys.findById(id)!);
  });
}

/**
 * Keys already resolved, by hash, valid until the database changes under us.
 * This connection's own writes go through revokeApiKey, which clears it; a
 * write from another process (the CLI revoking a key) bumps SQLite's
 * data_version, which clears it too. So a revocation takes effect at once.
 * On PostgreSQL another node's commit moves dataVersion when this node
 * hears its notice (LISTEN on its own connection, no round trip per check):
 * a revocation on one node holds on the others from then on
 * (server/multinode/sharedState.test.ts).
 */
interface KeyCache {
  dataVersion: number;
  principals: Map<string, ApiPrincipal>;
  lastTouch: Map<string, number>;
}
const caches = new WeakMap<object, KeyCache>();

function cacheFor(ctx: ServiceContext): KeyCache {
  const version = ctx.store.db.dataVersion();
  let cache = caches.get(ctx.store);
  if (!cache || cache.dataVersion !== version) {
    cache = { dataVersion: version, principals: new Map(), lastTouch: cache?.lastTouch ?? new Map() };
    caches.set(ctx.store, cache);
  }
  return cache;
}

/**
 * Resolves a presented key to its principal, or throws unauthorized. The
 * format and checksum are checked before any lookup, so typos and junk never
 * reach the database; the lookup is by SHA-256, so no key is compared in the clear.
 */
export function authenticateApiKey(ctx: ServiceContext, presented: string): ApiPrincipal {
  if (!checkApiKeyFormat(presented)) throw new TesseraError('unauthorized', 'The API key is malformed (check for a copy-paste error)');
  const hash = hashApiKey(presented);
  const cache = cacheFor(ctx);
  const cached = cache.principals.get(hash);
  if (cached) return cached;
  const row = ctx.store.apiKeys.findByHash(hash);
  if (!row || row.revoked_at !== null) throw new TesseraError('unauthorized', 'The API key is not valid or has been revoked');
  const principal: ApiPrincipal = { id: row.id, name: row.name, scopes: toView(row).scopes };
  cache.principals.set(hash, principal);
  return principal;
}

/** Records that a key was used, at most once a minute per key; called only after a request it made succeeded. */
export function recordApiKeyUse(ctx: ServiceContext, id: string): void {
  const cache = cacheFor(ctx);
  const now = ctx.clock();
  if (now - (cache.lastTouch.get(id) ?? 0) < 60_000) return;
  cache.lastTouch.set(id, now);
  ctx.store.apiKeys.touch(id, now);
}
