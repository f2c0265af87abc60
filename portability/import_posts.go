package portability

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"kith/media"
	"kith/store"
)

// ArchiveResult says what an archive import did.
type ArchiveResult struct {
	Created  int      // posts recreated now
	Skipped  int      // posts imported by an earlier run
	Boosts   int      // Announce items, which are not recreated
	Media    int      // media files copied
	Warnings []string // items left out, and why
}

// importedMediaDir is where imported media lives under the media
// directory.
const importedMediaDir = "imported/"

// ImportArchive recreates the posts of an export archive (Mastodon's zip
// or tar.gz, or an Akkoma, GoToSocial or snac outbox of the same shape)
// as the owner's: original dates, text, content warnings, visibility,
// media and threads, shown on the profile and in the outbox but sent to
// nobody. The whole archive is read and checked before anything is
// written; posts already imported are skipped.
func (p *Porter) ImportArchive(ctx context.Context, r io.ReaderAt, size int64) (ArchiveResult, error) {
	x, err := p.extract(r, size)
	if err != nil {
		return ArchiveResult{}, err
	}
	defer x.remove()
	followers, err := p.archivedFollowers(x)
	if err != nil {
		return ArchiveResult{}, err
	}
	items, err := readOutbox(x)
	if err != nil {
		return ArchiveResult{}, err
	}
	var res ArchiveResult
	var posts []store.Post
	media := map[string]string{} // final media name → temporary file
	for i, raw := range items {
		post, files, warn, boost := p.archivedPost(x, raw, followers)
		switch {
		case boost:
			res.Boosts++
		case warn != "":
			res.Warnings = append(res.Warnings, fmt.Sprintf("outbox.json item %d: %s", i+1, warn))
		default:
			posts = append(posts, post)
			for name, tmp := range files {
				media[name] = tmp
			}
		}
	}
	return p.commitPosts(ctx, posts, media, res)
}

// commitPosts moves the media of the posts not imported yet into place
// and writes the posts in one transaction; if that fails, the moved files
// are removed again.
func (p *Porter) commitPosts(ctx context.Context, posts []store.Post, media map[string]string, res ArchiveResult) (ArchiveResult, error) {
	needed := map[string]bool{}
	for _, post := range posts {
		done, err := p.db.WasImported(ctx, post.URI)
		if err != nil {
			return res, err
		}
		if !done {
			for _, a := range post.Attachments {
				if rel := p.localMedia(a.URL); rel != "" {
					needed[rel] = true
				}
			}
		}
	}
	var moved []string
	placed := map[string]string{} // temporary file → where it went
	undo := func() {
		for _, m := range moved {
			os.Remove(m)
		}
	}
	if !p.mediaOnDisk() {
		var err error
		if moved, err = p.putMedia(ctx, needed, media); err != nil {
			return res, err
		}
		undo = func() { p.opts.Files.Remove(context.WithoutCancel(ctx), moved...) }
		needed = nil
	}
	for name := range needed {
		dst := filepath.Join(p.opts.MediaDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			undo()
			return res, err
		}
		if err := p.placeMedia(media[name], dst, placed); err != nil {
			undo()
			return res, err
		}
		moved = append(moved, dst)
	}
	out, err := p.fed.ImportPosts(ctx, posts)
	if err != nil {
		undo()
		return res, err
	}
	res.Created, res.Skipped, res.Media = len(out.Created), out.Skipped, len(moved)
	return res, nil
}

// archivedFollowers reads the followers collection of actor.json, which
// tells followers-only posts from direct ones. Archives without one
// (some servers leave actor.json out) treat both as direct.
func (p *Porter) archivedFollowers(x *extracted) (string, error) {
	file, ok := x.files["actor.json"]
	if !ok {
		return "", nil
	}
	var actor struct {
		Followers string `json:"followers"`
	}
	if err := decodeFile(file, "actor.json", &actor); err != nil {
		return "", err
	}
	return actor.Followers, nil
}

