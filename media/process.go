// Package media is kith's one place for image files: checking and
// re-encoding uploads (Process), writing them under the media directory
// (Files), caching remote media on demand (Cache), and the housekeeping
// the admin commands and the periodic job run (Prune, Usage,
// RemoveOrphans). It knows nothing of HTTP requests or templates.
package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	_ "image/jpeg" // decoders for image.DecodeConfig and imaging.Decode
	_ "image/png"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // WebP is decoded, then re-encoded as PNG or JPEG
)

var (
	// ErrUnsupportedType means the bytes are not a JPEG, PNG, GIF or WebP
	// image (whatever the name or the declared type say), or are damaged.
	ErrUnsupportedType = errors.New("unsupported media type")
	// ErrTooLarge means the file is over Limits.MaxBytes.
	ErrTooLarge = errors.New("file too large")
	// ErrTooManyPixels means the image's header claims more than
	// Limits.MaxPixels: refused before any pixel is decoded.
	ErrTooManyPixels = errors.New("image has too many pixels")
	// ErrBadFocus means a focal point is not "x,y" within [-1, 1].
	ErrBadFocus = errors.New("focus must be two numbers between -1 and 1, as \"x,y\"")
)

// SupportedTypes are the upload formats Process accepts.
var SupportedTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// Limits bound what Process accepts and produces.
type Limits struct {
	MaxBytes  int64 // the largest file accepted
	MaxPixels int64 // width × height from the header, checked before decoding
	MaxWidth  int   // the stored image is scaled down to fit MaxWidth × MaxHeight
	MaxHeight int
	ThumbSide int // the thumbnail fits ThumbSide × ThumbSide; 0 makes none
}

// Mastodon's upload limits, which apps read from the instance: 16 MB and
// its image_matrix_limit (7680×4320, about 130 MB once decoded). Apps
// downscale bigger photos before sending.
const (
	MaxUploadBytes  = 16 << 20
	MaxUploadPixels = 33177600
	// MaxProfileImageBytes is the largest avatar or header.
	MaxProfileImageBytes = 8 << 20
)

// Limits for the three kinds of image the owner uploads.
var (
	// UploadLimits are for post attachments.
	UploadLimits = Limits{MaxBytes: MaxUploadBytes, MaxPixels: MaxUploadPixels, MaxWidth: 1920, MaxHeight: 1920, ThumbSide: 400}
	// AvatarLimits and HeaderLimits are Mastodon's profile image sizes.
	AvatarLimits = Limits{MaxBytes: MaxProfileImageBytes, MaxPixels: 8192 * 8192, MaxWidth: 400, MaxHeight: 400}
	HeaderLimits = Limits{MaxBytes: MaxProfileImageBytes, MaxPixels: 8192 * 8192, MaxWidth: 1500, MaxHeight: 500}
)

// jpegQuality is the re-encoding quality: visually lossless for photos at
// a third of a camera's file size.
const jpegQuality = 85

// Variant is one encoded file.
type Variant struct {
	Data        []byte
	ContentType string // image/jpeg, image/png or image/gif
	Ext         string // ".jpg", ".png" or ".gif"
	Width       int
	Height      int
}

// Processed is an accepted image: the file to store and its thumbnail
// (zero when Limits.ThumbSide is 0), with what the API shows about them.
type Processed struct {
	Original  Variant
	Thumbnail Variant
	Blurhash  string // empty when there is no thumbnail to compute it from
}

