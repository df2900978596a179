import { z } from 'zod';
import { cleanText, Id } from './text';

/**
 * RADIUS clients (NAS: a VPN, a firewall, a Wi-Fi controller) an admin lets
 * ask Tessera. 'password_code' (the directory password, then the code) is
 * not offered yet: it needs the directory issue's password check.
 */
export const RadiusMode = z.enum(['code', 'challenge'], { error: 'Mode must be "code" or "challenge"' });
export type RadiusMode = z.infer<typeof RadiusMode>;

/** An IPv4 or IPv6 address, or a CIDR block of either: the source address requests come from. */
export const RadiusAddress = z
  .string({ error: (issue) => (issue.input === undefined ? 'Address is required' : 'Address must be text') })
  .trim()
  .pipe(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'Address must be an IP address or a CIDR block (192.0.2.0/24, 2001:db8::/32)' }));

/** RFC 2865 asks for a long secret; 16 characters is the floor (shorter ones are guessed offline from one packet). */
export const RadiusSecret = z
  .string({ error: (issue) => (issue.input === undefined ? 'Secret is required' : 'Secret must be text') })
  .min(16, 'The shared secret must be at least 16 characters')
  .max(128, 'The shared secret must be at most 128 characters')
  .refine((s) => /^[\x21-\x7e]+$/.test(s), 'The shared secret must be printable ASCII without spaces');

export const AddRadiusClientInput = z
  .object({
    name: cleanText(64, 'Name'),
    address: RadiusAddress,
    secret: RadiusSecret,
    mode: RadiusMode.default('code'),
    /** Drop requests without a valid Message-Authenticator (RFC 3579; the BlastRADIUS fix). Turn off only for a NAS that cannot send one. */
    requireMessageAuthenticator: z.boolean().default(true),
  })
  .strict();
export type AddRadiusClientInput = z.input<typeof AddRadiusClientInput>;

export const UpdateRadiusClientInput = z
  .object({
    id: Id,
    name: cleanText(64, 'Name').optional(),
    address: RadiusAddress.optional(),
    /** A new secret; left out keeps the stored one. */
    secret: RadiusSecret.optional(),
    mode: RadiusMode.optional(),
    requireMessageAuthenticator: z.boolean().optional(),
  })
  .strict();
export type UpdateRadiusClientInput = z.input<typeof UpdateRadiusClientInput>;

/** A RADIUS client as the console and CLI see it: never the secret. */
export const RadiusClientView = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  mode: RadiusMode,
  requireMessageAuthenticator: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RadiusClientView = z.infer<typeof RadiusClientView>;
