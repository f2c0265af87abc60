package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kith/federation"
	"kith/server/servertest"
	"kith/store"
)

// quotedBlock finds the quoted post shown inside an article.
var quotedBlock = regexp.MustCompile(`(?s)<blockquote class="status-quote"[^>]*>.*?</blockquote>`)

// Quotes on the web, without JavaScript: an allowed quote shows the quoted
// post inside the quoting one, one level deep; a quote its author did not
// allow shows as a link; visitors see no embedded followers-only post; the
// Quote button leads to a compose form that posts the quote.
func TestWebQuotes(t *testing.T) {
	o := newWebOwner(t)
	ctx := context.Background()
	mine, err := o.Srv.Fed.Post(ctx, federation.NewPost{Text: "the **original**"})
	if err != nil {
		t.Fatal(err)
	}
	bob := servertest.AddRemoteActor(t, o.Instance, "bob", "bob.test")
	allowed := servertest.AddRemotePost(t, o.Instance, store.Post{URI: "https://bob.test/p/1", AuthorID: bob.ID, Content: "<p>bob agrees</p>",
		Quote: &store.Quote{QuotedURI: mine.URI, QuotedID: mine.ID, State: store.QuoteAccepted}})
	sneaky := servertest.AddRemotePost(t, o.Instance, store.Post{URI: "https://bob.test/p/2", AuthorID: bob.ID, Content: "<p>bob sneaks</p>",
		Quote: &store.Quote{QuotedURI: mine.URI, QuotedID: mine.ID, State: store.QuoteUnauthorized}})
	secret := servertest.AddRemotePost(t, o.Instance, store.Post{URI: "https://bob.test/p/3", AuthorID: bob.ID, Content: "<p>for followers</p>",
		Visibility: store.Private})

	_, page := o.get(t, "/thread/"+strconv.FormatInt(allowed.ID, 10))
	block := quotedBlock.FindString(page)
	if !strings.Contains(block, "<strong>original</strong>") {
		t.Errorf("thread of an allowed quote: quoted block %q, want the original inside", block)
	}
	if strings.Contains(block, `name="action"`) || strings.Contains(block, "status-quote\"") && strings.Count(block, "<blockquote") > 1 {
		t.Errorf("the quoted post shows buttons or its own quote: %s", block)
	}
	_, page = o.get(t, "/thread/"+strconv.FormatInt(sneaky.ID, 10))
	if quotedBlock.MatchString(page) || !strings.Contains(page, `Quoting <a href="`+mine.URI+`"`) || !strings.Contains(page, "not allowed by its author") {
		t.Errorf("an unauthorized quote is not a plain link:\n%s", quotedBlock.FindString(page))
	}

	// The Quote button, the form, and the post it makes.
	_, page = o.get(t, "/thread/"+strconv.FormatInt(mine.ID, 10))
	if !strings.Contains(page, `href="/compose?quote=`+strconv.FormatInt(mine.ID, 10)+`"`) {
		t.Fatalf("no Quote button on the owner's post")
	}
	_, page = o.get(t, "/compose?quote="+strconv.FormatInt(mine.ID, 10))
	if !strings.Contains(page, `name="quoted_status_id" value="`+strconv.FormatInt(mine.ID, 10)+`"`) || !strings.Contains(page, `aria-label="Quoting"`) {
		t.Fatalf("compose form for a quote lacks the quoted post")
	}
	resp, _ := o.post(t, "/compose", url.Values{"status": {"quoting myself"}, "quoted_status_id": {strconv.FormatInt(mine.ID, 10)},
		"quote_approval_policy": {"followers"}, "visibility": {"public"}, "language": {""}, "action": {"publish"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publishing the quote: %d", resp.StatusCode)
	}
	posts, err := o.DB.QuotingPosts(ctx, mine.ID, 0, 1) // newest first: the owner's quote
	if err != nil || len(posts) != 1 || !posts[0].Local || posts[0].QuotePolicy != store.QuoteFollowers {
		t.Fatalf("the posted quote: %+v (%v)", posts, err)
	}

	// A visitor sees the owner's quote of a public post embedded, and of
	// a followers-only post only as a link.
	ownQuote, err := o.Srv.Fed.Post(ctx, federation.NewPost{Text: "quoting a secret"})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutQuote(ctx, ownQuote.ID, store.Quote{QuotedURI: secret.URI, QuotedID: secret.ID, State: store.QuoteAccepted})
	}); err != nil {
		t.Fatal(err)
	}
	visitor := o.Browser(t)
	_, page = servertest.Get(t, visitor, o.HTTP.URL+"/@admin/"+strconv.FormatInt(ownQuote.ID, 10))
	if strings.Contains(page, "for followers") || quotedBlock.MatchString(page) {
		t.Errorf("a visitor sees a followers-only quoted post")
	}
	_, page = servertest.Get(t, visitor, o.HTTP.URL+"/@admin/"+strconv.FormatInt(posts[0].ID, 10))
	if !strings.Contains(quotedBlock.FindString(page), "<strong>original</strong>") {
		t.Errorf("a visitor does not see the quoted public post")
	}
	if strings.Contains(page, "/compose?quote=") {
		t.Errorf("a visitor sees the Quote button")
	}
}
