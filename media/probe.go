package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
)

// AVTypes are the video and audio upload formats Probe accepts, as the
// instance advertises them.
var AVTypes = []string{"video/mp4", "video/webm", "audio/mp4", "audio/webm", "audio/mpeg", "audio/ogg"}

// AVInfo is what Probe reads from a video or audio file's container:
// nothing is decoded or transcoded.
type AVInfo struct {
	ContentType string // video/mp4, video/webm, audio/mp4, audio/webm, audio/mpeg or audio/ogg
	Ext         string // the extension the file is stored with
	Demuxer     string // ffmpeg's name for the container, for the thumbnail
	Video       bool   // it has a video track: shown as a video, else as audio
	Width       int    // of the video track, 0 for audio
	Height      int
	Duration    float64 // seconds
	// FrameRate is frames per second as a fraction (FrameNum/FrameDen),
	// as Mastodon shows it ("30/1"); zero when the container does not say.
	FrameNum, FrameDen int64
	Bitrate            int64 // bits per second over the whole file
	VideoCodec         string
	AudioCodec         string
	SampleRate         int // Hz, 0 when unknown
	Channels           int
}

// FrameRate is the frame rate as Mastodon writes it ("30/1"), or "".
func (i AVInfo) FrameRate() string {
	if i.FrameNum <= 0 || i.FrameDen <= 0 {
		return ""
	}
	return strconv.FormatInt(i.FrameNum, 10) + "/" + strconv.FormatInt(i.FrameDen, 10)
}

// FPS is the frame rate as a number, 0 when unknown.
func (i AVInfo) FPS() float64 {
	if i.FrameNum <= 0 || i.FrameDen <= 0 {
		return 0
	}
	return float64(i.FrameNum) / float64(i.FrameDen)
}

// errAV makes a refusal of a damaged or unsupported file.
func errAV(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrUnsupportedType)...)
}

// SniffAV reports whether the opening bytes of a file look like one of the
// containers Probe reads (it may still refuse the file).
func SniffAV(head []byte) bool {
	return sniffAV(head) != ""
}

func sniffAV(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return "mp4"
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "webm"
	case bytes.HasPrefix(head, []byte("OggS")):
		return "ogg"
	case bytes.HasPrefix(head, []byte("ID3")):
		return "mp3"
	case len(head) >= 4:
		if _, ok := parseMP3Header(binary.BigEndian.Uint32(head)); ok {
			return "mp3"
		}
	}
	return ""
}

// Probe reads a video or audio file's container (ISO BMFF for MP4 and
// M4A, EBML for WebM, Ogg pages, MP3 frames): its kind, dimensions,
// duration, frame rate and bitrate. The file is hostile: every length
// it states is checked against its size, no read is larger than
// maxAVRead, and a file needing more than maxAVReads reads is refused.
// Only the codecs browsers and apps play are accepted: H.264 and AAC in
// MP4, VP8, VP9 or AV1 with Opus or Vorbis in WebM, Opus or Vorbis in
// Ogg, and MP3.
func Probe(r io.ReaderAt, size int64) (AVInfo, error) {
	ar := &avReader{r: r, size: size}
	head, err := ar.at(0, int(min(size, 16)))
	if err != nil {
		return AVInfo{}, err
	}
	var info AVInfo
	switch sniffAV(head) {
	case "mp4":
		info, err = probeMP4(ar)
	case "webm":
		info, err = probeWebM(ar)
	case "ogg":
		info, err = probeOgg(ar)
	case "mp3":
		info, err = probeMP3(ar)
	default:
		return AVInfo{}, errAV("not a video or audio file kith reads")
	}
	if err != nil {
		return AVInfo{}, err
	}
	if !(info.Duration > 0) || math.IsInf(info.Duration, 0) {
		return AVInfo{}, errAV("%s: no duration", info.ContentType)
	}
	if info.Video && (info.Width <= 0 || info.Height <= 0 || info.Width > maxAVSide || info.Height > maxAVSide) {
		return AVInfo{}, errAV("%s: video size %dx%d", info.ContentType, info.Width, info.Height)
	}
	info.Bitrate = int64(float64(size) * 8 / info.Duration)
	info.FrameNum, info.FrameDen = reduceRate(info.FrameNum, info.FrameDen)
	return info, nil
}

// maxAVSide is the largest video width or height believed (8K is 7680).
const maxAVSide = 16384

// reduceRate reduces a frame rate fraction, dropping nonsense (over 1000
// frames a second, or non-positive parts).
func reduceRate(num, den int64) (int64, int64) {
	if num <= 0 || den <= 0 || num/den > 1000 {
		return 0, 0
	}
	g := new(big.Int).GCD(nil, nil, big.NewInt(num), big.NewInt(den)).Int64()
	return num / g, den / g
}

const (
	// maxAVRead is the largest single read a parser makes: larger
	// elements are skipped by offset, never loaded.
	maxAVRead = 64 << 10
	// maxAVReads bounds the reads one file may cost.
	maxAVReads = 200000
	// avWindow is how much each read fetches ahead, so that walking many
	// small elements costs few system calls.
	avWindow = 32 << 10
)

// avReader reads a file by offset through a small window, checking every
// offset against the file's size and counting reads.
type avReader struct {
	r      io.ReaderAt
	size   int64
	win    []byte
	winOff int64
	reads  int
}

// at returns n bytes at off (valid until the next call), or an error when
// they are not all inside the file.
func (a *avReader) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || n > maxAVRead || off > a.size || int64(n) > a.size-off {
		return nil, errAV("read of %d bytes at %d is outside the file", n, off)
	}
	if off >= a.winOff && off+int64(n) <= a.winOff+int64(len(a.win)) {
		return a.win[off-a.winOff : off-a.winOff+int64(n)], nil
	}
	a.reads++
	if a.reads > maxAVReads {
		return nil, errAV("too many elements")
	}
	want := int(min(int64(max(n, avWindow)), a.size-off))
	if cap(a.win) < want {
		a.win = make([]byte, want)
	}
	a.win = a.win[:want]
	got, err := a.r.ReadAt(a.win, off)
	if got < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		a.win = a.win[:0]
		return nil, fmt.Errorf("read media: %w", err)
	}
	a.win, a.winOff = a.win[:got], off
	return a.win[:n], nil
}

// FormatLength writes seconds as Mastodon's "length": "0:01:28.65".
func FormatLength(seconds float64) string {
	if !(seconds >= 0) || seconds > 1e9 {
		return "0:00:00.00"
	}
	cs := int64(math.Round(seconds * 100))
	h, cs := cs/360000, cs%360000
	m, cs := cs/6000, cs%6000
	return fmt.Sprintf("%d:%02d:%02d.%02d", h, m, cs/100, cs%100)
}
