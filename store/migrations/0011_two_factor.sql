-- Two-factor sign-in: the owner's authenticator app (TOTP), recovery codes
-- and passkeys, and sign-ins waiting for their next step.

-- The TOTP secret (RFC 6238, base32), one row while it is on. last_step is
-- the 30-second step of the last code accepted: a code of that step or an
-- earlier one is refused, so a code seen over a shoulder cannot be used
-- again.
CREATE TABLE totp (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    secret     TEXT    NOT NULL,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- Recovery codes, each usable once: only their SHA-256 hashes are kept
-- (the codes are random, about 60 bits each), and a used code's row goes.
CREATE TABLE recovery_codes (
    code_hash  BLOB    PRIMARY KEY,
    created_at INTEGER NOT NULL
) STRICT;

-- Passkeys (WebAuthn credentials). record is the credential record as
-- go-webauthn keeps it (public key, flags, sign count, attestation), JSON;
-- credential_id and rp_id are columns so a sign-in finds its key.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    credential_id BLOB    NOT NULL UNIQUE,
    rp_id         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    record        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Sign-ins and set-ups in progress, found by the hash of a short-lived
-- cookie: 'second_factor' after a correct password, 'passkey_login' for a
-- sign-in with a passkey alone, 'passkey_register' while the owner adds a
-- passkey, 'totp_setup' while the owner sets up an authenticator app. data
-- is what the next request needs: WebAuthn's session data (the challenge)
-- between a ceremony's begin and finish, or the TOTP secret being set up.
CREATE TABLE auth_challenges (
    token_hash BLOB    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('second_factor', 'passkey_login', 'passkey_register', 'totp_setup')),
    next       TEXT    NOT NULL DEFAULT '/',
    data       TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
) STRICT;
