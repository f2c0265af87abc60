package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// browserEmoji is steps_emoji.mjs's description of an img.emoji.
type browserEmoji struct {
	Alt, Title, Src, Place string
	Loaded                 bool
	Height, FontSize       float64
}

// apiCustomEmoji is Mastodon's CustomEmoji entity.
type apiCustomEmoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

// TestBrowserCustomEmoji follows the owner's emoji from a pack on disk to
// another server's page: alice imports a tar.gz pack with kith emoji
// import and uploads one more on /settings/emoji; her name, bio and a post
// use them; bob, on a second kith, follows her, and chromium shows bob's
// pages with the images, served by bob's media cache, the height of the
// line. A screenshot of each page is kept.
func TestBrowserCustomEmoji(t *testing.T) {
	t.Parallel()
	b := startBrowser(t, "MAP alice.test 127.0.0.1, MAP bob.test 127.0.0.1")
	alice, bob := startFedPair(t)

	emojiImport(t, alice)

	// The settings page adds one more.
	b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)
	var added struct {
		Path   string
		Error  []string
		Images []browserEmoji
	}
	b.must("addEmoji", map[string]any{"shortcode": "party_time", "image": writeTemp(t, "party.png", emojiPNG(t, color.RGBA{250, 200, 0, 255}))}, &added)
	if added.Path != "/settings/emoji?added=party_time" || len(added.Error) > 0 {
		t.Fatalf("/settings/emoji upload: at %q, errors %q", added.Path, added.Error)
	}
	if !hasEmoji(added.Images, ":party_time:", "") {
		t.Errorf("/settings/emoji lists %+v, want :party_time: shown", added.Images)
	}
	var refused struct{ Error []string }
	b.must("addEmoji", map[string]any{"shortcode": "bad-name", "image": writeTemp(t, "x.png", emojiPNG(t, color.RGBA{0, 0, 0, 255})), "noValidate": true}, &refused)
	if len(refused.Error) == 0 || !strings.Contains(refused.Error[0], "letters, digits or underscores") {
		t.Errorf("/settings/emoji took the shortcode bad-name: alerts %q", refused.Error)
	}

	// The client API lists them, and the emoji's id answers as ActivityPub.
	var listed []apiCustomEmoji
	apiGet(t, alice.base, "", "/api/v1/custom_emojis", &listed)
	var codes []string
	for _, e := range listed {
		codes = append(codes, e.Shortcode)
		if e.URL == "" || e.URL != e.StaticURL || !e.VisibleInPicker {
			t.Errorf("custom emoji %+v: want url = static_url, visible in the picker", e)
		}
	}
	if !slices.Equal(codes, []string{"blob_wave", "blobcat", "party_time"}) {
		t.Fatalf("/api/v1/custom_emojis: %q, want blob_wave, blobcat, party_time", codes)
	}
	if ctype := fetchType(t, strings.Replace(listed[1].URL, "http://"+alice.host, alice.base, 1)); ctype != "image/png" {
		t.Errorf("blobcat's image: Content-Type %q, want image/png", ctype)
	}
	emojiDocument(t, alice)

	// Alice's name, bio and post use them; bob follows her.
	aliceToken := alice.token(t, "read write")
	apiPatchForm(t, alice.base, aliceToken, "/api/v1/accounts/update_credentials",
		url.Values{"display_name": {"Alice :blobcat:"}, "note": {"Waving :blob_wave: at you"}})
	bobToken := bob.token(t, "read write follow")
	var found struct {
		Accounts []struct{ ID, Acct string }
	}
	apiGet(t, bob.base, bobToken, "/api/v2/search?type=accounts&resolve=true&q="+url.QueryEscape(alice.handle()), &found)
	if len(found.Accounts) == 0 {
		t.Fatalf("bob's instance cannot find %s", alice.handle())
	}
	aliceOnBob := found.Accounts[0].ID
	var rel struct{ Following, Requested bool }
	apiPostForm(t, bob.base, bobToken, "/api/v1/accounts/"+aliceOnBob+"/follow", nil, &rel)
	bobAcct := strings.TrimPrefix(bob.handle(), "@")
	waitNotifications(t, alice, aliceToken, "bob's follow", func(n []fedNotification) bool { return hasNotification(n, "follow", bobAcct) })
	var posted apiStatus
	apiPostForm(t, alice.base, aliceToken, "/api/v1/statuses", url.Values{"status": {"Party :party_time: with :blobcat:, not :unknown_one:"}}, &posted)

	onBob := waitHomeStatus(t, bob, bobToken, "Party")
	var got []string
	for _, e := range onBob.Emojis {
		got = append(got, e.Shortcode)
		if !strings.HasPrefix(e.URL, "http://"+bob.host+"/media/remote/") {
			t.Errorf("bob's API: emoji %s at %q, want bob's media cache", e.Shortcode, e.URL)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"blobcat", "party_time"}) {
		t.Errorf("bob's API: the post's emojis %q, want blobcat and party_time", got)
	}

	// Bob's pages show the images: the post on his home timeline, alice's
	// name and bio on her account page.
	b.must("login", map[string]any{"base": "http://" + bob.host, "username": "bob", "password": clientsPassword}, nil)
	shots, err := filepath.Abs(filepath.Join(screenshotDir, "emoji"))
	if err != nil {
		t.Fatal(err)
	}
	var home struct {
		Images []browserEmoji
		Text   string
	}
	b.must("emojiImages", map[string]any{"path": "/home", "file": filepath.Join(shots, "home.png")}, &home)
	for _, want := range []struct{ alt, place string }{{":party_time:", "status-content"}, {":blobcat:", "status-content"}, {":blobcat:", "display-name"}} {
		if !hasEmoji(home.Images, want.alt, want.place) {
			t.Errorf("bob's /home: no loaded %s in .%s; images %+v", want.alt, want.place, home.Images)
		}
	}
	if !strings.Contains(home.Text, ":unknown_one:") {
		t.Errorf("bob's /home: an unknown shortcode is not shown as text: %q", home.Text)
	}
	checkEmojiImages(t, "bob's /home", home.Images, "http://"+bob.host+"/media/remote/")

	var profile struct{ Images []browserEmoji }
	b.must("emojiImages", map[string]any{"path": "/accounts/" + aliceOnBob, "file": filepath.Join(shots, "account.png")}, &profile)
	for _, want := range []struct{ alt, place string }{{":blobcat:", "display-name"}, {":blob_wave:", "bio"}} {
		if !hasEmoji(profile.Images, want.alt, want.place) {
			t.Errorf("bob's page of alice: no loaded %s in .%s; images %+v", want.alt, want.place, profile.Images)
		}
	}
	checkEmojiImages(t, "bob's page of alice", profile.Images, "http://"+bob.host+"/media/remote/")

	// Removed, an emoji leaves the list and alice's own post shows its text.
	if r := kith(t, alice.dir, "", "emoji", "remove", "--config", alice.cfg, "party_time"); r.code != 0 {
		t.Fatalf("kith emoji remove: exit %d: %s", r.code, r.stderr)
	}
	if r := kith(t, alice.dir, "", "emoji", "remove", "--config", alice.cfg, "party_time"); r.code == 0 || !strings.Contains(r.stderr, "no emoji :party_time:") {
		t.Errorf("kith emoji remove of a removed emoji: exit %d: %s", r.code, r.stderr)
	}
	apiGet(t, alice.base, "", "/api/v1/custom_emojis", &listed)
	if len(listed) != 2 {
		t.Errorf("after remove: %d custom emoji, want 2", len(listed))
	}
	var own struct {
		Emojis []struct{ Shortcode string }
	}
	apiGet(t, alice.base, aliceToken, "/api/v1/statuses/"+posted.ID, &own)
	if len(own.Emojis) != 1 || own.Emojis[0].Shortcode != "blobcat" {
		t.Errorf("alice's post after removing :party_time:: emojis %+v, want only blobcat", own.Emojis)
	}
}

