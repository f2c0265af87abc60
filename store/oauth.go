package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// OAuthApp is a registered client application.
type OAuthApp struct {
	ID           int64
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       string
	ClientID     string
	ClientSecret string
	CreatedAt    time.Time
}

// OAuthCode is a pending authorization code.
type OAuthCode struct {
	AppID         int64
	RedirectURI   string
	Scopes        string
	CodeChallenge string // PKCE S256 challenge, "" without PKCE
	ExpiresAt     time.Time
}

// OAuthToken is an access token's grant (the token itself is not stored).
type OAuthToken struct {
	TokenHash  []byte
	AppID      int64
	Scopes     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	// AppOnly marks a client_credentials token: it acts for the
	// application, never as the owner.
	AppOnly bool
}

// CreateOAuthApp registers an application and returns its id.
func (tx *Tx) CreateOAuthApp(ctx context.Context, a OAuthApp) (int64, error) {
	res, err := tx.exec(ctx, `INSERT INTO oauth_apps (name, website, redirect_uris, scopes, client_id, client_secret, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.Name, a.Website, strings.Join(a.RedirectURIs, "\n"), a.Scopes, a.ClientID, a.ClientSecret, unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("create app: %w", err)
	}
	return res.LastInsertId()
}

const appColumns = `id, name, website, redirect_uris, scopes, client_id, client_secret, created_at`

func scanApp(row interface{ Scan(...any) error }) (OAuthApp, error) {
	var a OAuthApp
	var uris string
	var created int64
	err := row.Scan(&a.ID, &a.Name, &a.Website, &uris, &a.Scopes, &a.ClientID, &a.ClientSecret, &created)
	if uris != "" {
		a.RedirectURIs = strings.Split(uris, "\n")
	}
	a.CreatedAt = fromMilli(created)
	return a, err
}

// OAuthAppByClientID finds an application by its client id.
func (db *DB) OAuthAppByClientID(ctx context.Context, clientID string) (OAuthApp, error) {
	a, err := scanApp(db.read.QueryRowContext(ctx, `SELECT `+appColumns+` FROM oauth_apps WHERE client_id = ?`, clientID))
	if err != nil {
		return OAuthApp{}, notFound(err, "application")
	}
	return a, nil
}

// OAuthAppByID finds an application by id.
func (db *DB) OAuthAppByID(ctx context.Context, id int64) (OAuthApp, error) {
	a, err := scanApp(db.read.QueryRowContext(ctx, `SELECT `+appColumns+` FROM oauth_apps WHERE id = ?`, id))
	if err != nil {
		return OAuthApp{}, notFound(err, "application")
	}
	return a, nil
}

// OAuthAppUse is an application with what its tokens say of its use.
type OAuthAppUse struct {
	OAuthApp
	Tokens     int
	LastUsedAt time.Time // zero when no token was ever used
}

// OAuthApps lists applications that hold at least one token, newest first,
// with their tokens counted.
func (db *DB) OAuthApps(ctx context.Context) ([]OAuthAppUse, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT a.id, a.name, a.website, a.redirect_uris, a.scopes, a.client_id, a.client_secret, a.created_at,
			COUNT(*), MAX(t.last_used_at)
		FROM oauth_apps a JOIN oauth_tokens t ON t.app_id = a.id
		GROUP BY a.id ORDER BY a.created_at DESC, a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("oauth apps: %w", err)
	}
	defer rows.Close()
	var out []OAuthAppUse
	for rows.Next() {
		var u OAuthAppUse
		var uris string
		var created, used int64
		if err := rows.Scan(&u.ID, &u.Name, &u.Website, &uris, &u.Scopes, &u.ClientID, &u.ClientSecret, &created, &u.Tokens, &used); err != nil {
			return nil, err
		}
		if uris != "" {
			u.RedirectURIs = strings.Split(uris, "\n")
		}
		u.CreatedAt, u.LastUsedAt = fromMilli(created), fromMilliOrZero(used)
		out = append(out, u)
	}
	return out, rows.Err()
}

// DeleteOAuthApp removes an application and every token it holds, and
// returns the tokens' hashes.
func (tx *Tx) DeleteOAuthApp(ctx context.Context, id int64) ([][]byte, error) {
	hashes, err := tx.DeleteOAuthTokensOfApp(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM oauth_apps WHERE id = ?`, id); err != nil {
		return nil, fmt.Errorf("delete app: %w", err)
	}
	return hashes, nil
}

