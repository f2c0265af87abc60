package core

import "sync"

// Stylesheet is the compiled theme with its fingerprint, swapped whole on
// reload so a request never sees the CSS of one and the URL of another.
type Stylesheet struct {
	CSS  []byte
	Hash string // first 12 hex digits of the CSS's SHA-256
	// Coded holds the CSS compressed in each content coding a client
	// asked for (name → []byte), made once per stylesheet: it is sent
	// with every page view of a new visitor.
	Coded sync.Map
}

// URL is where pages link the stylesheet. It changes with the content,
// so browsers may cache each version forever.
func (st *Stylesheet) URL() string { return "/static/theme-" + st.Hash + ".css" }
