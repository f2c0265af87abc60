package core

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"kith/store"
)

const (
	// oobRedirectURI asks for the code to be shown to copy, not sent.
	OobRedirectURI = "urn:ietf:wg:oauth:2.0:oob"
	// codeLifetime is how long an authorization code can be exchanged.
	CodeLifetime = 10 * time.Minute
	// App registrations per address: apps like Elk register one per
	// sign-in, so this only stops floods.
	AppsBurst  = 30
	AppsRefill = time.Minute
	// Note: Mastodon limits application names to 60 characters and URIs
	// to 2000.
	MaxAppName     = 60
	MaxURILen      = 2000
	MaxRedirectURI = 10
)

const tokenKey ctxKey = 200

// invalidToken marks a request that presented a token kith does not know.
var invalidToken = &store.OAuthToken{}

// APIAuth reads the request's access token (Authorization: Bearer, or an
// access_token parameter as streaming clients send it) and puts its grant
// in the context. It refuses nothing itself: public endpoints work without
// a token, and RequireScope answers for the protected ones.
func (s *Env) APIAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := BearerToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		t, err := s.DB.OAuthTokenByToken(r.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, invalidToken)))
			return
		}
		if err != nil {
			s.APIFail(w, r, err)
			return
		}
		if s.Opts.Now().Sub(t.LastUsedAt) > TouchEvery {
			err := s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.TouchOAuthToken(r.Context(), t.TokenHash) })
			if err != nil {
				s.Logger.Warn("touch token failed", "err", err)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, &t)))
	})
}

// BearerToken finds the access token: the Authorization header, else an
// access_token query or form parameter.
func BearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return r.PostFormValue("access_token")
	}
	return ""
}

// APIToken is the request's valid token grant, nil without one.
func APIToken(r *http.Request) *store.OAuthToken {
	t, _ := r.Context().Value(tokenKey).(*store.OAuthToken)
	if t == invalidToken {
		return nil
	}
	return t
}

// IsOwnerToken says whether the request carries a token that acts as the
// owner; app-only (client_credentials) tokens do not.
func IsOwnerToken(r *http.Request) bool {
	t := APIToken(r)
	return t != nil && !t.AppOnly
}

// RequireScope lets through requests whose token acts as the owner and
// holds one of scopes (any of them; none means any owner token). It
// answers 401 without a valid token, 403 when the scope is missing, and
// 422 for an app-only token, which may never act as the owner.
//
// Use it for everything that reads or changes the owner's data; for the
// few endpoints an app token may call (public data), use RequireToken.
func (s *Env) RequireScope(scopes ...string) func(http.Handler) http.Handler {
	return s.checkToken(true, scopes)
}

// RequireToken is RequireScope that also admits app-only tokens.
func (s *Env) RequireToken(scopes ...string) func(http.Handler) http.Handler {
	return s.checkToken(false, scopes)
}

func (s *Env) checkToken(ownerOnly bool, scopes []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := APIToken(r)
			switch {
			case t == nil:
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				APIError(w, http.StatusUnauthorized, "The access token is invalid")
			case len(scopes) > 0 && !AnyScopeAllowed(t.Scopes, scopes):
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)
				APIError(w, http.StatusForbidden, "This action is outside the authorized scopes")
			case ownerOnly && t.AppOnly:
				// Note: Mastodon answers 422 with this message when an app
				// token calls an endpoint that needs a user.
				APIError(w, http.StatusUnprocessableEntity, "This method requires an authenticated user")
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// AnyScopeAllowed reports whether granted covers one of scopes.
func AnyScopeAllowed(granted string, scopes []string) bool {
	for _, sc := range scopes {
		if ScopesAllow(granted, sc) {
			return true
		}
	}
	return false
}

// OAuthCORS lets browser apps (Phanpy, Elk in the browser) register and
// exchange tokens from their own origin. Nothing here rides on cookies,
// so any origin may call; preflight requests are answered here.
func OAuthCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
