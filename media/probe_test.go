package media

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The files in testdata were made with ffmpeg from its test sources
// (testsrc 64×48 at 10 frames a second and a 440 Hz sine, one second),
// each a few kilobytes: video.mp4 (H.264 + AAC, moov first),
// video-moovlast.mp4 (32×24 at 25 fps, 0.4 s, moov after mdat),
// video.webm (VP8 + Opus), video-live.webm (VP9 + Vorbis written to a
// pipe, so with no duration in its header, as a live recording),
// audio.mp3 (Xing header), audio-cbr.mp3 (no Xing, no ID3),
// audio.ogg (Vorbis), audio-opus.ogg and audio.m4a (AAC).
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProbe(t *testing.T) {
	tests := []struct {
		file          string
		contentType   string
		video         bool
		width, height int
		duration      float64 // as ffprobe reports it, within 0.06 s
		frameRate     string
		videoCodec    string
		audioCodec    string
		sampleRate    int
	}{
		{"video.mp4", "video/mp4", true, 64, 48, 1.0, "10/1", "h264", "aac", 44100},
		{"video-moovlast.mp4", "video/mp4", true, 32, 24, 0.4, "25/1", "h264", "", 0},
		{"video.webm", "video/webm", true, 64, 48, 1.008, "10/1", "vp8", "opus", 48000},
		{"video-live.webm", "video/webm", true, 64, 48, 1.0, "10/1", "vp9", "vorbis", 44100},
		{"audio.mp3", "audio/mpeg", false, 0, 0, 1.045, "", "", "mp3", 44100},
		{"audio-cbr.mp3", "audio/mpeg", false, 0, 0, 1.045, "", "", "mp3", 44100},
		{"audio.ogg", "audio/ogg", false, 0, 0, 1.0, "", "", "vorbis", 44100},
		{"audio-opus.ogg", "audio/ogg", false, 0, 0, 1.0065, "", "", "opus", 48000},
		{"audio.m4a", "audio/mp4", false, 0, 0, 1.0, "", "", "aac", 44100},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readTestdata(t, tt.file)
			got, err := Probe(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if got.ContentType != tt.contentType || got.Video != tt.video || got.Width != tt.width || got.Height != tt.height {
				t.Errorf("got %s video=%v %dx%d, want %s video=%v %dx%d", got.ContentType, got.Video, got.Width, got.Height,
					tt.contentType, tt.video, tt.width, tt.height)
			}
			if math.Abs(got.Duration-tt.duration) > 0.06 {
				t.Errorf("duration %v, want %v", got.Duration, tt.duration)
			}
			if got.FrameRate() != tt.frameRate {
				t.Errorf("frame rate %q, want %q", got.FrameRate(), tt.frameRate)
			}
			if got.VideoCodec != tt.videoCodec || got.AudioCodec != tt.audioCodec || got.SampleRate != tt.sampleRate {
				t.Errorf("codecs %q %q at %d Hz, want %q %q at %d Hz", got.VideoCodec, got.AudioCodec, got.SampleRate,
					tt.videoCodec, tt.audioCodec, tt.sampleRate)
			}
			if want := int64(float64(len(data)) * 8 / got.Duration); got.Bitrate != want {
				t.Errorf("bitrate %d, want %d", got.Bitrate, want)
			}
		})
	}
}

// TestProbeTruncated cuts every test file at many points: each cut is
// refused or read, never a panic or a read outside the file.
func TestProbeTruncated(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		data := readTestdata(t, filepath.Base(name))
		for n := 0; n < len(data); n += 1 + n/50 {
			_, err := Probe(bytes.NewReader(data[:n]), int64(n))
			if err != nil && !errors.Is(err, ErrUnsupportedType) {
				t.Errorf("%s cut at %d: %v, want ErrUnsupportedType", name, n, err)
			}
		}
	}
}

