/**
 * Formatting the console, the printed sheets and the CLI share: one copy,
 * so a secret reads the same on screen, on paper and in a terminal.
 */

/** "JBSW Y3DP EHPK 3PXP": a Base32 secret in groups of four, easier to read aloud and type by hand. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * True for an IPv4 or IPv6 literal (bracketed or not, and the short or hex
 * IPv4 forms a URL parser accepts): WebAuthn needs a host name, never an address.
 */
export function isIpLiteral(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h.includes(':')) return true;
  return /^\d+(\.\d+){0,3}$/.test(h) || /^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+))*$/i.test(h);
}

/** "512 B", "34 KB" (whole, at least 1), "2.5 MB", "1.25 GB" (1 KB = 1,024 bytes). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.max(1, Math.round(n / 1024))} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