// emojiImport builds a pack as tootctl emoji import reads it and imports
// it into f: two emoji, and files that are refused, each with its reason.
func emojiImport(t *testing.T, f *fedInstance) {
	t.Helper()
	pack := emojiPack(t, []packFile{
		{"pack/blobcat.png", emojiPNG(t, color.RGBA{90, 140, 250, 255})},
		{"pack/blob_wave.gif", emojiGIF(t)},
		{"pack/._blobcat.png", []byte("macOS resource fork")},
		{"pack/README.txt", []byte("a pack of blobs")},
		{"pack/bad-name.png", emojiPNG(t, color.RGBA{1, 2, 3, 255})},
		{"pack/too_big.png", bytes.Repeat([]byte{0x89}, 300<<10)},
		{"pack/not_image.png", []byte("<svg onload=alert(1)>")},
	})
	r := kith(t, f.dir, "", "emoji", "import", "--config", f.cfg, pack)
	if r.code != 0 || !strings.Contains(r.stdout, "Imported 2 emoji, skipped 4") {
		t.Fatalf("kith emoji import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"README.txt: not a .png or .gif", "bad-name.png: a shortcode is", "too_big.png: 307200 bytes", "not_image.png: emoji not_image:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("kith emoji import: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = kith(t, f.dir, "", "emoji", "list", "--config", f.cfg)
	if r.code != 0 || !strings.Contains(r.stdout, ":blobcat:") || !strings.Contains(r.stdout, ":blob_wave:") || strings.Contains(r.stdout, "bad") {
		t.Errorf("kith emoji list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A second import keeps what is there.
	r = kith(t, f.dir, "", "emoji", "import", "--config", f.cfg, pack)
	if r.code != 0 || !strings.Contains(r.stdout, "Imported 0 emoji") || !strings.Contains(r.stderr, "blobcat.png: already there") {
		t.Errorf("kith emoji import again: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// emojiDocument fetches :blobcat:'s id as a peer would.
func emojiDocument(t *testing.T, f *fedInstance) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.base+"/emojis/blobcat", nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		ID, Type, Name, Updated string
		Icon                    struct{ Type, MediaType, URL string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /emojis/blobcat: status %d, %v", resp.StatusCode, err)
	}
	if doc.ID != "http://"+f.host+"/emojis/blobcat" || doc.Type != "Emoji" || doc.Name != ":blobcat:" || doc.Updated == "" ||
		doc.Icon.Type != "Image" || doc.Icon.MediaType != "image/png" || !strings.HasPrefix(doc.Icon.URL, "http://"+f.host+"/media/emoji/") {
		t.Errorf("/emojis/blobcat: %+v", doc)
	}
}

// checkEmojiImages checks every emoji image came from prefix, loaded, and
// is about the height of its line's text.
func checkEmojiImages(t *testing.T, where string, images []browserEmoji, prefix string) {
	t.Helper()
	for _, img := range images {
		if !strings.HasPrefix(img.Src, prefix) || !img.Loaded || img.Alt != img.Title {
			t.Errorf("%s: emoji %+v: want it loaded from %s, titled as its alt", where, img, prefix)
		}
		if img.Height < img.FontSize || img.Height > 2*img.FontSize {
			t.Errorf("%s: emoji %s is %.1fpx high beside %.1fpx text, want the line's height", where, img.Alt, img.Height, img.FontSize)
		}
	}
}

func hasEmoji(images []browserEmoji, alt, place string) bool {
	return slices.ContainsFunc(images, func(i browserEmoji) bool {
		return i.Alt == alt && i.Loaded && (place == "" || strings.Contains(" "+i.Place+" ", " "+place+" "))
	})
}

type homeStatus struct {
	Content string
	Emojis  []struct{ Shortcode, URL string }
}

// waitHomeStatus polls f's home timeline until a post containing text
// arrives.
func waitHomeStatus(t *testing.T, f *fedInstance, token, text string) homeStatus {
	t.Helper()
	deadline := time.Now().Add(fedDeadline)
	for {
		var home []homeStatus
		apiGet(t, f.base, token, "/api/v1/timelines/home", &home)
		for _, s := range home {
			if strings.Contains(s.Content, text) {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no post with %q on the home timeline within %v: %+v", f.name, text, fedDeadline, home)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type packFile struct {
	name string
	data []byte
}

// emojiPack writes files into a tar.gz and returns its path.
func emojiPack(t *testing.T, files []packFile) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "pack/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return writeTemp(t, "pack.tar.gz", buf.Bytes())
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// emojiPNG is a 64×64 round face in c on a transparent square.
func emojiPNG(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			if dx, dy := x-32, y-32; dx*dx+dy*dy < 30*30 {
				img.Set(x, y, c)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// emojiGIF is a two-frame animated GIF.
func emojiGIF(t *testing.T) []byte {
	t.Helper()
	anim := &gif.GIF{}
	for i := range 2 {
		frame := image.NewPaletted(image.Rect(0, 0, 32, 32), palette.Plan9)
		for y := range 32 {
			for x := range 32 {
				frame.SetColorIndex(x, y, uint8(40+i*100+x))
			}
		}
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, 20)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fetchType GETs u and returns its Content-Type, failing on an error status.
func fetchType(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	return resp.Header.Get("Content-Type")
}

// apiPatchForm sends a form with PATCH, as apps update the profile.
func apiPatchForm(t *testing.T, base, token, path string, form url.Values) {
	t.Helper()
	req, _ := http.NewRequest("PATCH", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH %s: status %d", path, resp.StatusCode)
	}
}
