import { TesseraError } from '../../../shared/errors';
import { isIpLiteral } from '../../../shared/format';
import type { WebauthnRpConfig, WebauthnRpInput } from '../../../shared/schemas/webauthn';
import type { WebauthnRpRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { iso } from '../wireViews';

/** A relying party as the ceremonies use it: an application's, or the console's own. */
export interface RelyingParty {
  id: string;
  name: string;
  /** Exact origins (scheme://host[:port]) a response may come from. */
  origins: string[];
  requireUserVerification: boolean;
  /** Authenticator models allowed to register; empty: any. */
  aaguids: string[];
}

function toRelyingParty(row: WebauthnRpRow): RelyingParty {
  return {
    id: row.rp_id,
    name: row.rp_name,
    origins: JSON.parse(row.origins) as string[],
    requireUserVerification: row.require_uv === 1,
    aaguids: JSON.parse(row.aaguids) as string[],
  };
}

function toConfigView(row: WebauthnRpRow): WebauthnRpConfig {
  const rp = toRelyingParty(row);
  return {
    rpId: rp.id,
    rpName: rp.name,
    origins: rp.origins,
    requireUserVerification: rp.requireUserVerification,
    aaguids: rp.aaguids,
    updatedAt: iso(row.updated_at)!,
  };
}

/** The relying party of the application calling with this API key; 409 when none is set. */
export function requireAppRelyingParty(ctx: ServiceContext, apiKeyId: string): RelyingParty {
  const row = ctx.store.webauthn.rp(apiKeyId);
  if (!row) {
    throw new TesseraError(
      'conflict',
      'This API key has no WebAuthn relying party (RP ID, name, allowed origins): an admin sets one on the API clients page or with "tessera apikey create --rp-id …"',
    );
  }
  return toRelyingParty(row);
}

export function getAppRelyingParty(ctx: ServiceContext, apiKeyId: string): WebauthnRpConfig | null {
  if (!ctx.store.apiKeys.findById(apiKeyId)) throw new TesseraError('not_found', 'No API key with that id');
  const row = ctx.store.webauthn.rp(apiKeyId);
  return row ? toConfigView(row) : null;
}

/** Writes (or, with null, removes) an application's relying party. Runs in the caller's transaction; no audit of its own. */
export function writeAppRelyingParty(ctx: ServiceContext, apiKeyId: string, rp: WebauthnRpInput | null, now: number): WebauthnRpRow | null {
  if (rp === null) {
    ctx.store.webauthn.deleteRp(apiKeyId);
    return null;
  }
  const row: WebauthnRpRow = {
    api_key_id: apiKeyId,
    rp_id: rp.rpId,
    rp_name: rp.rpName,
    origins: JSON.stringify(rp.origins),
    require_uv: rp.requireUserVerification ? 1 : 0,
    aaguids: JSON.stringify(rp.aaguids),
    updated_at: now,
  };
  ctx.store.webauthn.setRp(row);
  return row;
}

/** What the audit log records of a relying party (all of it: none of it is secret). */
export function rpAuditDetails(rp: WebauthnRpInput | null): Record<string, unknown> | null {
  return rp && { rpId: rp.rpId, rpName: rp.rpName, origins: rp.origins, requireUserVerification: rp.requireUserVerification, aaguids: rp.aaguids };
}

/** Sets or clears (null) the relying party of an application (API key), audited. */
export function setAppRelyingParty(ctx: ServiceContext, apiKeyId: string, rp: WebauthnRpInput | null, actor: Actor): WebauthnRpConfig | null {
  const now = ctx.clock();
  return ctx.store.tx(() => {
    const key = ctx.store.apiKeys.findById(apiKeyId);
    if (!key) throw new TesseraError('not_found', 'No API key with that id');
    if (key.revoked_at !== null && rp !== null) throw new TesseraError('conflict', 'This API key is revoked');
    const before = ctx.store.webauthn.rp(apiKeyId);
    if (!before && rp === null) throw new TesseraError('not_found', 'This API key has no WebAuthn relying party to remove');
    const row = writeAppRelyingParty(ctx, apiKeyId, rp, now);
    ctx.audit.append({
      actor,
      action: 'apikey.webauthn',
      outcome: 'success',
      details: { apiKeyId, name: key.name, ...(rp ? { rp: rpAuditDetails(rp) } : { removed: true }) },
    });
    return row ? toConfigView(row) : null;
  });
}

/**
 * The console's own relying party, from the origin the console was reached
 * at (its Host header is one the server answers to): RP ID = that host name.
 * WebAuthn refuses IP addresses, so the console must be opened by name
 * (http://localhost:PORT, which is also the desktop window's origin).
 */
export function consoleRelyingParty(ctx: ServiceContext, origin: string | null): RelyingParty {
  let url: URL | null = null;
  try {
    url = origin ? new URL(origin) : null;
  } catch {
    url = null;
  }
  if (!url) throw new TesseraError('bad_request', 'Security keys need the console opened in a browser window');
  if (isIpLiteral(url.hostname)) {
    const port = url.port ? `:${url.port}` : '';
    throw new TesseraError('conflict', `Security keys and passkeys need the console opened by name, not an IP address: open http://localhost${port}`);
  }
  return { id: url.hostname, name: `${ctx.settings.get().issuer} console`, origins: [url.origin], requireUserVerification: false, aaguids: [] };
}
