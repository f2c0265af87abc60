package portability

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"kith/federation/ap"
)

// exportPage is how many posts one read of the export takes: enough to
// make each query worth it, few enough that memory stays flat.
const exportPage = 500

// Archive paths of media, as Mastodon names them.
const archiveMediaDir = "media_attachments/files/"

// WriteArchive streams the owner's export archive to w: a zip in
// Mastodon's layout with actor.json, outbox.json (every post as a Create,
// every boost as an Announce, media URLs rewritten to paths inside the
// archive), likes.json, bookmarks.json, the avatar and header, and the
// media files. Posts are read a page at a time by id and written as they
// come, so memory does not grow with the number of posts.
func (p *Porter) WriteArchive(ctx context.Context, w io.Writer) error {
	zw := zip.NewWriter(w)
	// Posts are text that compresses well; the fastest level keeps an
	// export of a big account in seconds.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	steps := []func(context.Context, *zip.Writer) error{
		p.writeActor, p.writeOutbox, p.writeLikes, p.writeBookmarks, p.writeMedia,
	}
	for _, step := range steps {
		if err := step(ctx, zw); err != nil {
			return err
		}
	}
	return zw.Close()
}

// localMedia returns the path under the media directory of a URL kith
// serves, or "" for a remote URL.
func (p *Porter) localMedia(u string) string {
	prefix := strings.TrimRight(p.opts.BaseURL, "/") + "/media/"
	rel, ok := strings.CutPrefix(u, prefix)
	if !ok || rel == "" || strings.Contains(rel, "..") {
		return ""
	}
	return rel
}

func (p *Porter) writeActor(ctx context.Context, zw *zip.Writer) error {
	doc, err := p.fed.ActorDocument(ctx)
	if err != nil {
		return err
	}
	// Note: Mastodon's actor.json points icon and image at avatar.* and
	// header.* files at the root of the archive.
	for _, img := range []struct {
		ref  **ap.OutImage
		name string
	}{{&doc.Icon, "avatar"}, {&doc.Image, "header"}} {
		if *img.ref == nil {
			continue
		}
		rel := p.localMedia((*img.ref).URL)
		if rel == "" {
			continue
		}
		name := img.name + path.Ext(rel)
		if err := p.copyMedia(ctx, zw, rel, name); err != nil {
			return err
		}
		copied := **img.ref
		copied.URL = name
		*img.ref = &copied
	}
	return writeJSON(zw, "actor.json", doc)
}

func (p *Porter) writeOutbox(ctx context.Context, zw *zip.Writer) error {
	localID := p.db.OwnerID()
	total, err := p.db.CountPostsOf(ctx, localID)
	if err != nil {
		return err
	}
	f, err := zw.Create("outbox.json")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	fmt.Fprintf(bw, `{"@context":"https://www.w3.org/ns/activitystreams","id":"outbox.json","type":"OrderedCollection","totalItems":%d,"orderedItems":[`, total)
	first := true
	for after := int64(0); ; {
		posts, err := p.db.PostsOfAfter(ctx, localID, after, exportPage)
		if err != nil {
			return err
		}
		for _, post := range posts {
			for i, a := range post.Attachments {
				if rel := p.localMedia(a.URL); rel != "" {
					post.Attachments[i].URL = "/" + archiveMediaDir + rel
				}
			}
			b, err := ap.Marshal(p.fed.ArchiveActivity(ctx, post))
			if err != nil {
				return err
			}
			if !first {
				bw.WriteByte(',')
			}
			first = false
			bw.Write(b)
			after = post.ID
		}
		if len(posts) < exportPage {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	bw.WriteString("]}")
	return bw.Flush()
}

func (p *Porter) writeLikes(ctx context.Context, zw *zip.Writer) error {
	uris, err := p.db.FavouriteURIs(ctx)
	if err != nil {
		return err
	}
	return writeJSON(zw, "likes.json", uriCollection("likes.json", uris))
}

func (p *Porter) writeBookmarks(ctx context.Context, zw *zip.Writer) error {
	uris, err := p.db.BookmarkURIs(ctx)
	if err != nil {
		return err
	}
	return writeJSON(zw, "bookmarks.json", uriCollection("bookmarks.json", uris))
}

// uriCollection is Mastodon's shape for likes.json and bookmarks.json.
func uriCollection(id string, uris []string) map[string]any {
	if uris == nil {
		uris = []string{}
	}
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "OrderedCollection",
		"orderedItems": uris}
}

func writeJSON(zw *zip.Writer, name string, v any) error {
	b, err := ap.Marshal(v)
	if err != nil {
		return err
	}
	f, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return err
}

// writeMedia copies the files of the owner's attachments, a page at a
// time; a file missing from disk is left out (its post still names it).
func (p *Porter) writeMedia(ctx context.Context, zw *zip.Writer) error {
	localID := p.db.OwnerID()
	for after := int64(0); ; {
		refs, err := p.db.AttachmentsOfAfter(ctx, localID, after, exportPage)
		if err != nil {
			return err
		}
		for _, r := range refs {
			after = r.ID
			if rel := p.localMedia(r.URL); rel != "" {
				if err := p.copyMedia(ctx, zw, rel, archiveMediaDir+rel); err != nil {
					return err
				}
			}
		}
		if len(refs) < exportPage {
			return nil
		}
	}
}

func (p *Porter) copyMedia(ctx context.Context, zw *zip.Writer, rel, name string) error {
	f, err := p.opts.Files.Open(ctx, rel)
	if errors.Is(err, fs.ErrNotExist) {
		p.logger.Warn("export: media file missing", "file", rel)
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	// Media is compressed already: store it as is.
	out, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return err
	}
	_, err = io.Copy(out, f)
	return err
}
