package media

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// gradient is a w×h image whose top-left corner is red, so orientation
// can be checked after decoding.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 100, 255})
		}
	}
	return img
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, gradient(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exifJPEG makes a JPEG with an EXIF (APP1) segment: an IFD0 holding the
// orientation tag (0 for none), then marker, as a phone would hold a GPS
// position.
func exifJPEG(t testing.TB, w, h int, orientation uint16, marker string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gradient(w, h), nil); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	if orientation == 0 {
		tiff = append(tiff, 0, 0)
	} else {
		tiff = append(tiff, 1, 0) // one entry: Orientation, SHORT, count 1
		tiff = binary.LittleEndian.AppendUint16(tiff, 0x0112)
		tiff = binary.LittleEndian.AppendUint16(tiff, 3)
		tiff = binary.LittleEndian.AppendUint32(tiff, 1)
		tiff = binary.LittleEndian.AppendUint16(tiff, orientation)
		tiff = append(tiff, 0, 0)
	}
	tiff = append(tiff, 0, 0, 0, 0) // no next IFD
	payload := append(append([]byte("Exif\x00\x00"), tiff...), marker...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	data := buf.Bytes()
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

// hugePNG is a PNG header claiming w×h pixels with almost no data: a
// decompression bomb's opening. Decoding it would allocate w×h×4 bytes.
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

// animatedGIF has two frames of w×h.
func animatedGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	var frames []*image.Paletted
	for i := range 2 {
		f := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for x := range w {
			f.SetColorIndex(x, (x+i)%h, uint8(10+i))
		}
		frames = append(frames, f)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: frames, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tinyWebP is a 1×1 lossless WebP (the one Modernizr detects support with).
func tinyWebP(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProcess(t *testing.T) {
	gifData := animatedGIF(t, 30, 20)
	tests := []struct {
		name          string
		data          []byte
		limits        Limits
		wantType      string
		wantW, wantH  int
		wantThumbSide int // the thumbnail's larger side, 0 for none
	}{
		{"png", testPNG(t, 64, 32), UploadLimits, "image/png", 64, 32, 64},
		{"png scaled down", testPNG(t, 2000, 1000), UploadLimits, "image/png", 1920, 960, 400},
		{"jpeg", exifJPEG(t, 50, 20, 0, "GPS 48.85N"), UploadLimits, "image/jpeg", 50, 20, 50},
		{"jpeg rotated by its orientation", exifJPEG(t, 50, 20, 6, "GPS 48.85N"), UploadLimits, "image/jpeg", 20, 50, 50},
		{"gif kept as sent", gifData, UploadLimits, "image/gif", 30, 20, 30},
		{"webp re-encoded", tinyWebP(t), UploadLimits, "image/png", 1, 1, 1},
		{"avatar scaled, no thumbnail", testPNG(t, 800, 600), AvatarLimits, "image/png", 400, 300, 0},
		{"header scaled", exifJPEG(t, 3000, 600, 0, ""), HeaderLimits, "image/jpeg", 1500, 300, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Process(tt.data, "application/octet-stream", tt.limits)
			if err != nil {
				t.Fatal(err)
			}
			o := p.Original
			if o.ContentType != tt.wantType || o.Width != tt.wantW || o.Height != tt.wantH {
				t.Errorf("original %s %dx%d, want %s %dx%d", o.ContentType, o.Width, o.Height, tt.wantType, tt.wantW, tt.wantH)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(o.Data))
			if err != nil || "image/"+format != tt.wantType || cfg.Width != tt.wantW || cfg.Height != tt.wantH {
				t.Errorf("stored file decodes as %s %dx%d (%v), want %s %dx%d", format, cfg.Width, cfg.Height, err, tt.wantType, tt.wantW, tt.wantH)
			}
			for _, leak := range []string{"Exif", "GPS"} {
				if bytes.Contains(o.Data, []byte(leak)) || bytes.Contains(p.Thumbnail.Data, []byte(leak)) {
					t.Errorf("stored files still contain %q", leak)
				}
			}
			if got := max(p.Thumbnail.Width, p.Thumbnail.Height); got != tt.wantThumbSide {
				t.Errorf("thumbnail side %d, want %d", got, tt.wantThumbSide)
			}
			if (p.Blurhash != "") != (tt.wantThumbSide > 0) {
				t.Errorf("blurhash %q with thumbnail side %d", p.Blurhash, tt.wantThumbSide)
			}
		})
	}
	p, err := Process(gifData, "image/gif", UploadLimits)
	if err != nil || !bytes.Equal(p.Original.Data, gifData) {
		t.Errorf("animated GIF not kept as sent (err %v)", err)
	}
}

// TestProcessOrientation checks the rotation direction, not just the
// swapped sides: orientation 6 means "rotate 90° clockwise to view", so
// the stored top-left corner is the original's bottom-left.
func TestProcessOrientation(t *testing.T) {
	p, err := Process(exifJPEG(t, 64, 32, 6, ""), "image/jpeg", UploadLimits)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Original.Data))
	if err != nil {
		t.Fatal(err)
	}
	r, g, _, _ := img.At(1, 1).RGBA()
	// The original's bottom-left is low red, high green.
	if r>>8 > 60 || g>>8 < 190 {
		t.Errorf("top-left after rotation is r=%d g=%d, want the original's bottom-left (r≈0, g≈255)", r>>8, g>>8)
	}
}

func TestProcessRefusals(t *testing.T) {
	small := Limits{MaxBytes: 100, MaxPixels: 1 << 20, MaxWidth: 100, MaxHeight: 100, ThumbSide: 50}
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   error
	}{
		{"shell script", []byte("#!/bin/sh\necho hello\n"), UploadLimits, ErrUnsupportedType},
		{"html", []byte("<html><body>hi</body></html>"), UploadLimits, ErrUnsupportedType},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), UploadLimits, ErrUnsupportedType},
		{"empty", nil, UploadLimits, ErrUnsupportedType},
		{"truncated png", testPNG(t, 64, 64)[:60], UploadLimits, ErrUnsupportedType},
		{"oversized", testPNG(t, 64, 64), small, ErrTooLarge},
		// Decoding would allocate 40 GB; the header check refuses it first.
		{"decompression bomb", hugePNG(100000, 100000), UploadLimits, ErrTooManyPixels},
		{"just over the pixel limit", hugePNG(7681, 4320), UploadLimits, ErrTooManyPixels},
		{"zero width", hugePNG(0, 10), UploadLimits, ErrUnsupportedType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(tt.data, "image/png", tt.limits)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseFocus(t *testing.T) {
	tests := []struct {
		in     string
		x, y   float64
		wantOK bool
	}{
		{"", 0, 0, true},
		{"0.5,-0.25", 0.5, -0.25, true},
		{" 1 , -1 ", 1, -1, true},
		{"1.5,0", 0, 0, false},
		{"NaN,0", 0, 0, false},
		{"0.5", 0, 0, false},
		{"a,b", 0, 0, false},
	}
	for _, tt := range tests {
		x, y, err := ParseFocus(tt.in)
		if (err == nil) != tt.wantOK || x != tt.x || y != tt.y {
			t.Errorf("ParseFocus(%q) = %v, %v, %v; want %v, %v, ok %v", tt.in, x, y, err, tt.x, tt.y, tt.wantOK)
		}
	}
}

// FuzzProcess feeds Process arbitrary bytes: it must refuse or succeed,
// never panic, and never produce a file over the limits.
func FuzzProcess(f *testing.F) {
	f.Add(testPNG(f, 8, 8))
	f.Add(exifJPEG(f, 8, 8, 6, "x"))
	f.Add(animatedGIF(f, 8, 8))
	f.Add(tinyWebP(f))
	f.Add(hugePNG(5000, 5000))
	l := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 16, MaxWidth: 64, MaxHeight: 64, ThumbSide: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Process(data, "", l)
		if err != nil {
			return
		}
		if p.Original.Width*p.Original.Height > 1<<16 || max(p.Thumbnail.Width, p.Thumbnail.Height) > 16 {
			t.Errorf("accepted %dx%d with thumbnail %dx%d, over the limits",
				p.Original.Width, p.Original.Height, p.Thumbnail.Width, p.Thumbnail.Height)
		}
	})
}