// readOutbox reads the items of outbox.json.
func readOutbox(x *extracted) ([]json.RawMessage, error) {
	file, ok := x.files["outbox.json"]
	if !ok {
		return nil, badArchive("outbox.json is missing: this is not an export archive")
	}
	var outbox struct {
		Type         string            `json:"type"`
		OrderedItems []json.RawMessage `json:"orderedItems"`
		Items        []json.RawMessage `json:"items"`
	}
	if err := decodeFile(file, "outbox.json", &outbox); err != nil {
		return nil, err
	}
	if outbox.Type != "OrderedCollection" && outbox.Type != "Collection" {
		return nil, badArchive("outbox.json is a %q, not an OrderedCollection", outbox.Type)
	}
	if outbox.OrderedItems == nil {
		return outbox.Items, nil
	}
	return outbox.OrderedItems, nil
}

func decodeFile(file, name string, v any) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(v); err != nil {
		return badArchive("%s is not valid JSON: %v", name, err)
	}
	return nil
}

// archivedPost reads one outbox item: a Create of a post, with its media
// found in the archive. It returns a warning instead when the item is
// left out, and boost true for an Announce.
func (p *Porter) archivedPost(x *extracted, raw json.RawMessage, followers string) (store.Post, map[string]string, string, bool) {
	var item struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(raw, &item); err != nil {
		return store.Post{}, nil, "not an activity: " + err.Error(), false
	}
	if item.Type == "Announce" {
		return store.Post{}, nil, "", true
	}
	if item.Type != "Create" || len(item.Object) == 0 || item.Object[0] != '{' {
		return store.Post{}, nil, fmt.Sprintf("a %q activity without an embedded object is left out", item.Type), false
	}
	post, err := p.fed.ParseArchivedPost(item.Object, followers)
	if err != nil {
		return store.Post{}, nil, err.Error(), false
	}
	files := map[string]string{}
	kept := post.Attachments[:0]
	for _, a := range post.Attachments {
		if strings.HasPrefix(a.URL, "https://") || strings.HasPrefix(a.URL, "http://") {
			kept = append(kept, a) // media the archive only links to
			continue
		}
		name := strings.TrimPrefix(path.Clean("/"+a.URL), "/")
		tmp, ok := x.files[name]
		if !ok {
			return store.Post{}, nil, fmt.Sprintf("%s names %s, which is not in the archive", post.URI, a.URL), false
		}
		sum := sha256.Sum256([]byte(post.URI + "\n" + name))
		local := importedMediaDir + hex.EncodeToString(sum[:12]) + strings.ToLower(path.Ext(name))
		files[local] = tmp
		a.URL = strings.TrimRight(p.opts.BaseURL, "/") + "/media/" + local
		kept = append(kept, a)
	}
	post.Attachments = kept
	return post, files, "", false
}

// placeMedia moves a temporary file into place, or copies it when an
// earlier post of the archive took the same file already.
func (p *Porter) placeMedia(tmp, dst string, placed map[string]string) error {
	if first, ok := placed[tmp]; ok {
		in, err := os.Open(first)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	placed[tmp] = dst
	return nil
}

// putMedia stores an import's media files in a storage that is not the
// local directory (S3), from their temporary files, and returns their
// names; on failure it removes what it stored.
func (p *Porter) putMedia(ctx context.Context, needed map[string]bool, tmp map[string]string) ([]string, error) {
	var stored []string
	put := func(name string) error {
		f, err := os.Open(tmp[name])
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		_, err = p.opts.Files.Store.Put(ctx, name, f, st.Size(), media.ContentTypes[strings.ToLower(path.Ext(name))])
		return err
	}
	for name := range needed {
		if err := put(name); err != nil {
			p.opts.Files.Remove(context.WithoutCancel(ctx), stored...)
			return nil, err
		}
		stored = append(stored, name)
	}
	return stored, nil
}

// mediaOnDisk is whether media files are in the local directory, where
// imported files are renamed into place rather than copied.
func (p *Porter) mediaOnDisk() bool {
	_, ok := p.opts.Files.Store.(media.Dir)
	return ok
}
