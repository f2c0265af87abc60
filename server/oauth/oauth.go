// Package oauth is the OAuth 2 side of the client API: app registration,
// the consent page, tokens and the owner's list of applications.
package oauth

import "kith/server/core"

// OAuth answers app registration, authorization and tokens.
type OAuth struct {
	*core.Env
}

// New builds the OAuth handlers over env.
func New(env *core.Env) *OAuth { return &OAuth{Env: env} }
