package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"kith/federation/ap"
	"kith/store"
)

// ArchiveActivity renders one of the owner's posts as the outbox of an
// export archive lists it: a Create of its Note, or an Announce for a
// boost.
//
// Note: Mastodon's archive outbox.json holds exactly these two types.
func (f *Federation) ArchiveActivity(ctx context.Context, p store.Post) ap.OutActivity {
	if p.ReblogOfID != 0 {
		return ap.OutActivity{ID: p.URI, Type: "Announce", Actor: f.urls.Actor(), Published: formatTime(p.PublishedAt),
			To: []string{ap.Public}, CC: []string{f.urls.Followers()}, Object: p.ReblogOfURI}
	}
	note := f.noteOf(ctx, p)
	id := p.URI + "/activity"
	if f.urls.IsLocal(p.URI) {
		id = f.urls.CreateActivity(p.ID)
	}
	return ap.OutActivity{ID: id, Type: "Create", Actor: f.urls.Actor(), Published: note.Published,
		To: note.To, CC: note.CC, Object: note}
}

// ParseArchivedPost reads a Note (or Question, Article) from another
// server's export archive as a post of the owner's. followers is the
// archived actor's followers collection, which tells followers-only
// posts from direct ones. The post keeps the archive's id as its URI
// until ImportPosts gives it a local one; its HTML is sanitized here.
func (f *Federation) ParseArchivedPost(raw []byte, followers string) (store.Post, error) {
	obj, err := ap.ParseObject(raw)
	if err != nil {
		return store.Post{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if !postTypes[obj.Type] {
		return store.Post{}, fmt.Errorf("%w: %s is a %s, not a post", ErrBadRequest, obj.ID, obj.Type)
	}
	p := f.postFromObject(store.Actor{Followers: followers}, obj)
	p.Local = true
	// An archive names its media by their path inside it, not by a URL;
	// the importer resolves each path within the archive and refuses the
	// rest.
	p.Attachments = nil
	for _, a := range obj.Attachment {
		if path := strings.TrimSpace(a.Href()); path != "" {
			p.Attachments = append(p.Attachments, attachmentFromObject(a, path))
		}
	}
	return p, nil
}

// ImportResult says what ImportPosts did.
type ImportResult struct {
	Created []string // archive ids of the posts made now
	Skipped int      // already imported by an earlier run
}

// ImportPosts recreates archived posts as the owner's, in one
// transaction: with their original dates, text, content warnings,
// visibility and media, replies among them linked to each other, listed
// in the profile and the outbox. Nothing is delivered and nobody is
// notified: these are old posts, not news. Posts imported before (by
// their archive id) are skipped, so running an import again is harmless.
func (f *Federation) ImportPosts(ctx context.Context, posts []store.Post) (ImportResult, error) {
	posts = slices.Clone(posts)
	slices.SortStableFunc(posts, func(a, b store.Post) int { return a.PublishedAt.Compare(b.PublishedAt) })
	var res ImportResult
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		res = ImportResult{}
		local := map[string]string{} // archive id → local URI
		for _, p := range posts {
			source := p.URI
			if id, err := tx.ImportedPostID(ctx, source); err == nil {
				existing, err := tx.PostByID(ctx, id)
				if err != nil {
					return err
				}
				local[source] = existing.URI
				res.Skipped++
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			uri, err := f.importPost(ctx, tx, p, local)
			if err != nil {
				return fmt.Errorf("post %s: %w", source, err)
			}
			local[source] = uri
			res.Created = append(res.Created, source)
		}
		return nil
	})
	return res, err
}

func (f *Federation) importPost(ctx context.Context, tx *store.Tx, p store.Post, local map[string]string) (string, error) {
	source := p.URI
	if uri, ok := local[p.InReplyToURI]; ok {
		p.InReplyToURI = uri
	}
	p.URI, p.URL = "urn:kith:pending:"+f.newActivityID(), ""
	p.AuthorID, p.Local, p.Conversation, p.InReplyToID = f.db.OwnerID(), true, "", 0
	if parent, err := tx.PostByURI(ctx, p.InReplyToURI); err == nil && p.InReplyToURI != "" {
		p.InReplyToID, p.Conversation = parent.ID, parent.Conversation
	}
	// The id is made from the original date, so listings (ordered by id)
	// show the post among its time rather than above newer posts.
	id, err := tx.InsertImportedPost(ctx, p)
	if err != nil {
		return "", err
	}
	p.ID, p.URI, p.URL = id, f.urls.Post(id), f.urls.PostPage(id)
	if err := tx.SetPostURI(ctx, id, p.URI, p.URL); err != nil {
		return "", err
	}
	if err := tx.PutImportedPost(ctx, source, id); err != nil {
		return "", err
	}
	stored, err := tx.PostByURI(ctx, p.URI)
	if err != nil {
		return "", err
	}
	// The Create is kept for the outbox but given no deliveries.
	note := f.noteOf(ctx, stored)
	act := ap.OutActivity{ID: f.urls.CreateActivity(id), Type: "Create", Actor: f.urls.Actor(),
		To: note.To, CC: note.CC, Object: note, Published: note.Published}
	_, err = f.storeActivity(ctx, tx, act, isListed(p.Visibility), stored.PublishedAt)
	return p.URI, err
}
