import { generateToken, hashToken } from '../core/tokens';
import type { Actor, ServiceContext } from './context';

/** How long a first-admin setup link stays valid. */
export const SETUP_LINK_HOURS = 24;

/**
 * While no operator exists, issues a one-time setup token for the first admin
 * (only its hash is stored). Returns null once an operator exists.
 */
export function issueSetupToken(ctx: ServiceContext, actor: Actor): { token: string; expiresAt: string } | null {
  const now = ctx.clock();
  return ctx.store.tx(() => {
    if (ctx.store.operators.count() > 0) return null;
    const token = generateToken();
    const expiresAt = now + SETUP_LINK_HOURS * 3_600_000;
    ctx.store.setupTokens.insert({ hash: hashToken(token), purpose: 'first-admin', created_at: now, expires_at: expiresAt });
    ctx.audit.append({ actor, action: 'setup.link', outcome: 'success', details: { expiresAt: new Date(expiresAt).toISOString() } });
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  });
}

/** True when the token is a live, unused first-admin setup token. */
export function isSetupTokenValid(ctx: ServiceContext, token: string): boolean {
  const row = ctx.store.setupTokens.find(hashToken(token));
  return !!row && row.used_at === null && row.expires_at > ctx.clock() && ctx.store.operators.count() === 0;
}
