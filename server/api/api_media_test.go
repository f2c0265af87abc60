package api_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kith/config"
	"kith/server/core"
	"kith/server/servertest"
)

// testJPEG makes a JPEG with an EXIF (APP1) segment holding marker, as a
// phone camera's would hold a GPS position.
func testJPEG(t *testing.T, w, h int, marker string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	// A little-endian TIFF header with no entries, then the marker.
	payload := append([]byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"), marker...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	data := buf.Bytes()
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

// hugePNG is a PNG header claiming w×h pixels with no image data: a
// decompression bomb's opening, which must be refused before decoding.
func hugePNG(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		body := append([]byte(typ), data...)
		out = append(out, body...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

func TestMediaUpload(t *testing.T) { servertest.EachStorage(t, testMediaUpload) }

func testMediaUpload(t *testing.T, storage func(*config.Config)) {
	in := servertest.New(t, storage)
	c := newTokenClient(t, in, "write:media read")
	const marker = "GPS-51.5007N-0.1246W"
	tests := []struct {
		name      string
		file      []byte
		wantType  string
		wantW     float64
		wantH     float64
		wantSmall float64 // the preview's larger side
		preview   string  // its type: PNG when the image has transparency
	}{
		{"transparent png", servertest.PNG(t, 64, 48), "image/png", 64, 48, 64, "image/png"},
		{"jpeg with exif", testJPEG(t, 2400, 1200, marker), "image/jpeg", 1920, 960, 400, "image/jpeg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.mustCall(t, 200, "POST", "/api/v2/media", multipartBody{
				fields: map[string]string{"description": "a test picture", "focus": "0.5,-0.25"},
				files:  map[string][]byte{"file": tt.file},
			})
			m := res.object(t)
			checkFields(t, "media", m, []string{"id", "type", "url", "preview_url", "remote_url", "preview_remote_url",
				"text_url", "meta", "description", "blurhash"}, []string{"id"}, nil)
			if m["type"] != "image" || m["description"] != "a test picture" || m["remote_url"] != nil {
				t.Errorf("media = %v", m)
			}
			if b, _ := m["blurhash"].(string); len(b) < 6 {
				t.Errorf("blurhash = %v", m["blurhash"])
			}
			meta := m["meta"].(map[string]any)
			orig := meta["original"].(map[string]any)
			if orig["width"] != tt.wantW || orig["height"] != tt.wantH {
				t.Errorf("original = %v, want %vx%v", orig, tt.wantW, tt.wantH)
			}
			if small := meta["small"].(map[string]any); max(small["width"].(float64), small["height"].(float64)) != tt.wantSmall {
				t.Errorf("small = %v", small)
			}
			if f := meta["focus"].(map[string]any); f["x"] != 0.5 || f["y"] != -0.25 {
				t.Errorf("focus = %v", f)
			}
			body := fetchMedia(t, in, m["url"].(string), tt.wantType)
			if bytes.Contains(body, []byte(marker)) || bytes.Contains(body, []byte("Exif\x00")) {
				t.Errorf("the stored file kept the EXIF segment")
			}
			fetchMedia(t, in, m["preview_url"].(string), tt.preview)
			if m["url"] == m["preview_url"] {
				t.Errorf("preview_url is the full file")
			}

			id := m["id"].(string)
			got := c.mustCall(t, 200, "GET", "/api/v1/media/"+id, nil).object(t)
			if got["url"] != m["url"] {
				t.Errorf("GET media url = %v, want %v", got["url"], m["url"])
			}
			upd := c.mustCall(t, 200, "PUT", "/api/v1/media/"+id, url.Values{"description": {"new words"}, "focus": {"0,0"}}).object(t)
			if upd["description"] != "new words" {
				t.Errorf("PUT description = %v", upd["description"])
			}
		})
	}
}

func fetchMedia(t *testing.T, in *servertest.Instance, u, wantType string) []byte {
	t.Helper()
	if !strings.HasPrefix(u, in.Srv.Config().Server.URL+"/media/") {
		t.Fatalf("media url %q is not under /media/", u)
	}
	resp, body := servertest.Get(t, http.DefaultClient, in.HTTP.URL+strings.TrimPrefix(u, in.Srv.Config().Server.URL))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
		t.Fatalf("GET %s: status %d, type %q, want 200 %s", u, resp.StatusCode, resp.Header.Get("Content-Type"), wantType)
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: Cache-Control %q", u, resp.Header.Get("Cache-Control"))
	}
	return []byte(body)
}

func TestMediaUploadRefusals(t *testing.T) {
	in := servertest.New(t, nil)
	c := newTokenClient(t, in, "write:media")
	tests := []struct {
		name string
		file []byte
		want int
	}{
		{"not an image", []byte("#!/bin/sh\necho hello\n"), 422},
		{"html claiming nothing", []byte("<html><body>hi</body></html>"), 422},
		{"over 16 MB", append(servertest.PNG(t, 8, 8), make([]byte, core.MaxUploadBytes)...), 422},
		{"decompression bomb", hugePNG(100000, 100000), 422},
		{"just over the pixel limit", hugePNG(7681, 4320), 422},
		{"truncated image", servertest.PNG(t, 64, 64)[:60], 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.call(t, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": tt.file}})
			if res.status != tt.want || !strings.Contains(res.body, `"error"`) {
				t.Errorf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
		})
	}
	if res := c.call(t, "POST", "/api/v1/media", multipartBody{fields: map[string]string{"description": "x"}}); res.status != 422 {
		t.Errorf("no file: status %d, want 422", res.status)
	}
	if res := c.call(t, "POST", "/api/v2/media", multipartBody{fields: map[string]string{"focus": "2,0"},
		files: map[string][]byte{"file": servertest.PNG(t, 4, 4)}}); res.status != 422 {
		t.Errorf("focus out of range: status %d, want 422", res.status)
	}
	read := newTokenClient(t, in, "read")
	if res := read.call(t, "POST", "/api/v2/media", multipartBody{files: map[string][]byte{"file": servertest.PNG(t, 4, 4)}}); res.status != 403 {
		t.Errorf("read token: status %d, want 403", res.status)
	}
	if res := c.call(t, "GET", "/api/v1/media/999999", nil); res.status != 404 {
		t.Errorf("unknown media: status %d, want 404", res.status)
	}
	for _, p := range []string{"/media/../kith.db", "/media/%2e%2e/kith.db", "/media/"} {
		if resp, _ := servertest.Get(t, http.DefaultClient, in.HTTP.URL+p); resp.StatusCode == 200 {
			t.Errorf("GET %s: status 200", p)
		}
	}
}

func TestParseFocus(t *testing.T) {
	tests := []struct {
		in     string
		x, y   float64
		wantOK bool
	}{
		{"", 0, 0, true},
		{"0.5,-0.5", 0.5, -0.5, true},
		{" 1 , -1 ", 1, -1, true},
		{"1.5,0", 0, 0, false},
		{"0.5", 0, 0, false},
		{"a,b", 0, 0, false},
	}
	for _, tt := range tests {
		x, y, err := core.ParseFocus(tt.in)
		if (err == nil) != tt.wantOK || x != tt.x || y != tt.y {
			t.Errorf("parseFocus(%q) = %v, %v, %v", tt.in, x, y, err)
		}
	}
}
