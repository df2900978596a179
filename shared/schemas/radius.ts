import { z } from 'zod';
import { cleanText, Id } from './text';

/**
 * RADIUS clients (NAS: a VPN, a firewall, a Wi-Fi controller) an admin lets
 * ask Tessera, and how each signs users in: 'code' (User-Password is the
 * one-time code), 'password_code' (the directory password, then the code:
 * appended in the same field or asked for by Access-Challenge), 'challenge'
 * (Access-Challenge asks for the code).
 */
export const RadiusMode = z.enum(['code', 'password_code', 'challenge'], { error: 'Mode must be "code", "password_code" or "challenge"' });
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

/** Packets the RADIUS server dropped or answered since it started (in memory: a restart sets them to 0). */
export const RadiusCountersView = z.object({
  received: z.number(),
  accepted: z.number(),
  rejected: z.number(),
  challenged: z.number(),
  duplicates: z.number(),
  droppedUnknownSource: z.number(),
  droppedMalformed: z.number(),
  droppedMissingAuthenticator: z.number(),
  droppedBadAuthenticator: z.number(),
  droppedUnsupported: z.number(),
  errors: z.number(),
});
export type RadiusCountersView = z.infer<typeof RadiusCountersView>;

/** Whether this server listens for RADIUS, where, what it dropped, and each client's last request (ISO, since the start). */
export const RadiusStatusView = z.object({
  listening: z.boolean(),
  host: z.string().nullable(),
  port: z.number().nullable(),
  since: z.string().nullable(),
  counters: RadiusCountersView.nullable(),
  lastRequestAt: z.record(z.string(), z.string()),
});
export type RadiusStatusView = z.infer<typeof RadiusStatusView>;
