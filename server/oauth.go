package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"kith/store"
)

// OAuth 2 as Mastodon serves it. Apps register at POST /api/v1/apps, the
// owner approves them at /oauth/authorize, and they exchange the code (or
// the owner's password, or their own credentials) at /oauth/token for a
// bearer token. API routes check that token with apiAuth and requireScope.

const (
	// oobRedirectURI asks for the code to be shown to copy, not sent.
	oobRedirectURI = "urn:ietf:wg:oauth:2.0:oob"
	// codeLifetime is how long an authorization code can be exchanged.
	codeLifetime = 10 * time.Minute
	// App registrations per address: apps like Elk register one per
	// sign-in, so this only stops floods.
	appsBurst  = 30
	appsRefill = time.Minute
	// Note: Mastodon limits application names to 60 characters and URIs
	// to 2000.
	maxAppName     = 60
	maxURILen      = 2000
	maxRedirectURI = 10
)

const tokenKey ctxKey = 200

// invalidToken marks a request that presented a token kith does not know.
var invalidToken = &store.OAuthToken{}

// apiAuth reads the request's access token (Authorization: Bearer, or an
// access_token parameter as streaming clients send it) and puts its grant
// in the context. It refuses nothing itself: public endpoints work without
// a token, and requireScope answers for the protected ones.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearerToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		t, err := s.db.OAuthTokenByToken(r.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, invalidToken)))
			return
		}
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if s.opts.Now().Sub(t.LastUsedAt) > touchEvery {
			err := s.db.InTx(r.Context(), func(tx *store.Tx) error { return tx.TouchOAuthToken(r.Context(), t.TokenHash) })
			if err != nil {
				s.logger.Warn("touch token failed", "err", err)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, &t)))
	})
}

// bearerToken finds the access token: the Authorization header, else an
// access_token query or form parameter.
func bearerToken(r *http.Request) string {
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

// apiToken is the request's valid token grant, nil without one.
func apiToken(r *http.Request) *store.OAuthToken {
	t, _ := r.Context().Value(tokenKey).(*store.OAuthToken)
	if t == invalidToken {
		return nil
	}
	return t
}

// isOwnerToken says whether the request carries a token that acts as the
// owner; app-only (client_credentials) tokens do not.
func isOwnerToken(r *http.Request) bool {
	t := apiToken(r)
	return t != nil && !t.AppOnly
}

// requireScope lets through requests whose token acts as the owner and
// holds one of scopes (any of them; none means any owner token). It
// answers 401 without a valid token, 403 when the scope is missing, and
// 422 for an app-only token, which may never act as the owner.
//
// Use it for everything that reads or changes the owner's data; for the
// few endpoints an app token may call (public data), use requireToken.
func (s *Server) requireScope(scopes ...string) func(http.Handler) http.Handler {
	return s.checkToken(true, scopes)
}

// requireToken is requireScope that also admits app-only tokens.
func (s *Server) requireToken(scopes ...string) func(http.Handler) http.Handler {
	return s.checkToken(false, scopes)
}

func (s *Server) checkToken(ownerOnly bool, scopes []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := apiToken(r)
			switch {
			case t == nil:
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				apiError(w, http.StatusUnauthorized, "The access token is invalid")
			case len(scopes) > 0 && !anyScopeAllowed(t.Scopes, scopes):
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)
				apiError(w, http.StatusForbidden, "This action is outside the authorized scopes")
			case ownerOnly && t.AppOnly:
				// Note: Mastodon answers 422 with this message when an app
				// token calls an endpoint that needs a user.
				apiError(w, http.StatusUnprocessableEntity, "This method requires an authenticated user")
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

func anyScopeAllowed(granted string, scopes []string) bool {
	for _, sc := range scopes {
		if scopesAllow(granted, sc) {
			return true
		}
	}
	return false
}

// oauthCORS lets browser apps (Phanpy, Elk in the browser) register and
// exchange tokens from their own origin. Nothing here rides on cookies,
// so any origin may call; preflight requests are answered here.
func oauthCORS(next http.Handler) http.Handler {
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