// DeleteOAuthTokensOfApp revokes every token an application holds,
// keeping the application, and returns the tokens' hashes.
func (tx *Tx) DeleteOAuthTokensOfApp(ctx context.Context, appID int64) ([][]byte, error) {
	hashes, err := tx.deleteHashes(ctx, `DELETE FROM oauth_tokens WHERE app_id = ? RETURNING token_hash`, appID)
	if err != nil {
		return nil, fmt.Errorf("revoke tokens of app: %w", err)
	}
	return hashes, nil
}

// CreateOAuthCode stores an authorization code (hashed).
func (tx *Tx) CreateOAuthCode(ctx context.Context, code string, c OAuthCode) error {
	_, err := tx.exec(ctx, `INSERT INTO oauth_codes (code_hash, app_id, redirect_uri, scopes, code_challenge, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, HashSessionToken(code), c.AppID, c.RedirectURI, c.Scopes, c.CodeChallenge, unixMilli(c.ExpiresAt))
	return err
}

// DeleteExpiredOAuthCodes forgets codes nobody exchanged in time.
func (tx *Tx) DeleteExpiredOAuthCodes(ctx context.Context) error {
	_, err := tx.exec(ctx, `DELETE FROM oauth_codes WHERE expires_at <= ?`, unixMilli(tx.now))
	return err
}

// TakeOAuthCode returns and deletes an unexpired code: a code works once.
func (tx *Tx) TakeOAuthCode(ctx context.Context, code string) (OAuthCode, error) {
	var c OAuthCode
	var expires int64
	err := tx.queryRow(ctx, `DELETE FROM oauth_codes WHERE code_hash = ? RETURNING app_id, redirect_uri, scopes, code_challenge, expires_at`,
		HashSessionToken(code)).Scan(&c.AppID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &expires)
	if err != nil {
		return OAuthCode{}, notFound(err, "authorization code")
	}
	c.ExpiresAt = fromMilli(expires)
	if !tx.now.Before(c.ExpiresAt) {
		return OAuthCode{}, fmt.Errorf("authorization code expired: %w", ErrNotFound)
	}
	return c, nil
}

// CreateOAuthToken stores an access token (hashed) that acts as the owner.
func (tx *Tx) CreateOAuthToken(ctx context.Context, token string, appID int64, scopes string) error {
	return tx.createOAuthToken(ctx, token, appID, scopes, false)
}

// CreateOAuthAppToken stores an app-only access token (hashed): it acts
// for the application, never as the owner.
func (tx *Tx) CreateOAuthAppToken(ctx context.Context, token string, appID int64, scopes string) error {
	return tx.createOAuthToken(ctx, token, appID, scopes, true)
}

func (tx *Tx) createOAuthToken(ctx context.Context, token string, appID int64, scopes string, appOnly bool) error {
	_, err := tx.exec(ctx, `INSERT INTO oauth_tokens (token_hash, app_id, scopes, created_at, app_only) VALUES (?, ?, ?, ?, ?)`,
		HashSessionToken(token), appID, scopes, unixMilli(tx.now), appOnly)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// OAuthTokenByToken looks up a token's grant.
func (db *DB) OAuthTokenByToken(ctx context.Context, token string) (OAuthToken, error) {
	var t OAuthToken
	var created, used int64
	err := db.read.QueryRowContext(ctx, `SELECT token_hash, app_id, scopes, created_at, last_used_at, app_only FROM oauth_tokens WHERE token_hash = ?`,
		HashSessionToken(token)).Scan(&t.TokenHash, &t.AppID, &t.Scopes, &created, &used, &t.AppOnly)
	if err != nil {
		return OAuthToken{}, notFound(err, "access token")
	}
	t.CreatedAt, t.LastUsedAt = fromMilli(created), fromMilliOrZero(used)
	return t, nil
}

// TouchOAuthToken records that a token was used.
func (tx *Tx) TouchOAuthToken(ctx context.Context, tokenHash []byte) error {
	_, err := tx.exec(ctx, `UPDATE oauth_tokens SET last_used_at = ? WHERE token_hash = ?`, unixMilli(tx.now), tokenHash)
	return err
}

// RevokeOAuthToken deletes a token; it reports whether there was one.
func (tx *Tx) RevokeOAuthToken(ctx context.Context, token string) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM oauth_tokens WHERE token_hash = ?`, HashSessionToken(token))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
