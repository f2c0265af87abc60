package media

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"
)

func TestDescribe(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	w, h, hash, err := Describe(buf.Bytes(), 1000)
	if err != nil || w != 30 || h != 20 || len(hash) < 6 {
		t.Errorf("Describe = %d×%d %q %v, want 30×20 and a blurhash", w, h, hash, err)
	}
	if _, _, _, err := Describe(buf.Bytes(), 599); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("600 pixels over a limit of 599: err %v, want ErrTooManyPixels", err)
	}
	if _, _, _, err := Describe([]byte("<svg onload=alert(1)>"), 1000); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("SVG: err %v, want ErrUnsupportedType", err)
	}
}
