package e2e

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kith/server/servertest"
)

// browserPlayers is steps_video.mjs's description of a post's players,
// before and after its content warning is opened.
type browserPlayers struct {
	Closed, Open []browserPlayer
}

type browserPlayer struct {
	Tag, Src, Poster, Label, Caption string
	Controls, Visible                bool
}

// browserPlayback is what steps_video.mjs's play step saw.
type browserPlayback struct {
	Why, Error, CurrentSrc  string
	ReadyState              int
	Duration                float64
	VideoWidth, VideoHeight int
}

// avTestFile is one of the small files media/testdata ships (made with
// ffmpeg; see media/probe_test.go).
func avTestFile(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "media", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserVideo posts video and audio from the compose form, with
// ffmpeg on kith's PATH and without it, and plays them in chromium: the
// players sit behind the post's content warning with the alt text as
// their label, the video's poster is its first frame (with ffmpeg) or
// grey (without), and chromium decodes each file far enough to show it
// (readyState 2). With ffmpeg, bob on a second instance posts a video
// too: it reaches alice as a Document of type video/webm and plays from
// alice's media cache.
//
// Every chromium plays WebM (VP8, VP9, Opus, Vorbis) and Ogg, which is
// what is played in every case. A chromium built without the proprietary
// H.264 and AAC decoders cannot play the MP4, so the MP4 is played only
// when chromium's canPlayType says it can; the test logs its answer
// (Debian 12's chromium answers "probably", and plays it).
//
// Screenshots of home go to testdata-out/screenshots/video/.
//
// The test sets PATH for the kith processes it starts, so it does not run
// in parallel with others; the browser is started before, with the PATH
// it needs.
func TestBrowserVideo(t *testing.T) {
	b := startBrowser(t, "MAP alice.test 127.0.0.1, MAP bob.test 127.0.0.1")
	for _, ffmpeg := range []bool{true, false} {
		name := "without ffmpeg"
		if ffmpeg {
			name = "with ffmpeg"
		}
		t.Run(name, func(t *testing.T) {
			t.Setenv("PATH", servertest.FFmpegDir(t, ffmpeg))
			var alice, bob *fedInstance
			if ffmpeg {
				alice, bob = startFedPair(t)
			} else {
				alice, _ = startAlice(t, nil)
			}
			b.must("login", map[string]any{"base": "http://" + alice.host, "username": "alice", "password": clientsPassword}, nil)

			video := browserPostAV(t, b, "video.webm", "a test pattern with a tone", "a striped test card", "test card")
			if p := video.Open[0]; p.Tag != "video" || p.Poster == "" {
				t.Errorf("video player %+v, want a <video> with a poster", p)
			} else if grey := posterIsGrey(t, alice, p.Poster); grey == ffmpeg {
				t.Errorf("poster grey: %v, want %v (ffmpeg on the PATH: %v)", grey, !ffmpeg, ffmpeg)
			}
			browserPlays(t, b, "a test pattern with a tone", 64, 48)

			audio := browserPostAV(t, b, "audio.ogg", "a tone, one second long", "a 440 Hz sine tone", "loud")
			if p := audio.Open[0]; p.Tag != "audio" || p.Poster != "" {
				t.Errorf("audio player %+v, want an <audio>", p)
			}
			browserPlays(t, b, "a tone, one second long", 0, 0)

			browserMP4(t, b)
			if bob != nil {
				browserRemoteVideo(t, b, alice, bob)
			}
			shot, err := filepath.Abs(filepath.Join(screenshotDir, "video", strings.ReplaceAll(name, " ", "-")+".png"))
			if err != nil {
				t.Fatal(err)
			}
			b.must("screenshot", map[string]any{"path": "/home", "file": shot}, nil)
		})
	}
}

// browserPostAV posts file from the compose form with a content warning
// and alt text, and checks the post's player: hidden until the warning is
// opened, then shown with controls, labelled and captioned with the alt
// text.
func browserPostAV(t *testing.T, b *browser, file, text, alt, cw string) browserPlayers {
	t.Helper()
	var composed struct {
		Path  string
		Error []string
	}
	b.must("compose", map[string]any{"text": text, "cw": cw, "image": avTestFile(t, file), "alt": alt}, &composed)
	if len(composed.Error) > 0 {
		t.Fatalf("compose %s: errors %q (at %s)", file, composed.Error, composed.Path)
	}
	var players browserPlayers
	b.must("players", map[string]any{"path": "/home", "text": text}, &players)
	if len(players.Closed) != 1 || len(players.Open) != 1 {
		t.Fatalf("%s: players %+v, want one", file, players)
	}
	if players.Closed[0].Visible {
		t.Errorf("%s: the player shows before its content warning is opened", file)
	}
	if p := players.Open[0]; !p.Visible || !p.Controls || p.Label != alt || p.Caption != alt || !strings.Contains(p.Src, "/media/") {
		t.Errorf("%s: player %+v, want visible, with controls, labelled and captioned %q", file, p, alt)
	}
	return players
}

// browserPlays plays the first player of the post with text on /home and
// wants chromium to reach readyState 2 (the current frame decoded).
func browserPlays(t *testing.T, b *browser, text string, width, height int) {
	t.Helper()
	var got browserPlayback
	b.must("play", map[string]any{"path": "/home", "text": text}, &got)
	t.Logf("%q: %+v", text, got)
	if got.ReadyState < 2 || got.Error != "" {
		t.Errorf("%q: chromium did not play it: %+v", text, got)
	}
	if got.VideoWidth != width || got.VideoHeight != height {
		t.Errorf("%q: chromium decoded %dx%d, want %dx%d", text, got.VideoWidth, got.VideoHeight, width, height)
	}
}

// browserMP4 posts the H.264/AAC MP4 and plays it when chromium says it
// can decode those codecs (Debian's chromium may not: the file is then
// only offered, which the player check covers).
func browserMP4(t *testing.T, b *browser) {
	t.Helper()
	const mp4 = `video/mp4; codecs="avc1.42E01E, mp4a.40.2"`
	var can map[string]string
	b.must("canPlay", map[string]any{"types": []string{mp4, `video/webm; codecs="vp8, opus"`}}, &can)
	t.Logf("chromium can play: %q", can)
	text := "an H.264 test pattern"
	players := browserPostAV(t, b, "video.mp4", text, "the same test card, in MP4", "mp4")
	if p := players.Open[0]; p.Tag != "video" {
		t.Errorf("mp4 player %+v, want a <video>", p)
	}
	if can[mp4] != "" {
		browserPlays(t, b, text, 64, 48)
	}
}

// browserRemoteVideo has alice follow bob, bob post a video through the
// API, and alice's home play it from alice's own media cache.
func browserRemoteVideo(t *testing.T, b *browser, alice, bob *fedInstance) {
	t.Helper()
	browserFollowBob(t, b, alice, bob)
	token := bob.token(t, "read write")
	media := apiUploadFile(t, bob.base, token, avTestFile(t, "video.webm"))
	text := "bob's test pattern, federated"
	var posted apiStatus
	apiPostForm(t, bob.base, token, "/api/v1/statuses", url.Values{"status": {text}, "media_ids[]": {media}}, &posted)

	note := bobNoteAttachment(t, bob, posted.ID)
	if note["type"] != "Document" || note["mediaType"] != "video/webm" || note["width"] != 64.0 || note["height"] != 48.0 {
		t.Errorf("bob's attachment goes out as %v, want a 64x48 Document of video/webm", note)
	}
	b.must("waitStatus", map[string]any{"path": "/home", "text": text, "tries": 80, "interval": 250}, nil)
	var players browserPlayers
	b.must("players", map[string]any{"path": "/home", "text": text}, &players)
	if len(players.Open) != 1 || players.Open[0].Tag != "video" || !strings.Contains(players.Open[0].Src, "/media/remote/") ||
		!strings.HasPrefix(players.Open[0].Src, "http://"+alice.host) {
		t.Fatalf("bob's video on alice's home: %+v, want a <video> from alice's media cache", players)
	}
	browserPlays(t, b, text, 64, 48)

	// Apps see it as a video from alice's cache, with no preview.
	var home []struct {
		Content          string
		MediaAttachments []struct {
			Type, URL  string
			PreviewURL *string `json:"preview_url"`
			Meta       struct{ Original struct{ Width, Height int } }
		} `json:"media_attachments"`
	}
	apiGet(t, alice.base, alice.token(t, "read"), "/api/v1/timelines/home", &home)
	found := false
	for _, st := range home {
		if !strings.Contains(st.Content, "test pattern, federated") { // the apostrophe is escaped in content
			continue
		}
		found = true
		if len(st.MediaAttachments) != 1 {
			t.Fatalf("bob's post in alice's API: attachments %+v", st.MediaAttachments)
		}
		a := st.MediaAttachments[0]
		if a.Type != "video" || !strings.Contains(a.URL, "/media/remote/") || a.PreviewURL != nil ||
			a.Meta.Original.Width != 64 || a.Meta.Original.Height != 48 {
			t.Errorf("bob's video in alice's API: %+v, want a 64x48 video from the cache without a preview", a)
		}
	}
	if !found {
		t.Errorf("bob's post is not on alice's API home timeline")
	}
}

// apiUploadFile uploads a file through POST /api/v2/media and returns the
// attachment's id.
func apiUploadFile(t *testing.T, base, token, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v2/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ ID, Type string }
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(msg, &m) != nil || m.ID == "" {
		t.Fatalf("upload %s: status %d: %s", path, resp.StatusCode, msg)
	}
	return m.ID
}

