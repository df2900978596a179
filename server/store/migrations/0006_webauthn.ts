/**
 * WebAuthn security keys and passkeys.
 *
 * webauthn_rp: an application's relying party (one per API key): RP ID,
 * name, allowed origins, whether user verification is required, and an
 * optional allow list of authenticator models (AAGUIDs).
 *
 * webauthn_credentials: a registered credential, for a user (beside their
 * factor row, removed with it) or an operator (their own key for the console).
 * Only public data: the credential id, the public key (COSE), the signature
 * counter. A credential flagged as a possible clone stays refused until removed.
 *
 * webauthn_challenges: issued challenges, single use (deleted when used),
 * expiring after 5 minutes, bound to their purpose, RP, application or
 * operator, and user.
 */
export const sql = `
CREATE TABLE webauthn_rp (
  api_key_id    TEXT PRIMARY KEY REFERENCES api_keys(id) ON DELETE CASCADE,
  rp_id         TEXT NOT NULL,
  rp_name       TEXT NOT NULL,
  origins       TEXT NOT NULL,
  require_uv    INTEGER NOT NULL CHECK (require_uv IN (0, 1)),
  aaguids       TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE webauthn_credentials (
  id             TEXT PRIMARY KEY,
  factor_id      TEXT UNIQUE REFERENCES factors(id) ON DELETE CASCADE,
  operator_id    TEXT REFERENCES operators(id) ON DELETE CASCADE,
  rp_id          TEXT NOT NULL,
  credential_id  BLOB NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 1 AND 1023),
  public_key     BLOB NOT NULL,
  counter        INTEGER NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports     TEXT NOT NULL DEFAULT '[]',
  aaguid         TEXT NOT NULL,
  backed_up      INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
  device_type    TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  label          TEXT,
  created_at     INTEGER NOT NULL,
  last_used_at   INTEGER,
  flagged_at     INTEGER,
  flag_reason    TEXT,
  CHECK ((factor_id IS NULL) <> (operator_id IS NULL))
) STRICT;
CREATE INDEX webauthn_credentials_by_operator ON webauthn_credentials(operator_id) WHERE operator_id IS NOT NULL;

CREATE TABLE webauthn_challenges (
  challenge     TEXT PRIMARY KEY,
  purpose       TEXT NOT NULL CHECK (purpose IN ('register', 'authenticate')),
  rp_id         TEXT NOT NULL,
  api_key_id    TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
  operator_id   TEXT REFERENCES operators(id) ON DELETE CASCADE,
  user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  CHECK ((api_key_id IS NULL) <> (operator_id IS NULL))
) STRICT;
CREATE INDEX webauthn_challenges_by_expiry ON webauthn_challenges(expires_at);
CREATE INDEX webauthn_challenges_by_api_key ON webauthn_challenges(api_key_id, expires_at) WHERE api_key_id IS NOT NULL;
CREATE INDEX webauthn_challenges_by_operator ON webauthn_challenges(operator_id) WHERE operator_id IS NOT NULL;
`;
