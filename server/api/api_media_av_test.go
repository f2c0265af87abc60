package api_test

import (
	"bytes"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kith/config"
	"kith/server/servertest"
)

// avFile reads one of the small video and audio files made with ffmpeg
// for the media package's tests (see media/probe_test.go).
func avFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "media", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// previewIsGrey decodes a JPEG preview and reports whether it is one
// flat colour (the placeholder) rather than a frame of ffmpeg's test
// picture, which is striped in many colours.
func previewIsGrey(t *testing.T, data []byte) bool {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("preview is not a JPEG: %v", err)
	}
	b := img.Bounds()
	r0, g0, b0, _ := img.At(b.Min.X, b.Min.Y).RGBA()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r, r0) > 0x1000 || absDiff(g, g0) > 0x1000 || absDiff(bl, b0) > 0x1000 {
				return false
			}
		}
	}
	return true
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestMediaUploadAV uploads each video and audio format through
// POST /api/v2/media, once with ffmpeg on kith's PATH and once without:
// the file is kept byte for byte, the entity has Mastodon's meta, and a
// video's preview is its first frame with ffmpeg and grey without. The
// post that carries it shows the same attachment. The run with ffmpeg is
// made again with media on S3.
func TestMediaUploadAV(t *testing.T) {
	tests := []struct {
		file        string
		typ         string // the entity's type
		contentType string
		width       float64
		height      float64
		frameRate   string
		duration    float64
	}{
		{"video.mp4", "video", "video/mp4", 64, 48, "10/1", 1.0},
		{"video.webm", "video", "video/webm", 64, 48, "10/1", 1.008},
		{"video-moovlast.mp4", "gifv", "video/mp4", 32, 24, "25/1", 0.4}, // no audio track
		{"audio.mp3", "audio", "audio/mpeg", 0, 0, "", 1.045},
		{"audio.ogg", "audio", "audio/ogg", 0, 0, "", 1.0},
		{"audio-opus.ogg", "audio", "audio/ogg", 0, 0, "", 1.0},
		{"audio.m4a", "audio", "audio/mp4", 0, 0, "", 1.0},
	}
	// With S3, ffmpeg reads a temporary copy of the video.
	for _, run := range []struct {
		ffmpeg bool
		s3     bool
	}{{true, false}, {false, false}, {true, true}} {
		ffmpeg := run.ffmpeg
		name := "without ffmpeg"
		if ffmpeg {
			name = "with ffmpeg"
		}
		if run.s3 {
			name += " on s3"
		}
		t.Run(name, func(t *testing.T) {
			t.Setenv("PATH", servertest.FFmpegDir(t, ffmpeg))
			var storage func(*config.Config)
			if run.s3 {
				s3 := servertest.StartS3(t)
				storage = func(c *config.Config) { s3.Config(c, "") }
			}
			in := servertest.New(t, storage)
			c := newTokenClient(t, in, "write read")
			for _, tt := range tests {
				t.Run(tt.file, func(t *testing.T) {
					data := avFile(t, tt.file)
					m := c.mustCall(t, 200, "POST", "/api/v2/media", multipartBody{
						fields: map[string]string{"description": "a test " + tt.typ},
						files:  map[string][]byte{"file": data},
					}).object(t)
					checkAVEntity(t, in, m, tt.typ, tt.width, tt.height, tt.frameRate, tt.duration, int64(len(data)))
					if got := fetchMedia(t, in, m["url"].(string), tt.contentType); !bytes.Equal(got, data) {
						t.Errorf("the stored file is not the uploaded one (%d bytes, want %d)", len(got), len(data))
					}
					if tt.typ == "audio" {
						if m["preview_url"] != nil || m["blurhash"] != nil {
							t.Errorf("audio has preview_url %v, blurhash %v; want null", m["preview_url"], m["blurhash"])
						}
					} else {
						preview := fetchMedia(t, in, m["preview_url"].(string), "image/jpeg")
						if grey := previewIsGrey(t, preview); grey == ffmpeg {
							t.Errorf("preview is grey: %v, want %v", grey, !ffmpeg)
						}
						if b, _ := m["blurhash"].(string); len(b) < 6 {
							t.Errorf("blurhash = %v", m["blurhash"])
						}
					}
					st := c.mustCall(t, 200, "POST", "/api/v1/statuses", map[string]any{"status": "a " + tt.typ, "media_ids": []string{m["id"].(string)}}).object(t)
					atts := st["media_attachments"].([]any)
					if len(atts) != 1 {
						t.Fatalf("media_attachments = %v", atts)
					}
					a := atts[0].(map[string]any)
					checkAVEntity(t, in, a, tt.typ, tt.width, tt.height, tt.frameRate, tt.duration, int64(len(data)))
					if a["url"] != m["url"] || a["preview_url"] != m["preview_url"] || a["description"] != "a test "+tt.typ {
						t.Errorf("in the status: %v, want as uploaded: %v", a, m)
					}
				})
			}
		})
	}
}