// Process checks an image and re-encodes it. The checks come before any
// decoding: the size, the type sniffed from the bytes (declaredType, the
// client's word, is only quoted in the error), and the dimensions read from
// the header alone, so a small file claiming a huge canvas (a decompression
// bomb) is refused without allocating it. The image is then decoded,
// turned upright by its EXIF orientation and re-encoded, so the result
// carries no EXIF (no GPS position, no camera serial). An animated GIF
// within the limits is kept as sent (it carries no EXIF; re-encoding would
// lose the animation); its first frame makes the thumbnail. WebP becomes
// PNG or JPEG, which every client shows.
func Process(data []byte, declaredType string, l Limits) (Processed, error) {
	if int64(len(data)) > l.MaxBytes {
		return Processed{}, fmt.Errorf("%d bytes, over %d: %w", len(data), l.MaxBytes, ErrTooLarge)
	}
	mediaType := http.DetectContentType(data)
	if !slices.Contains(SupportedTypes, mediaType) {
		return Processed{}, fmt.Errorf("%s (declared %q): %w", mediaType, declaredType, ErrUnsupportedType)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Processed{}, fmt.Errorf("%s header: %v: %w", mediaType, err, ErrUnsupportedType)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > l.MaxPixels {
		return Processed{}, fmt.Errorf("%dx%d, over %d pixels: %w", cfg.Width, cfg.Height, l.MaxPixels, ErrTooManyPixels)
	}
	img, err := decodeUpright(data, mediaType)
	if err != nil {
		return Processed{}, fmt.Errorf("decode %s: %v: %w", mediaType, err, ErrUnsupportedType)
	}
	return encode(data, mediaType, img, l)
}

// decodeUpright decodes an image, applying its EXIF orientation. For a
// GIF only the first frame is decoded.
func decodeUpright(data []byte, mediaType string) (image.Image, error) {
	if mediaType == "image/gif" {
		return gif.Decode(bytes.NewReader(data))
	}
	return imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
}

// encode makes the stored file and the thumbnail from a decoded image.
func encode(data []byte, mediaType string, img image.Image, l Limits) (Processed, error) {
	opaque := isOpaque(img)
	full := imaging.Fit(img, l.MaxWidth, l.MaxHeight, imaging.Lanczos)
	var out Processed
	var err error
	switch {
	case mediaType == "image/gif":
		// Kept as sent: the size is that of the GIF, not the scaled frame.
		b := img.Bounds()
		out.Original = Variant{Data: data, ContentType: "image/gif", Ext: ".gif", Width: b.Dx(), Height: b.Dy()}
	case mediaType == "image/png" || !opaque:
		out.Original, err = variant(full, imaging.PNG)
	default:
		out.Original, err = variant(full, imaging.JPEG)
	}
	if err != nil || l.ThumbSide <= 0 {
		return out, err
	}
	thumb := imaging.Fit(full, l.ThumbSide, l.ThumbSide, imaging.Lanczos)
	format := imaging.JPEG
	if !opaque {
		format = imaging.PNG
	}
	if out.Thumbnail, err = variant(thumb, format); err != nil {
		return Processed{}, err
	}
	// A blurhash of 4×3 components needs only a tiny image; computing it
	// on the thumbnail would cost a hundred times more for the same hash.
	if h, err := blurhash.Encode(4, 3, imaging.Fit(thumb, 64, 64, imaging.Box)); err == nil {
		out.Blurhash = h
	}
	return out, nil
}

func variant(img image.Image, format imaging.Format) (Variant, error) {
	var buf bytes.Buffer
	if err := imaging.Encode(&buf, img, format, imaging.JPEGQuality(jpegQuality)); err != nil {
		return Variant{}, fmt.Errorf("encode image: %w", err)
	}
	v := Variant{Data: buf.Bytes(), ContentType: "image/jpeg", Ext: ".jpg", Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	if format == imaging.PNG {
		v.ContentType, v.Ext = "image/png", ".png"
	}
	return v, nil
}

func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// ParseFocus reads Mastodon's focal point "x,y", each in [-1, 1]; empty
// means the centre.
func ParseFocus(s string) (x, y float64, err error) {
	if s == "" {
		return 0, 0, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	// Written as !(in range) so that NaN is refused too.
	if !ok || errX != nil || errY != nil || !(x >= -1 && x <= 1 && y >= -1 && y <= 1) {
		return 0, 0, ErrBadFocus
	}
	return x, y, nil
}

// FitInside scales w×h down to fit a side×side box, keeping the aspect:
// the size of the thumbnail Process makes for a w×h image.
func FitInside(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}
