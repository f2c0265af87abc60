package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"kith/config"
	"kith/server/oauth"
	"kith/server/servertest"
)

// photoJPEG is a noisy photo-like JPEG of about size bytes.
func photoJPEG(b *testing.B, size int) []byte {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for y := range 1200 {
		for x := range 1600 {
			img.Set(x, y, color.RGBA{uint8(x/7 + r.IntN(60)), uint8(y/5 + r.IntN(60)), uint8(r.IntN(255)), 255})
		}
	}
	for q := 98; q > 50; q -= 4 {
		var buf bytes.Buffer
		jpeg.Encode(&buf, img, &jpeg.Options{Quality: q})
		if buf.Len() <= size {
			return buf.Bytes()
		}
	}
	b.Fatal("no quality gives the size")
	return nil
}

// BenchmarkMediaUpload uploads a 2 MB photo through POST /api/v2/media
// (processing, thumbnail, storage, row) with media in the local
// directory and in S3 (versitygw on loopback), reporting the median.
// The target is S3 at most 1.5 times local.
func BenchmarkMediaUpload(b *testing.B) {
	photo := photoJPEG(b, 2<<20)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write(photo)
	mw.Close()
	for _, kind := range []string{"local", "s3"} {
		b.Run(kind, func(b *testing.B) {
			edit := func(*config.Config) {}
			if kind == "s3" {
				s3 := servertest.StartS3(b)
				edit = func(c *config.Config) { s3.Config(c, "") }
			}
			in := servertest.New(b, edit)
			_, token, err := oauth.CreateAppToken(context.Background(), in.DB, "bench", "", "urn:ietf:wg:oauth:2.0:oob", "write:media")
			if err != nil {
				b.Fatal(err)
			}
			var durations []time.Duration
			b.SetBytes(int64(len(photo)))
			for b.Loop() {
				req, _ := http.NewRequest("POST", in.HTTP.URL+"/api/v2/media", bytes.NewReader(body.Bytes()))
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				durations = append(durations, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("status %d: %.200s", resp.StatusCode, out)
				}
			}
			servertest.ReportPercentiles(b, durations, 50)
		})
	}
}