// checkAVEntity checks a video or audio MediaAttachment as Mastodon
// shapes it.
func checkAVEntity(t *testing.T, in *servertest.Instance, m map[string]any, typ string, w, h float64, frameRate string, duration float64, size int64) {
	t.Helper()
	if m["type"] != typ {
		t.Errorf("type = %v, want %s", m["type"], typ)
	}
	meta := m["meta"].(map[string]any)
	orig, _ := meta["original"].(map[string]any)
	if d, _ := orig["duration"].(float64); math.Abs(d-duration) > 0.06 {
		t.Errorf("meta.original.duration = %v, want %v", orig["duration"], duration)
	}
	if d, _ := orig["duration"].(float64); d > 0 && orig["bitrate"] != math.Floor(float64(size)*8/d) {
		t.Errorf("meta.original.bitrate = %v, want %v", orig["bitrate"], math.Floor(float64(size)*8/d))
	}
	if l, _ := meta["length"].(string); !strings.HasPrefix(l, "0:00:0") {
		t.Errorf("meta.length = %v", meta["length"])
	}
	if typ == "audio" {
		if orig["width"] != nil || meta["small"] != nil {
			t.Errorf("audio meta has a picture size: %v", meta)
		}
		return
	}
	if orig["width"] != w || orig["height"] != h || orig["frame_rate"] != frameRate {
		t.Errorf("meta.original = %v, want %vx%v at %s", orig, w, h, frameRate)
	}
	small, _ := meta["small"].(map[string]any)
	if small["width"] != w || small["height"] != h {
		t.Errorf("meta.small = %v, want %vx%v (the preview of a small video is its size)", small, w, h)
	}
	if p, _ := m["preview_url"].(string); p == "" || p == m["url"] {
		t.Errorf("preview_url = %v, url %v", m["preview_url"], m["url"])
	}
}

// TestMediaUploadAVLimits refuses video and audio over the configured
// size and duration, and containers or codecs kith does not take.
func TestMediaUploadAVLimits(t *testing.T) {
	t.Setenv("PATH", servertest.FFmpegDir(t, false))
	in := servertest.New(t, func(cfg *config.Config) {
		cfg.Media.VideoMaxBytes = 8000 // video.mp4 is under, video.webm over
		cfg.Media.AudioMaxSeconds = 1  // every audio file lasts a little more or less
	})
	c := newTokenClient(t, in, "write:media")
	mp4 := avFile(t, "video.mp4")
	tests := []struct {
		name string
		file []byte
		want int
		msg  string
	}{
		{"video under the limits", mp4, 200, ""},
		{"video over the size", avFile(t, "video.webm"), 422, "larger than"},
		{"audio over the duration", avFile(t, "audio.mp3"), 422, "too long"},
		{"audio within the duration", avFile(t, "audio.ogg"), 200, ""},
		{"HEVC in MP4", bytes.ReplaceAll(bytes.Clone(mp4), []byte("avc1"), []byte("hvc1")), 422, "must be"},
		{"truncated MP4", mp4[:len(mp4)/2], 422, "must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.call(t, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": tt.file}})
			if res.status != tt.want || !strings.Contains(res.body, tt.msg) {
				t.Errorf("status %d, want %d with %q: %s", res.status, tt.want, tt.msg, res.body)
			}
		})
	}
	// The small preview a refused upload would have had is not left behind.
	entries, _ := os.ReadDir(in.Srv.Config().MediaDir())
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 3 { // the MP4, its preview and the Ogg file
		t.Errorf("media directory holds %q, want the two accepted files and one preview", names)
	}
}
