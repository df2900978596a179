/**
 * Issue 16: RADIUS clients (NAS) allowed to send Access-Requests.
 *
 * address: an IP or CIDR block (IPv4 or IPv6); a request is matched to the
 * most specific block holding its source address. The shared secret is sealed
 * under a data key like a seed (the client id as associated data), never
 * stored in the clear. Challenge states are not here: they live 60 s in the
 * RADIUS server's memory (a restart only makes a user type the code again).
 */
export const sql = `
CREATE TABLE radius_clients (
  id                      TEXT PRIMARY KEY,
  name                    TEXT NOT NULL UNIQUE COLLATE NOCASE,
  address                 TEXT NOT NULL,
  secret_sealed           BLOB NOT NULL,
  key_version             INTEGER NOT NULL,
  mode                    TEXT NOT NULL CHECK (mode IN ('code', 'challenge', 'password_code')),
  require_message_auth    INTEGER NOT NULL DEFAULT 1 CHECK (require_message_auth IN (0, 1)),
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL
) STRICT;
`;
