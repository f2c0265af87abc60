package media

import (
	"bytes"
	"encoding/binary"
)

// mp3Frame is what an MPEG audio frame header says.
type mp3Frame struct {
	mpeg1      bool
	bitrate    int // bits per second
	sampleRate int
	channels   int
	samples    int // per frame
	size       int // bytes, header included
}

var (
	// Layer III bitrates in kbit/s by index, for MPEG-1 and MPEG-2/2.5.
	mp3Bitrates1 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	mp3Bitrates2 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
	mp3Rates     = [3]int{44100, 48000, 32000}
)

// parseMP3Header reads a Layer III frame header (other layers are not
// taken: nobody uploads MP2).
func parseMP3Header(h uint32) (mp3Frame, bool) {
	if h>>21 != 0x7FF {
		return mp3Frame{}, false
	}
	version, layer := (h>>19)&3, (h>>17)&3
	bi, ri, pad := (h>>12)&15, (h>>10)&3, int(h>>9)&1
	if version == 1 || layer != 1 || bi == 0 || bi == 15 || ri == 3 {
		return mp3Frame{}, false
	}
	f := mp3Frame{mpeg1: version == 3, sampleRate: mp3Rates[ri], channels: 2}
	if (h>>6)&3 == 3 {
		f.channels = 1
	}
	switch version {
	case 3:
		f.bitrate, f.samples = mp3Bitrates1[bi]*1000, 1152
	case 2:
		f.bitrate, f.samples, f.sampleRate = mp3Bitrates2[bi]*1000, 576, f.sampleRate/2
	case 0:
		f.bitrate, f.samples, f.sampleRate = mp3Bitrates2[bi]*1000, 576, f.sampleRate/4
	}
	f.size = f.samples/8*f.bitrate/f.sampleRate + pad
	return f, f.size >= 4
}

// mp3SearchBytes is how far past the tags the first frame is looked for.
const mp3SearchBytes = 64 << 10

// probeMP3 reads an MP3 file: it skips an ID3v2 tag, finds the first
// frame (confirmed by a second frame right after it), and takes the
// duration from its Xing/Info or VBRI header (frame count), or, for a
// constant-bitrate file without one, from the size and the bitrate.
func probeMP3(a *avReader) (AVInfo, error) {
	start := int64(0)
	if h, err := a.at(0, min(10, int(a.size))); err == nil && len(h) == 10 && bytes.HasPrefix(h, []byte("ID3")) {
		size := int64(h[6]&0x7F)<<21 | int64(h[7]&0x7F)<<14 | int64(h[8]&0x7F)<<7 | int64(h[9]&0x7F)
		start = 10 + size
		if h[5]&0x10 != 0 {
			start += 10 // a footer
		}
	}
	end := a.size
	if end >= 128 {
		if t, err := a.at(end-128, 3); err == nil && string(t) == "TAG" {
			end -= 128 // an ID3v1 tag
		}
	}
	off, f, err := mp3FirstFrame(a, start, end)
	if err != nil {
		return AVInfo{}, err
	}
	info := AVInfo{ContentType: "audio/mpeg", Ext: ".mp3", Demuxer: "mp3", AudioCodec: "mp3", SampleRate: f.sampleRate, Channels: f.channels}
	if frames := mp3FrameCount(a, off, f); frames > 0 {
		info.Duration = float64(frames) * float64(f.samples) / float64(f.sampleRate)
	} else {
		info.Duration = float64(end-off) * 8 / float64(f.bitrate)
	}
	return info, nil
}

// mp3FirstFrame finds the first frame header followed by another.
func mp3FirstFrame(a *avReader, start, end int64) (int64, mp3Frame, error) {
	for off := start; off+4 <= end && off < start+mp3SearchBytes; off++ {
		h, err := a.at(off, 4)
		if err != nil {
			return 0, mp3Frame{}, err
		}
		f, ok := parseMP3Header(binary.BigEndian.Uint32(h))
		if !ok {
			continue
		}
		next := off + int64(f.size)
		if next == end {
			return off, f, nil // a file of one frame
		}
		if next+4 <= end {
			if h, err := a.at(next, 4); err == nil {
				if _, ok := parseMP3Header(binary.BigEndian.Uint32(h)); ok {
					return off, f, nil
				}
			}
		}
	}
	return 0, mp3Frame{}, errAV("mp3: no frames")
}

// mp3FrameCount reads the frame count from the first frame's Xing/Info
// header (after the side information) or VBRI header (at 36), 0 if none.
func mp3FrameCount(a *avReader, off int64, f mp3Frame) int64 {
	side := 17
	switch {
	case f.mpeg1 && f.channels == 2:
		side = 32
	case !f.mpeg1 && f.channels == 1:
		side = 9
	}
	if p, err := a.at(off+4+int64(side), 12); err == nil && (string(p[:4]) == "Xing" || string(p[:4]) == "Info") {
		if binary.BigEndian.Uint32(p[4:])&1 != 0 {
			return int64(binary.BigEndian.Uint32(p[8:]))
		}
	}
	if p, err := a.at(off+36, 18); err == nil && string(p[:4]) == "VBRI" {
		return int64(binary.BigEndian.Uint32(p[14:]))
	}
	return 0
}
