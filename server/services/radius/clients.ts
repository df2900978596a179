import { randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { TesseraError } from '../../../shared/errors';
import {
  AddRadiusClientInput,
  UpdateRadiusClientInput,
  type RadiusClientView,
  type RadiusMode,
  type AddRadiusClientInput as AddInput,
  type UpdateRadiusClientInput as UpdateInput,
} from '../../../shared/schemas/radius';
import type { RadiusClientRow } from '../../store/index';
import type { Actor, ServiceContext } from '../context';
import { iso } from '../wireViews';

/**
 * RADIUS clients (NAS) as admins set them: name, source address or CIDR,
 * mode, and a shared secret sealed like a seed (the client id as associated
 * data), never returned.
 */

const secretAad = (id: string) => `tessera:radius-secret:${id}`;

function toView(row: RadiusClientRow): RadiusClientView {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    mode: row.mode,
    requireMessageAuthenticator: row.require_message_auth === 1,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export function listRadiusClients(ctx: ServiceContext): RadiusClientView[] {
  return ctx.store.radiusClients.list().map(toView);
}

function requireFreeName(ctx: ServiceContext, name: string, id: string | null): void {
  const other = ctx.store.radiusClients.findByName(name);
  if (other && other.id !== id) throw new TesseraError('conflict', `A RADIUS client named "${other.name}" exists already`);
}

export function addRadiusClient(ctx: ServiceContext, raw: AddInput, actor: Actor): RadiusClientView {
  const input = AddRadiusClientInput.parse(raw);
  const id = randomUUID();
  const now = ctx.clock();
  const sealed = ctx.keyring.seal(Buffer.from(input.secret, 'utf8'), secretAad(id));
  const row: RadiusClientRow = {
    id,
    name: input.name,
    address: input.address,
    secret_sealed: sealed.sealed,
    key_version: sealed.keyVersion,
    mode: input.mode,
    require_message_auth: input.requireMessageAuthenticator ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  ctx.store.tx(() => {
    requireFreeName(ctx, row.name, null);
    ctx.store.radiusClients.insert(row);
    ctx.audit.append({ actor, action: 'radius.client.add', outcome: 'success', details: auditDetails(row) });
  });
  return toView(row);
}

export function updateRadiusClient(ctx: ServiceContext, raw: UpdateInput, actor: Actor): RadiusClientView {
  const input = UpdateRadiusClientInput.parse(raw);
  return ctx.store.tx(() => {
    const before = ctx.store.radiusClients.findById(input.id);
    if (!before) throw new TesseraError('not_found', 'No RADIUS client with that id');
    const next: RadiusClientRow = {
      ...before,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.address !== undefined ? { address: input.address } : {}),
      ...(input.mode !== undefined ? { mode: input.mode } : {}),
      ...(input.requireMessageAuthenticator !== undefined ? { require_message_auth: input.requireMessageAuthenticator ? 1 : 0 } : {}),
      updated_at: ctx.clock(),
    };
    if (input.secret !== undefined) {
      const sealed = ctx.keyring.seal(Buffer.from(input.secret, 'utf8'), secretAad(before.id));
      next.secret_sealed = sealed.sealed;
      next.key_version = sealed.keyVersion;
    }
    requireFreeName(ctx, next.name, next.id);
    ctx.store.radiusClients.update(next);
    ctx.audit.append({
      actor,
      action: 'radius.client.update',
      outcome: 'success',
      details: { ...auditDetails(next), secret: input.secret === undefined ? 'kept' : 'set' },
    });
    return toView(next);
  });
}

export function removeRadiusClient(ctx: ServiceContext, id: string, actor: Actor): RadiusClientView {
  return ctx.store.tx(() => {
    const row = ctx.store.radiusClients.findById(id);
    if (!row) throw new TesseraError('not_found', 'No RADIUS client with that id');
    ctx.store.radiusClients.remove(id);
    ctx.audit.append({ actor, action: 'radius.client.remove', outcome: 'success', details: { radiusClientId: row.id, name: row.name } });
    return toView(row);
  });
}

/** A client by id or by name (the CLI takes either). */
export function findRadiusClient(ctx: ServiceContext, idOrName: string): RadiusClientView | null {
  const row = ctx.store.radiusClients.findById(idOrName) ?? ctx.store.radiusClients.findByName(idOrName);
  return row ? toView(row) : null;
}

function auditDetails(row: RadiusClientRow): Record<string, unknown> {
  return { radiusClientId: row.id, name: row.name, address: row.address, mode: row.mode, requireMessageAuthenticator: row.require_message_auth === 1 };
}

/** What the request handler needs of a client: its secret in the clear (never leaves the process). */
export interface ResolvedRadiusClient {
  id: string;
  name: string;
  mode: RadiusMode;
  requireMessageAuthenticator: boolean;
  secret: Buffer;
}

/** "::ffff:192.0.2.1" (an IPv4 peer on a dual-stack socket) is 192.0.2.1. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function block(address: string): { list: BlockList; prefix: number } | null {
  const [ip, bits] = address.split('/') as [string, string | undefined];
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
  const list = new BlockList();
  list.addSubnet(ip, prefix, type);
  return { list, prefix };
}

/** The client whose address holds `source`: the most specific block wins. Null for an unknown source. */
export function resolveRadiusClient(ctx: ServiceContext, source: string): ResolvedRadiusClient | null {
  const ip = normalizeAddress(source);
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  let best: { row: RadiusClientRow; prefix: number } | null = null;
  for (const row of ctx.store.radiusClients.list()) {
    const b = block(row.address);
    if (!b || !b.list.check(ip, type)) continue;
    if (!best || b.prefix > best.prefix) best = { row, prefix: b.prefix };
  }
  if (!best) return null;
  const { row } = best;
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    requireMessageAuthenticator: row.require_message_auth === 1,
    secret: ctx.keyring.open(row.secret_sealed, row.key_version, secretAad(row.id)),
  };
}
