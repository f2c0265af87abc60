package ap

// Collection is a Collection, OrderedCollection, CollectionPage or
// OrderedCollectionPage: followers, outbox, featured posts, replies.
type Collection struct {
	ID         string `json:"id"`
	Type       Type   `json:"type"`
	TotalItems Int    `json:"totalItems"`
	// First is the first page: an IRI (Mastodon) or an embedded page
	// (Pleroma, GoToSocial). Parse an embedded one with ParseCollectionPage.
	First        Ref  `json:"first"`
	Next         IRI  `json:"next"`
	Prev         IRI  `json:"prev"`
	PartOf       IRI  `json:"partOf"`
	Items        Refs `json:"items"`
	OrderedItems Refs `json:"orderedItems"`
}

// Entries returns orderedItems, else items. Each is an IRI or an embedded
// object (an activity in an outbox, a Note in featured).
func (c *Collection) Entries() Refs {
	if len(c.OrderedItems) > 0 {
		return c.OrderedItems
	}
	return c.Items
}

// IsPage reports whether c is a page of a collection rather than the
// collection itself.
func (c *Collection) IsPage() bool {
	return c.Type == "CollectionPage" || c.Type == "OrderedCollectionPage"
}
