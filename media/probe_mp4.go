package media

import (
	"encoding/binary"
)

// mp4Box is one ISO BMFF box: its type and where its payload lies.
type mp4Box struct {
	typ        string
	start, end int64 // the payload, after the header
}

// mp4Boxes lists the boxes between start and end (a file or a box's
// payload). A box may not claim to end past its parent.
func mp4Boxes(a *avReader, start, end int64) ([]mp4Box, error) {
	var out []mp4Box
	for off := start; off+8 <= end; {
		h, err := a.at(off, 8)
		if err != nil {
			return nil, err
		}
		size, typ, hdr := int64(binary.BigEndian.Uint32(h)), string(h[4:8]), int64(8)
		switch size {
		case 0: // to the end of the parent
			size = end - off
		case 1: // a 64-bit size follows
			l, err := a.at(off+8, 8)
			if err != nil {
				return nil, err
			}
			size, hdr = int64(binary.BigEndian.Uint64(l)), 16
		}
		if size < hdr || size > end-off {
			return nil, errAV("mp4: box %q of %d bytes at %d overruns its parent", typ, size, off)
		}
		out = append(out, mp4Box{typ: typ, start: off + hdr, end: off + size})
		if len(out) > 4096 {
			return nil, errAV("mp4: too many boxes")
		}
		off += size
	}
	return out, nil
}

// mp4Child finds the first box of a type among b's children.
func mp4Child(a *avReader, b mp4Box, typ string) (mp4Box, bool, error) {
	kids, err := mp4Boxes(a, b.start, b.end)
	if err != nil {
		return mp4Box{}, false, err
	}
	for _, k := range kids {
		if k.typ == typ {
			return k, true, nil
		}
	}
	return mp4Box{}, false, nil
}

// mp4Path follows a path of box types down from b.
func mp4Path(a *avReader, b mp4Box, path ...string) (mp4Box, bool, error) {
	for _, typ := range path {
		var ok bool
		var err error
		if b, ok, err = mp4Child(a, b, typ); !ok || err != nil {
			return mp4Box{}, false, err
		}
	}
	return b, true, nil
}

// payload reads the first n bytes of a box's payload.
func (b mp4Box) payload(a *avReader, n int) ([]byte, error) {
	if int64(n) > b.end-b.start {
		return nil, errAV("mp4: box %q is %d bytes, shorter than %d", b.typ, b.end-b.start, n)
	}
	return a.at(b.start, n)
}

// mp4Track is what a trak box says.
type mp4Track struct {
	handler       string // "vide", "soun", …
	codec         string // the sample entry's type: avc1, mp4a, …
	width, height int
	timescale     int64
	duration      int64
	samples       int64
	sampleRate    int
	channels      int
}

// probeMP4 reads an MP4 or M4A file: moov's movie header for the
// duration, each track's media header, handler, first sample entry and
// sample count. The sample tables themselves are never read.
func probeMP4(a *avReader) (AVInfo, error) {
	top, err := mp4Boxes(a, 0, a.size)
	if err != nil {
		return AVInfo{}, err
	}
	var moov mp4Box
	var found bool
	for _, b := range top {
		if b.typ == "moov" {
			moov, found = b, true
			break
		}
	}
	if !found {
		return AVInfo{}, errAV("mp4: no moov box")
	}
	info := AVInfo{Demuxer: "mov"}
	duration, err := mp4MovieDuration(a, moov)
	if err != nil {
		return AVInfo{}, err
	}
	kids, err := mp4Boxes(a, moov.start, moov.end)
	if err != nil {
		return AVInfo{}, err
	}
	var video, audio *mp4Track
	for _, k := range kids {
		if k.typ != "trak" {
			continue
		}
		t, err := mp4ReadTrack(a, k)
		if err != nil {
			return AVInfo{}, err
		}
		switch {
		case t.handler == "vide" && video == nil:
			video = &t
		case t.handler == "soun" && audio == nil:
			audio = &t
		}
	}
	if video == nil && audio == nil {
		return AVInfo{}, errAV("mp4: no video or audio track")
	}
	info.Duration = duration
	if video != nil {
		if video.codec != "avc1" && video.codec != "avc3" {
			return AVInfo{}, errAV("mp4: video codec %q (only H.264)", video.codec)
		}
		info.Video, info.VideoCodec, info.Width, info.Height = true, "h264", video.width, video.height
		if video.duration > 0 && video.samples < 1<<31 && video.timescale < 1<<31 {
			info.FrameNum, info.FrameDen = video.samples*video.timescale, video.duration
		}
	}
	if audio != nil {
		if audio.codec != "mp4a" {
			return AVInfo{}, errAV("mp4: audio codec %q (only AAC)", audio.codec)
		}
		info.AudioCodec, info.SampleRate, info.Channels = "aac", audio.sampleRate, audio.channels
	}
	for _, t := range []*mp4Track{video, audio} {
		if info.Duration <= 0 && t != nil && t.timescale > 0 {
			info.Duration = float64(t.duration) / float64(t.timescale)
		}
	}
	info.ContentType, info.Ext = "video/mp4", ".mp4"
	if !info.Video {
		info.ContentType, info.Ext = "audio/mp4", ".m4a"
	}
	return info, nil
}

