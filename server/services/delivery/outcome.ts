import type { DeliveryOutcome } from '../../../shared/schemas/delivery';

export const SCRUBBED = '•••';

/**
 * Replaces every occurrence of each secret with •••, longest first (so a
 * secret that contains another goes whole). Servers and gateways echo what
 * they were sent; nothing they say reaches a log or a screen unscrubbed.
 */
export function scrub(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of list) out = out.split(s).join(SCRUBBED);
  return out;
}

/** The forms a secret takes on the wire besides itself: URL-encoded, JSON-escaped, base64. */
export function wireForms(secret: string | null | undefined): string[] {
  if (!secret) return [];
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret, 'utf8').toString('base64')];
}

/** "10 s", "1.5 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** One line, at most `max` characters: server answers can be multi-line or long. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function delivered(response: string): DeliveryOutcome {
  return { ok: true, response };
}

export function failed(error: string): DeliveryOutcome {
  return { ok: false, error };
}
