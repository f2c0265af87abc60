package media

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"net/http"
	"slices"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
)

// Describe reads a remote image's size and computes its blurhash, for a
// preview card. Like Process it sniffs the type (JPEG, PNG, GIF or WebP)
// and checks the header's dimensions against maxPixels before decoding
// anything, so a small file claiming a huge canvas costs nothing.
func Describe(data []byte, maxPixels int64) (width, height int, hash string, err error) {
	mediaType := http.DetectContentType(data)
	if !slices.Contains(SupportedTypes, mediaType) {
		return 0, 0, "", fmt.Errorf("%s: %w", mediaType, ErrUnsupportedType)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, "", fmt.Errorf("%s header: %v: %w", mediaType, err, ErrUnsupportedType)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return 0, 0, "", fmt.Errorf("%dx%d, over %d pixels: %w", cfg.Width, cfg.Height, maxPixels, ErrTooManyPixels)
	}
	var img image.Image
	if mediaType == "image/gif" {
		img, err = gif.Decode(bytes.NewReader(data))
	} else {
		img, err = imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	}
	if err != nil {
		return 0, 0, "", fmt.Errorf("decode %s: %v: %w", mediaType, err, ErrUnsupportedType)
	}
	b := img.Bounds()
	hash, err = blurhash.Encode(4, 3, imaging.Fit(img, 64, 64, imaging.Box))
	if err != nil {
		return 0, 0, "", fmt.Errorf("blurhash: %w", err)
	}
	return b.Dx(), b.Dy(), hash, nil
}
