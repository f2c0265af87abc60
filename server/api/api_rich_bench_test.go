package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"kith/server/servertest"
)

// BenchmarkAPIHomeTimelineRich is BenchmarkAPIHomeTimeline over posts as
// real ones are (servertest.FillRichHome): preview cards with images,
// quotes with the quoted status embedded, remote custom emoji in texts and
// names, the owner's emoji. Issue 12's target is p50 ≤ 6 ms with 100k
// posts stored. The first page is checked to carry them. Run it with
// go test -run '^$' -bench APIHomeTimelineRich -count 6 ./server/api
func BenchmarkAPIHomeTimelineRich(b *testing.B) {
	in := servertest.NewBenchInstance(b)
	servertest.FillRichHome(b, in, *servertest.HomePosts)
	get := homeTimelineGetter(b, in)
	first := get()
	checkRichTimeline(b, in.Srv.Config().Server.URL, first)
	servertest.Measure(b, in.DB, func() { get() })
	b.ReportMetric(float64(len(first))/1024, "json-KB")
}

// richStatus is what checkRichTimeline reads of a status.
type richStatus struct {
	ID      string `json:"id"`
	Content string `json:"content"`
	Account struct {
		DisplayName string      `json:"display_name"`
		Emojis      []richEmoji `json:"emojis"`
	} `json:"account"`
	Emojis []richEmoji `json:"emojis"`
	Card   *struct {
		Title   string `json:"title"`
		Image   string `json:"image"`
		Authors []struct {
			Account *struct {
				Acct string `json:"acct"`
			} `json:"account"`
		} `json:"authors"`
	} `json:"card"`
	Quote *struct {
		State        string      `json:"state"`
		QuotedStatus *richStatus `json:"quoted_status"`
	} `json:"quote"`
	Reblog *richStatus `json:"reblog"`
}

type richEmoji struct {
	Shortcode string `json:"shortcode"`
	URL       string `json:"url"`
}

// checkRichTimeline checks that the page has 40 statuses and that many
// carry cards (with kith's copy of their image, some naming their
// author's account), quotes with the quoted status, and custom emoji, the
// remote ones from kith's media cache.
func checkRichTimeline(b *testing.B, base string, body []byte) {
	b.Helper()
	var page []richStatus
	if err := json.Unmarshal(body, &page); err != nil || len(page) != 40 {
		b.Fatalf("first page: %d statuses, %v; want 40", len(page), err)
	}
	var cards, cardAuthors, quotes, emojis, nameEmojis, ownEmojis int
	for _, st := range page {
		if st.Reblog != nil {
			st = *st.Reblog
		}
		if c := st.Card; c != nil {
			if !strings.HasPrefix(c.Title, servertest.RichCardTitle) || !strings.HasPrefix(c.Image, base+"/media/remote/") {
				b.Errorf("status %s: card %q with image %q, want one of the fill's from the media cache", st.ID, c.Title, c.Image)
			}
			cards++
			if len(c.Authors) == 1 && c.Authors[0].Account != nil {
				cardAuthors++
			}
		}
		if q := st.Quote; q != nil && q.State == "accepted" {
			if q.QuotedStatus == nil || q.QuotedStatus.ID == "" || q.QuotedStatus.Content == "" {
				b.Errorf("status %s: accepted quote without its quoted status", st.ID)
			}
			quotes++
		}
		for _, e := range append(st.Emojis, st.Account.Emojis...) {
			switch {
			case strings.HasPrefix(e.URL, base+"/media/remote/"):
				emojis++
			case strings.HasPrefix(e.URL, base+"/media/emoji/"):
				ownEmojis++
			default:
				b.Errorf("status %s: emoji %s at %s, want a kith URL", st.ID, e.Shortcode, e.URL)
			}
			if strings.Contains(st.Account.DisplayName, ":"+e.Shortcode+":") {
				nameEmojis++
			}
		}
	}
	b.Logf("first page: %d cards (%d naming an account), %d quotes, %d remote and %d own emoji, %d in names",
		cards, cardAuthors, quotes, emojis, ownEmojis, nameEmojis)
	for _, c := range []struct {
		what    string
		n, want int
	}{
		{"statuses with a card", cards, 20}, {"cards naming their author's account", cardAuthors, 3},
		{"accepted quotes with their status", quotes, 12}, {"remote emoji", emojis, 40},
		{"emoji in authors' names", nameEmojis, 20}, {"the owner's emoji", ownEmojis, 20},
	} {
		if c.n < c.want {
			b.Errorf("first page: %d %s, want at least %d", c.n, c.what, c.want)
		}
	}
	if b.Failed() {
		b.FailNow()
	}
}
