package media

import (
	"bytes"
	"encoding/binary"
)

// oggPage is the header of one Ogg page.
type oggPage struct {
	granule  int64
	serial   uint32
	segments int   // the number of lacing values
	size     int64 // header and body
}

// oggReadPage reads the page header at off.
func oggReadPage(a *avReader, off int64) (oggPage, []byte, error) {
	h, err := a.at(off, 27)
	if err != nil {
		return oggPage{}, nil, err
	}
	if string(h[:4]) != "OggS" || h[4] != 0 {
		return oggPage{}, nil, errAV("ogg: no page at %d", off)
	}
	p := oggPage{granule: int64(binary.LittleEndian.Uint64(h[6:])), serial: binary.LittleEndian.Uint32(h[14:]), segments: int(h[26])}
	lacing, err := a.at(off+27, p.segments)
	if err != nil {
		return oggPage{}, nil, err
	}
	body := int64(0)
	for _, l := range lacing {
		body += int64(l)
	}
	p.size = 27 + int64(p.segments) + body
	if p.size > a.size-off {
		return oggPage{}, nil, errAV("ogg: page at %d overruns the file", off)
	}
	first, err := a.at(off+27+int64(p.segments), int(body))
	return p, first, err
}

// probeOgg reads an Ogg file: the first page's identification header
// (Opus or Vorbis) for the codec and sample rate, and the last page of
// the same stream for the duration (its granule position counts samples).
func probeOgg(a *avReader) (AVInfo, error) {
	first, body, err := oggReadPage(a, 0)
	if err != nil {
		return AVInfo{}, err
	}
	info := AVInfo{ContentType: "audio/ogg", Ext: ".ogg", Demuxer: "ogg"}
	var preSkip int64
	switch {
	case len(body) >= 19 && bytes.HasPrefix(body, []byte("OpusHead")):
		info.AudioCodec, info.Channels, info.SampleRate = "opus", int(body[9]), 48000
		preSkip = int64(binary.LittleEndian.Uint16(body[10:]))
	case len(body) >= 30 && bytes.HasPrefix(body, []byte("\x01vorbis")):
		info.AudioCodec, info.Channels = "vorbis", int(body[11])
		info.SampleRate = int(binary.LittleEndian.Uint32(body[12:]))
	default:
		return AVInfo{}, errAV("ogg: not Opus or Vorbis audio")
	}
	if info.SampleRate <= 0 || info.SampleRate > 1e6 {
		return AVInfo{}, errAV("ogg: sample rate %d", info.SampleRate)
	}
	granule, err := oggLastGranule(a, first.serial)
	if err != nil {
		return AVInfo{}, err
	}
	info.Duration = float64(granule-preSkip) / float64(info.SampleRate)
	return info, nil
}

// oggMaxPage is the largest page: a 27-byte header, 255 lacing values and
// 255 × 255 bytes of body.
const oggMaxPage = 27 + 255 + 255*255

// oggLastGranule finds the last page of the stream in the file's final
// oggMaxPage bytes (a page is never longer) and returns its granule
// position.
func oggLastGranule(a *avReader, serial uint32) (int64, error) {
	start := max(0, a.size-oggMaxPage)
	n := int(a.size - start)
	tail := make([]byte, 0, n)
	for off := start; off < a.size; {
		p, err := a.at(off, int(min(a.size-off, maxAVRead)))
		if err != nil {
			return 0, err
		}
		tail = append(tail, p...)
		off += int64(len(p))
	}
	// A hostile tail of "OggSOggS…" would make every position a
	// candidate: a few hundred are tried, no more.
	tries := 0
	for i := bytes.LastIndex(tail, []byte("OggS")); i >= 0 && tries < 256; i = bytes.LastIndex(tail[:i], []byte("OggS")) {
		tries++
		p, _, err := oggReadPage(a, start+int64(i))
		if err == nil && p.serial == serial && p.granule > 0 {
			return p.granule, nil
		}
	}
	return 0, errAV("ogg: no last page")
}
