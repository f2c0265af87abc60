package federation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"kith/federation/ap"
	"kith/store"
)

// Profile is what the owner can change about their account.
type Profile struct {
	DisplayName  string
	Summary      string
	SummaryType  string // how Summary is written: store.TextPlain or store.TextMarkdown ("")
	Fields       []store.Field
	Locked       bool
	Bot          bool
	Discoverable bool
	AvatarURL    string
	HeaderURL    string
}

// UpdateProfile changes the owner's profile and federates an Update of
// the actor to followers.
func (f *Federation) UpdateProfile(ctx context.Context, p Profile) error {
	if utf8.RuneCountInString(p.DisplayName) > 30 {
		return fmt.Errorf("%w: a display name has at most 30 characters", ErrInvalid)
	}
	if utf8.RuneCountInString(p.Summary) > 500 || len(p.Fields) > 4 {
		return fmt.Errorf("%w: a bio has at most 500 characters and 4 fields", ErrInvalid)
	}
	summary, err := f.render(ctx, p.Summary, cmp.Or(p.SummaryType, store.TextMarkdown))
	if err != nil {
		return err
	}
	return f.changeLocalActor(ctx, func(a *store.Actor) {
		a.DisplayName, a.Summary = strings.TrimSpace(p.DisplayName), summary.HTML
		a.Locked, a.Bot, a.Discoverable = p.Locked, p.Bot, p.Discoverable
		a.AvatarURL, a.HeaderURL = p.AvatarURL, p.HeaderURL
		a.Fields = nil
		for _, fl := range p.Fields {
			name, value := strings.TrimSpace(fl.Name), strings.TrimSpace(fl.Value)
			if name != "" {
				a.Fields = append(a.Fields, store.Field{Name: name, Value: htmlEscape(value)})
			}
		}
	})
}

// MoveTo moves the owner's followers to another account, which must list
// this one in its aliases (checked on a fresh fetch of the target): the
// actor's movedTo is set and federated with an Update, and a Move goes to
// the followers and to the accounts that block the owner. Moving again to
// the same target re-sends the Move; receivers treat it as done.
func (f *Federation) MoveTo(ctx context.Context, handleOrURL string) (store.Actor, error) {
	target, err := f.Resolve(ctx, handleOrURL)
	if err != nil {
		return store.Actor{}, err
	}
	if target.Local {
		return store.Actor{}, fmt.Errorf("%w: an account cannot move to itself", ErrInvalid)
	}
	if target, err = f.fetchActor(ctx, target.URI, true); err != nil {
		return store.Actor{}, err
	}
	if !slices.Contains(target.AlsoKnownAs, f.urls.Actor()) {
		return store.Actor{}, fmt.Errorf("%w: %s does not list this account (%s) as an alias yet; add it there first",
			ErrForbidden, target.Handle(), f.urls.Actor())
	}
	if err := f.changeLocalActor(ctx, func(a *store.Actor) { a.MovedTo = target.URI }); err != nil {
		return store.Actor{}, err
	}
	return target, f.sendMove(ctx, target.URI)
}

// ResendMove sends the Move to the account the owner moved to again, for
// followers whose servers missed it.
func (f *Federation) ResendMove(ctx context.Context) (store.Actor, error) {
	me, err := f.db.LocalActor(ctx)
	if err != nil {
		return store.Actor{}, err
	}
	if me.MovedTo == "" {
		return store.Actor{}, fmt.Errorf("%w: this account has not moved", ErrInvalid)
	}
	return f.MoveTo(ctx, me.MovedTo)
}

// sendMove delivers a Move to followers and blockers.
// Note: Mastodon sends the Move to the servers of accounts that block the
// mover too, so that they carry the block over to the new account.
func (f *Federation) sendMove(ctx context.Context, target string) error {
	return f.transact(ctx, func(tx *store.Tx) error {
		inboxes, err := tx.FollowerInboxes(ctx, f.db.OwnerID())
		if err != nil {
			return err
		}
		blockers, err := tx.BlockerInboxes(ctx, f.db.OwnerID())
		if err != nil {
			return err
		}
		return f.publish(ctx, tx, ap.OutActivity{ID: f.newActivityID(), Type: "Move", Actor: f.urls.Actor(),
			To: []string{f.urls.Followers()}, Object: f.urls.Actor(), Target: target}, false, append(inboxes, blockers...))
	})
}

// changeLocalActor edits the owner's actor row and sends an Update of the
// actor to followers, in one transaction.
func (f *Federation) changeLocalActor(ctx context.Context, edit func(*store.Actor)) error {
	a, err := f.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	edit(&a)
	return f.transact(ctx, func(tx *store.Tx) error { return f.updateLocalActor(ctx, tx, a) })
}

// updateLocalActor stores the owner's actor row and publishes its Update
// to followers, inside the caller's transaction.
func (f *Federation) updateLocalActor(ctx context.Context, tx *store.Tx, a store.Actor) error {
	if _, err := tx.UpsertActor(ctx, a); err != nil {
		return err
	}
	inboxes, err := tx.FollowerInboxes(ctx, f.db.OwnerID())
	if err != nil {
		return err
	}
	doc := f.actorDocumentOf(ctx, a)
	return f.publish(ctx, tx, ap.OutActivity{ID: f.urls.Actor() + "#updates/" + fmt.Sprint(tx.Now().UnixMilli()), Type: "Update",
		Actor: f.urls.Actor(), To: []string{ap.Public}, CC: []string{f.urls.Followers()}, Object: doc}, false, inboxes)
}
