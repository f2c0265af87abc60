package federation

import (
	"context"
	"errors"
	"fmt"

	"kith/federation/ap"
	"kith/store"
)

// FeatureTag features a hashtag on the owner's profile ('#' optional)
// and federates an Update of the actor, so followers' servers refetch its
// featuredTags collection.
func (f *Federation) FeatureTag(ctx context.Context, name string) (store.FeaturedTag, error) {
	tag := ap.Hashtag(name)
	if tag == "" {
		return store.FeaturedTag{}, fmt.Errorf("%w: %q is not a hashtag", ErrInvalid, name)
	}
	var id int64
	err := f.changeFeaturedTags(ctx, func(tx *store.Tx) (err error) {
		id, err = tx.AddFeaturedTag(ctx, tag)
		return err
	})
	switch {
	case errors.Is(err, store.ErrExists):
		return store.FeaturedTag{}, fmt.Errorf("%w: #%s is already featured", ErrInvalid, tag)
	case errors.Is(err, store.ErrTooMany):
		return store.FeaturedTag{}, fmt.Errorf("%w: at most %d hashtags can be featured", ErrInvalid, store.MaxFeaturedTags)
	case err != nil:
		return store.FeaturedTag{}, err
	}
	return f.db.FeaturedTag(ctx, id)
}

// UnfeatureTag stops featuring a hashtag and federates an Update of the
// actor.
func (f *Federation) UnfeatureTag(ctx context.Context, id int64) error {
	return f.changeFeaturedTags(ctx, func(tx *store.Tx) error { return tx.DeleteFeaturedTag(ctx, id) })
}

// changeFeaturedTags applies a change and publishes the actor's Update in
// one transaction.
//
// Note: Mastodon sends an Update of the actor when featured tags change,
// and its receivers refetch the featuredTags collection it names.
func (f *Federation) changeFeaturedTags(ctx context.Context, change func(tx *store.Tx) error) error {
	a, err := f.db.LocalActor(ctx)
	if err != nil {
		return err
	}
	return f.transact(ctx, func(tx *store.Tx) error {
		if err := change(tx); err != nil {
			return err
		}
		return f.updateLocalActor(ctx, tx, a)
	})
}

// FeaturedTagsCollection is the owner's featured hashtags as Mastodon
// serves them: a Collection of Hashtag objects, each with its page.
func (f *Federation) FeaturedTagsCollection(ctx context.Context) (ap.OutCollection, error) {
	tags, err := f.db.FeaturedTags(ctx)
	if err != nil {
		return ap.OutCollection{}, err
	}
	items := []any{}
	for _, t := range tags {
		items = append(items, ap.OutTag{Type: "Hashtag", Href: f.urls.Tag(t.Name), Name: "#" + t.Name})
	}
	total := len(items)
	return ap.OutCollection{Context: ap.Context(), ID: f.urls.FeaturedTags(), Type: "Collection",
		TotalItems: &total, Items: items}, nil
}