// bobNoteAttachment fetches bob's post as ActivityPub JSON and returns its
// first attachment.
func bobNoteAttachment(t *testing.T, bob *fedInstance, id string) map[string]any {
	t.Helper()
	var st struct{ URI string }
	apiGet(t, bob.base, bob.token(t, "read"), "/api/v1/statuses/"+id, &st)
	u, err := url.Parse(st.URI)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", bob.base+u.Path, nil)
	req.Host = bob.host
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var note struct{ Attachment []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&note); err != nil || len(note.Attachment) == 0 {
		t.Fatalf("GET %s as ActivityPub: status %d, %v, attachments %v", st.URI, resp.StatusCode, err, note.Attachment)
	}
	return note.Attachment[0]
}

// posterIsGrey fetches a poster and reports whether it is one flat colour
// (kith's placeholder) rather than a frame of ffmpeg's striped test card.
func posterIsGrey(t *testing.T, f *fedInstance, poster string) bool {
	t.Helper()
	u, err := url.Parse(poster)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(f.base + u.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	img, err := jpeg.Decode(resp.Body)
	if err != nil {
		t.Fatalf("poster %s: status %d: %v", poster, resp.StatusCode, err)
	}
	bounds := img.Bounds()
	r0, g0, b0, _ := img.At(bounds.Min.X, bounds.Min.Y).RGBA()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, r0)-min(r, r0) > 0x1000 || max(g, g0)-min(g, g0) > 0x1000 || max(b, b0)-min(b, b0) > 0x1000 {
				return false
			}
		}
	}
	return true
}
