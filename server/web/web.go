// Package web is kith's HTML side: the public pages and feeds, sign-in,
// the owner's timelines, compose form and settings.
package web

import "kith/server/core"

// Web answers the HTML pages.
type Web struct {
	*core.Env
}

// New builds the page handlers over env.
func New(env *core.Env) *Web { return &Web{Env: env} }
