package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
)

var (
	// ErrTooLong means a video or audio file lasts longer than allowed.
	ErrTooLong = errors.New("media too long")
	// errNoFFmpeg means ffmpeg is not on the PATH.
	errNoFFmpeg = errors.New("ffmpeg is not on the PATH")
)

// Mastodon's video limits, which apps read from the instance: 4K
// (video_matrix_limit) and 120 frames a second.
const (
	MaxVideoPixels    = 3840 * 2160
	MaxVideoFrameRate = 120
)

// AVLimits bound the video and audio files the owner uploads.
type AVLimits struct {
	VideoMaxBytes, AudioMaxBytes     int64
	VideoMaxSeconds, AudioMaxSeconds float64
}

// MaxBytes is the larger of the two size limits: what a file of unknown
// kind may be.
func (l AVLimits) MaxBytes() int64 { return max(l.VideoMaxBytes, l.AudioMaxBytes) }

// CheckAV probes a video or audio file (see Probe) and checks it against
// the limits for its kind.
func CheckAV(r io.ReaderAt, size int64, l AVLimits) (AVInfo, error) {
	if size > l.MaxBytes() {
		return AVInfo{}, fmt.Errorf("%d bytes, over %d: %w", size, l.MaxBytes(), ErrTooLarge)
	}
	info, err := Probe(r, size)
	if err != nil {
		return AVInfo{}, err
	}
	maxBytes, maxSeconds := l.AudioMaxBytes, l.AudioMaxSeconds
	if info.Video {
		maxBytes, maxSeconds = l.VideoMaxBytes, l.VideoMaxSeconds
	}
	if size > maxBytes {
		return AVInfo{}, fmt.Errorf("%d bytes, over %d: %w", size, maxBytes, ErrTooLarge)
	}
	if info.Video && int64(info.Width)*int64(info.Height) > MaxVideoPixels {
		return AVInfo{}, fmt.Errorf("%dx%d, over %d pixels: %w", info.Width, info.Height, MaxVideoPixels, ErrTooManyPixels)
	}
	if info.FPS() > MaxVideoFrameRate {
		return AVInfo{}, errAV("%s frames a second, over %d", info.FrameRate(), MaxVideoFrameRate)
	}
	if info.Duration > maxSeconds {
		return AVInfo{}, fmt.Errorf("%.1f s, over %.0f: %w", info.Duration, maxSeconds, ErrTooLong)
	}
	return info, nil
}

const (
	// ffmpegTimeout bounds making a preview from a video's first frame.
	ffmpegTimeout = 20 * time.Second
	// ffmpegMaxOutput bounds the frame ffmpeg writes back: a PNG of at
	// most 800×800 pixels.
	ffmpegMaxOutput = 8 << 20
	// frameSide is the largest side of the frame asked of ffmpeg: twice
	// the preview's, so that the scaling down is done here, as for images.
	frameSide = 800
)

// FirstFrame decodes a video's first frame with ffmpeg, if ffmpeg is on
// the PATH. ffmpeg is told the container (the demuxer Probe named) and
// may open nothing but the file itself (no network, no other files it
// names); it runs for at most ffmpegTimeout and its output is capped.
func FirstFrame(ctx context.Context, path, demuxer string) (image.Image, error) {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, errNoFFmpeg
	}
	ctx, cancel := context.WithTimeout(ctx, ffmpegTimeout)
	defer cancel()
	scale := fmt.Sprintf("scale=w='min(iw,%d)':h='min(ih,%d)':force_original_aspect_ratio=decrease", frameSide, frameSide)
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
		"-protocol_whitelist", "file", "-f", demuxer, "-i", "file:"+path,
		"-map", "0:v:0", "-frames:v", "1", "-vf", scale, "-f", "image2pipe", "-c:v", "png", "pipe:1")
	cmd.Env = []string{"PATH=" + filepath.Dir(bin)} // nothing of kith's environment
	var out, stderr cappedBuffer
	out.max, stderr.max = ffmpegMaxOutput, 4<<10
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %v: %s", err, bytes.TrimSpace(stderr.buf.Bytes()))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(out.buf.Bytes()))
	if err != nil || cfg.Width > frameSide || cfg.Height > frameSide {
		return nil, fmt.Errorf("ffmpeg wrote no frame of at most %d pixels a side (%v)", frameSide, err)
	}
	return png.Decode(bytes.NewReader(out.buf.Bytes()))
}

// cappedBuffer keeps up to max bytes and fails the write past them, so
// that a runaway process stops on a broken pipe.
type cappedBuffer struct {
	buf bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		return 0, errors.New("output over its cap")
	}
	return c.buf.Write(p)
}

// placeholderGrey is the neutral colour of a video preview made without
// ffmpeg.
var placeholderGrey = color.NRGBA{0x80, 0x80, 0x80, 0xFF}

// VideoPreview makes a video's preview and blurhash, as Process does
// for an image: from the first frame when ffmpeg can give it, else a
// plain grey picture of the video's shape (ok false; the error says why,
// for the log).
func VideoPreview(ctx context.Context, path string, info AVInfo, thumbSide int) (v Variant, hash string, ok bool, err error) {
	frame, err := FirstFrame(ctx, path, info.Demuxer)
	if err != nil {
		w, h := FitInside(info.Width, info.Height, thumbSide)
		grey := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < len(grey.Pix); i += 4 {
			copy(grey.Pix[i:], []byte{placeholderGrey.R, placeholderGrey.G, placeholderGrey.B, placeholderGrey.A})
		}
		frame = grey
	}
	thumb := imaging.Fit(frame, thumbSide, thumbSide, imaging.Lanczos)
	v, encErr := variant(thumb, imaging.JPEG)
	if encErr != nil {
		return Variant{}, "", false, encErr
	}
	if h, err := blurhash.Encode(4, 3, imaging.Fit(thumb, 64, 64, imaging.Box)); err == nil {
		hash = h
	}
	return v, hash, err == nil, err
}

// AVCache remembers what Probe read from the owner's video and audio
// files, by name: the API shows it with every status that carries one,
// and a file's name never changes meaning. A file it could not read is
// remembered too, so that a broken file costs one read (and one log line
// in the caller), not one per request. It holds at most avCacheSize
// entries and starts over when full.
type AVCache struct {
	mu sync.Mutex
	m  map[string]avCached
}

type avCached struct {
	info AVInfo
	err  error
}

const avCacheSize = 4096

// Info reads (once) a stored file's container; fresh is true when this
// call read it.
func (c *AVCache) Info(ctx context.Context, files Files, name string) (info AVInfo, fresh bool, err error) {
	c.mu.Lock()
	got, ok := c.m[name]
	c.mu.Unlock()
	if ok {
		return got.info, false, got.err
	}
	info, err = probeFile(ctx, files, name)
	if errors.Is(err, fs.ErrNotExist) {
		return AVInfo{}, true, err // not remembered: it may be restored
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= avCacheSize {
		c.m = make(map[string]avCached)
	}
	c.m[name] = avCached{info, err}
	c.mu.Unlock()
	return info, true, err
}

func probeFile(ctx context.Context, files Files, name string) (AVInfo, error) {
	if !fs.ValidPath(name) {
		return AVInfo{}, fmt.Errorf("media name %q: %w", name, fs.ErrInvalid)
	}
	f, err := files.Open(ctx, name)
	if err != nil {
		return AVInfo{}, err
	}
	defer f.Close()
	// Probe reads through a 32 KiB window: a few requests on S3.
	return Probe(f, f.Info().Size)
}
