package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// clientQuote is a status as the quote scripts report it.
type clientQuote struct {
	ID            string
	Content       string
	QuotesCount   *int `json:"quotes_count"`
	QuoteApproval *struct {
		Automatic   []string
		CurrentUser string `json:"current_user"`
	} `json:"quote_approval"`
	QuoteState *string `json:"quote_state"`
	QuotedID   *string `json:"quoted_id"`
}

// checkClientQuote checks a quote a client made of orig.
func checkClientQuote(t *testing.T, s steps, name string, orig clientQuote) (clientQuote, bool) {
	t.Helper()
	var q clientQuote
	if !s.get(t, name, &q) {
		return q, false
	}
	if q.QuoteState == nil || *q.QuoteState != "accepted" || q.QuotedID == nil || *q.QuotedID != orig.ID {
		t.Errorf("%s: quote state %v of %v, want accepted of %s", name, q.QuoteState, q.QuotedID, orig.ID)
	}
	return q, true
}

func TestClientsQuotes(t *testing.T) {
	t.Run("Mastodon.py", testMastodonPyQuotes)
	t.Run("masto.js", testMastoJSQuotes)
}

// testMastodonPyQuotes: Mastodon.py quotes with quote_id (its Fedibird
// feature set) and quoted_status_id, and reads status.quote and
// quotes_count back.
func testMastodonPyQuotes(t *testing.T) {
	needTool(t, "/usr/lib/python3/dist-packages/mastodon/Mastodon.py")
	dir, base := serveForClient(t)
	r := kith(t, dir, "", "token", "create", "--scopes", "read write", "--name", "Mastodon.py")
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	out := runClient(t, nil, "", "/usr/bin/python3", "mastodonpy_quotes.py", base, strings.TrimSpace(r.stdout))
	s := parseSteps(t, out)
	var orig clientQuote
	if !s.get(t, "original", &orig) {
		t.Fatalf("Mastodon.py output:\n%s", out)
	}
	if orig.QuoteState != nil || orig.QuotesCount == nil || *orig.QuotesCount != 0 || orig.QuoteApproval == nil ||
		!slices.Equal(orig.QuoteApproval.Automatic, []string{"public"}) {
		t.Errorf("a new status: %+v, want no quote, quotes_count 0, quote_approval automatic [public]", orig)
	}
	a, ok1 := checkClientQuote(t, s, "quote_id", orig)
	b, ok2 := checkClientQuote(t, s, "quoted_status_id", orig)
	if ok2 && (b.QuoteApproval == nil || len(b.QuoteApproval.Automatic) != 0) {
		t.Errorf("quote_approval_policy nobody: quote_approval %+v, want automatic []", b.QuoteApproval)
	}
	var read clientQuote
	if s.get(t, "read", &read) && (read.QuotesCount == nil || *read.QuotesCount != 2) {
		t.Errorf("the quoted status read back: quotes_count %v, want 2", read.QuotesCount)
	}
	var quotes []string
	if s.get(t, "quotes", &quotes) && ok1 && ok2 && !slices.Equal(quotes, []string{b.ID, a.ID}) {
		t.Errorf("GET quotes = %v, want [%s %s]", quotes, b.ID, a.ID)
	}
}

// testMastoJSQuotes: masto.js, which knows Mastodon 4.5's quotes, creates
// one with quotedStatusId and quoteApprovalPolicy and reads quote,
// quotesCount, quoteApproval and the quotes list.
func testMastoJSQuotes(t *testing.T) {
	cdir := clientsDir(t)
	needTool(t, filepath.Join(cdir, "node_modules", "masto", "package.json"))
	dir, base := serveForClient(t)
	r := kith(t, dir, "", "token", "create", "--scopes", "read write", "--name", "masto.js")
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	out := runClient(t, nil, "", "node", "--no-warnings", "masto_quotes.mjs", base, strings.TrimSpace(r.stdout))
	s := parseSteps(t, out)
	var orig clientQuote
	if !s.get(t, "original", &orig) {
		t.Fatalf("masto.js output:\n%s", out)
	}
	q, ok := checkClientQuote(t, s, "quoted_status_id", orig)
	if ok && (q.QuoteApproval == nil || !slices.Equal(q.QuoteApproval.Automatic, []string{"followers"}) || q.QuoteApproval.CurrentUser != "automatic") {
		t.Errorf("quoteApprovalPolicy followers: quoteApproval %+v", q.QuoteApproval)
	}
	var read clientQuote
	if s.get(t, "read", &read) && (read.QuotesCount == nil || *read.QuotesCount != 1) {
		t.Errorf("the quoted status read back: quotesCount %v, want 1", read.QuotesCount)
	}
	var quotes []string
	if s.get(t, "quotes", &quotes) && ok && !slices.Equal(quotes, []string{q.ID}) {
		t.Errorf("quotes.list = %v, want [%s]", quotes, q.ID)
	}
}