func TestProbeRefuses(t *testing.T) {
	mp4 := readTestdata(t, "video.mp4")
	// A box claiming 4 GiB inside a small file.
	huge := bytes.Clone(mp4)
	copy(huge[0:4], []byte{0xFF, 0xFF, 0xFF, 0xF0})
	// H.264 renamed to HEVC's sample entry.
	hevc := bytes.ReplaceAll(bytes.Clone(mp4), []byte("avc1"), []byte("hvc1"))
	webm := readTestdata(t, "video.webm")
	mkv := bytes.Replace(bytes.Clone(webm), []byte("webm"), []byte("mkvx"), 1)
	tests := map[string][]byte{
		"empty":             {},
		"text":              []byte("hello, this is not a video at all"),
		"png":               testPNG(t, 4, 4),
		"mp4 box overrun":   huge,
		"mp4 hevc":          hevc,
		"matroska doc type": mkv,
		"ogg theora":        append([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x07"), "\x80theora"...),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Probe(bytes.NewReader(data), int64(len(data))); !errors.Is(err, ErrUnsupportedType) {
				t.Errorf("got %v, want ErrUnsupportedType", err)
			}
		})
	}
}

func TestFormatLength(t *testing.T) {
	for in, want := range map[float64]string{0: "0:00:00.00", 88.654: "0:01:28.65", 3725.5: "1:02:05.50", math.NaN(): "0:00:00.00"} {
		if got := FormatLength(in); got != want {
			t.Errorf("FormatLength(%v) = %q, want %q", in, got, want)
		}
	}
}

// FuzzProbe reads arbitrary bytes as a video or audio file: no panic, no
// endless loop, and what it accepts is sane.
func FuzzProbe(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		f.Add(readTestdata(f, filepath.Base(name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Probe(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("error %v is not ErrUnsupportedType", err)
			}
			return
		}
		if !(info.Duration > 0) || info.Bitrate < 0 || info.Width < 0 || info.Height < 0 || info.FrameNum < 0 || info.FrameDen < 0 {
			t.Fatalf("accepted %+v", info)
		}
		if info.Video && (info.Width == 0 || info.Height == 0) {
			t.Fatalf("video without a size: %+v", info)
		}
	})
}

// BenchmarkProbe reads each test file's container from memory: the cost
// of an upload's check, and of the API's first look at a stored file.
func BenchmarkProbe(b *testing.B) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		data := readTestdata(b, filepath.Base(name))
		b.Run(filepath.Base(name), func(b *testing.B) {
			for b.Loop() {
				if _, err := Probe(bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestAVCache(t *testing.T) { eachStore(t, testAVCache) }

func testAVCache(t *testing.T, ts testStore) {
	ctx := context.Background()
	files := ts.files
	if err := files.Write(ctx, "a.webm", readTestdata(t, "video.webm")); err != nil {
		t.Fatal(err)
	}
	if err := files.Write(ctx, "bad.mp4", []byte("not a video at all, only words")); err != nil {
		t.Fatal(err)
	}
	var c AVCache
	info, fresh, err := c.Info(ctx, files, "a.webm")
	if err != nil || !fresh || info.Width != 64 {
		t.Fatalf("first read: %+v fresh=%v err=%v", info, fresh, err)
	}
	// Remembered: the file is no longer read.
	files.Remove(ctx, "a.webm")
	if info, fresh, err := c.Info(ctx, files, "a.webm"); err != nil || fresh || info.Width != 64 {
		t.Errorf("second read: %+v fresh=%v err=%v, want the remembered info", info, fresh, err)
	}
	for i := range 2 {
		if _, fresh, err := c.Info(ctx, files, "bad.mp4"); !errors.Is(err, ErrUnsupportedType) || fresh != (i == 0) {
			t.Errorf("bad file, read %d: fresh=%v err=%v", i, fresh, err)
		}
	}
	if _, _, err := c.Info(ctx, files, "../outside.mp4"); err == nil {
		t.Errorf("a name leaving the directory was read")
	}
}