// mp4MovieDuration reads mvhd (or, in a fragmented file, mvex/mehd).
func mp4MovieDuration(a *avReader, moov mp4Box) (float64, error) {
	mvhd, ok, err := mp4Child(a, moov, "mvhd")
	if err != nil || !ok {
		return 0, errAV("mp4: no movie header")
	}
	timescale, duration, err := mp4TimeHeader(a, mvhd)
	if err != nil {
		return 0, err
	}
	if duration == 0 {
		if mehd, ok, _ := mp4Path(a, moov, "mvex", "mehd"); ok {
			if p, err := mehd.payload(a, 4); err == nil {
				n := 4
				if p[0] == 1 {
					n = 8
				}
				if p, err := mehd.payload(a, 4+n); err == nil {
					duration = int64(beUint(p[4:]))
				}
			}
		}
	}
	if timescale <= 0 || duration < 0 {
		return 0, nil
	}
	return float64(duration) / float64(timescale), nil
}

// mp4TimeHeader reads the timescale and duration of an mvhd or mdhd box
// (version 0: 32-bit times, version 1: 64-bit).
func mp4TimeHeader(a *avReader, b mp4Box) (timescale, duration int64, err error) {
	p, err := b.payload(a, 1)
	if err != nil {
		return 0, 0, err
	}
	if p[0] == 1 {
		if p, err = b.payload(a, 32); err != nil {
			return 0, 0, err
		}
		timescale, duration = int64(binary.BigEndian.Uint32(p[20:])), int64(binary.BigEndian.Uint64(p[24:]))
	} else {
		if p, err = b.payload(a, 20); err != nil {
			return 0, 0, err
		}
		timescale, duration = int64(binary.BigEndian.Uint32(p[12:])), int64(binary.BigEndian.Uint32(p[16:]))
	}
	if duration < 0 || duration == 0xFFFFFFFF || (p[0] == 1 && uint64(duration) == ^uint64(0)) {
		duration = 0 // "unknown"
	}
	return timescale, duration, nil
}

// mp4ReadTrack reads one trak box.
func mp4ReadTrack(a *avReader, trak mp4Box) (mp4Track, error) {
	var t mp4Track
	mdia, ok, err := mp4Child(a, trak, "mdia")
	if err != nil || !ok {
		return t, err
	}
	if hdlr, ok, err := mp4Child(a, mdia, "hdlr"); err != nil {
		return t, err
	} else if ok {
		p, err := hdlr.payload(a, 12)
		if err != nil {
			return t, err
		}
		t.handler = string(p[8:12])
	}
	if mdhd, ok, err := mp4Child(a, mdia, "mdhd"); err != nil {
		return t, err
	} else if ok {
		if t.timescale, t.duration, err = mp4TimeHeader(a, mdhd); err != nil {
			return t, err
		}
	}
	stbl, ok, err := mp4Path(a, mdia, "minf", "stbl")
	if err != nil || !ok {
		return t, err
	}
	if stsz, ok, err := mp4Child(a, stbl, "stsz"); err != nil {
		return t, err
	} else if ok {
		p, err := stsz.payload(a, 12)
		if err != nil {
			return t, err
		}
		t.samples = int64(binary.BigEndian.Uint32(p[8:]))
	}
	stsd, ok, err := mp4Child(a, stbl, "stsd")
	if err != nil || !ok {
		return t, err
	}
	entries, err := mp4Boxes(a, stsd.start+8, stsd.end)
	if err != nil || len(entries) == 0 {
		return t, err
	}
	e := entries[0]
	t.codec = e.typ
	switch t.handler {
	case "vide":
		// SampleEntry (8) + 16 reserved, then width and height.
		p, err := e.payload(a, 28)
		if err != nil {
			return t, err
		}
		t.width, t.height = int(binary.BigEndian.Uint16(p[24:])), int(binary.BigEndian.Uint16(p[26:]))
	case "soun":
		// SampleEntry (8) + 8 reserved, channels, sample size, 4
		// reserved, then the rate as 16.16.
		p, err := e.payload(a, 28)
		if err != nil {
			return t, err
		}
		t.channels, t.sampleRate = int(binary.BigEndian.Uint16(p[16:])), int(binary.BigEndian.Uint32(p[24:])>>16)
	}
	return t, nil
}

// beUint reads a big-endian 4- or 8-byte unsigned integer.
func beUint(p []byte) uint64 {
	if len(p) >= 8 {
		return binary.BigEndian.Uint64(p)
	}
	return uint64(binary.BigEndian.Uint32(p))
}
