-- App-only tokens, from the client_credentials grant: they speak for an
-- application, never for the owner.
ALTER TABLE oauth_tokens ADD COLUMN app_only INTEGER NOT NULL DEFAULT 0;
