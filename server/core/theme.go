package core

// Stylesheet is the compiled theme with its fingerprint, swapped whole on
// reload so a request never sees the CSS of one and the URL of another.
type Stylesheet struct {
	CSS  []byte
	Hash string // first 12 hex digits of the CSS's SHA-256
}

// URL is where pages link the stylesheet. It changes with the content,
// so browsers may cache each version forever.
func (st *Stylesheet) URL() string { return "/static/theme-" + st.Hash + ".css" }
