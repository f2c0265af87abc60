package federation

import (
	"context"
	"net/url"
	"strings"

	"kith/store"
)

// CardAccounts is CardAccount for many cards, by the caller's keys (post
// ids): each account named is looked up once, however many cards name it.
func (f *Federation) CardAccounts(ctx context.Context, cards map[int64]store.Card) map[int64]store.Actor {
	out := map[int64]store.Actor{}
	named := map[string]store.Actor{} // by creator; a zero ID when not stored
	for k, c := range cards {
		user, host, ok := strings.Cut(c.Creator, "@")
		if !ok {
			continue
		}
		a, seen := named[c.Creator]
		if !seen {
			a, _ = f.db.ActorByHandle(ctx, user, host)
			named[c.Creator] = a
		}
		if a.ID != 0 && creditedPage(c, a) {
			out[k] = a
		}
	}
	return out
}

// creditedPage reports whether a card's page is on its creator's own
// domain (or a subdomain of it), the pages kith credits to an account.
func creditedPage(c store.Card, a store.Actor) bool {
	page, err := url.Parse(c.CardURL)
	if err != nil {
		return false
	}
	ph, ah := strings.ToLower(page.Hostname()), strings.ToLower(hostOnly(a.Domain))
	return ph == ah || strings.HasSuffix(ph, "."+ah)
}
