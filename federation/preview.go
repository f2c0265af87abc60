package federation

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Preview renders the owner's text, written as sourceType (store.TextPlain
// or store.TextMarkdown), as a post would show it, with its mentions
// resolved (which may fetch the mentioned accounts), without storing or
// sending anything. The HTML is sanitized.
func (f *Federation) Preview(ctx context.Context, text, sourceType string) (string, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n > maxPostChars {
		return "", fmt.Errorf("%w: the post has %d characters, more than %d", ErrInvalid, n, maxPostChars)
	}
	r, err := f.render(ctx, text, sourceType)
	if err != nil {
		return "", err
	}
	return r.HTML, nil
}
