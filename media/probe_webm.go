package media

import (
	"encoding/binary"
	"math"
)

// EBML element ids WebM files are read by (Matroska's spec).
const (
	ebmlHeader       = 0x1A45DFA3
	ebmlDocType      = 0x4282
	mkvSegment       = 0x18538067
	mkvInfo          = 0x1549A966
	mkvTimecodeScale = 0x2AD7B1
	mkvDuration      = 0x4489
	mkvTracks        = 0x1654AE6B
	mkvTrackEntry    = 0xAE
	mkvTrackNumber   = 0xD7
	mkvTrackType     = 0x83
	mkvCodecID       = 0x86
	mkvDefaultDur    = 0x23E383
	mkvVideo         = 0xE0
	mkvPixelWidth    = 0xB0
	mkvPixelHeight   = 0xBA
	mkvAudio         = 0xE1
	mkvSampling      = 0xB5
	mkvChannels      = 0x9F
	mkvCluster       = 0x1F43B675
	mkvTimecode      = 0xE7
	mkvSimpleBlock   = 0xA3
	mkvBlockGroup    = 0xA0
	mkvBlock         = 0xA1
)

// ebmlUnknown marks an element whose size is "unknown" (all ones): it
// runs until an element that cannot be its child.
const ebmlUnknown = -1

// ebmlElem is one EBML element: its id and where its payload lies.
type ebmlElem struct {
	id         uint32
	off        int64 // where its header starts
	start, end int64 // end is the parent's end when the size is unknown
	unknown    bool
}

// ebmlVint reads a variable-length integer at off: its value (with the
// length marker kept when keepMarker, as ids are written) and length.
func ebmlVint(a *avReader, off int64, keepMarker bool) (uint64, int, error) {
	p, err := a.at(off, 1)
	if err != nil {
		return 0, 0, err
	}
	first := p[0]
	n := 1
	for n <= 8 && first&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > 8 {
		return 0, 0, errAV("webm: bad number at %d", off)
	}
	p, err = a.at(off, n)
	if err != nil {
		return 0, 0, err
	}
	v := uint64(first)
	if !keepMarker {
		v &^= 0x80 >> (n - 1)
	}
	allOnes := v == uint64(0xFF>>n)
	for _, b := range p[1:] {
		v = v<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	if !keepMarker && allOnes {
		return math.MaxUint64, n, nil
	}
	return v, n, nil
}

// ebmlRead reads the element header at off, within a parent ending at end.
func ebmlRead(a *avReader, off, end int64) (ebmlElem, error) {
	id, n, err := ebmlVint(a, off, true)
	if err != nil {
		return ebmlElem{}, err
	}
	if n > 4 {
		return ebmlElem{}, errAV("webm: id of %d bytes at %d", n, off)
	}
	size, m, err := ebmlVint(a, off+int64(n), false)
	if err != nil {
		return ebmlElem{}, err
	}
	e := ebmlElem{id: uint32(id), off: off, start: off + int64(n+m)}
	if size == math.MaxUint64 {
		e.end, e.unknown = end, true
		return e, nil
	}
	if e.start > end || size > uint64(end-e.start) {
		return ebmlElem{}, errAV("webm: element %x of %d bytes at %d overruns its parent", id, size, off)
	}
	e.end = e.start + int64(size)
	return e, nil
}

// ebmlChildren calls fn for each child of the payload between start and
// end, stopping early when fn returns false.
func ebmlChildren(a *avReader, start, end int64, fn func(ebmlElem) (bool, error)) error {
	for off := start; off < end; {
		e, err := ebmlRead(a, off, end)
		if err != nil {
			return err
		}
		more, err := fn(e)
		if err != nil || !more {
			return err
		}
		if e.unknown {
			return nil // only clusters and segments are read that way
		}
		off = e.end
	}
	return nil
}

func (e ebmlElem) uint(a *avReader) (uint64, error) {
	n := e.end - e.start
	if n > 8 {
		return 0, errAV("webm: integer of %d bytes", n)
	}
	p, err := a.at(e.start, int(n))
	var v uint64
	for _, b := range p {
		v = v<<8 | uint64(b)
	}
	return v, err
}

func (e ebmlElem) float(a *avReader) (float64, error) {
	switch e.end - e.start {
	case 4:
		p, err := a.at(e.start, 4)
		if err != nil {
			return 0, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case 8:
		p, err := a.at(e.start, 8)
		if err != nil {
			return 0, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	}
	return 0, nil
}

func (e ebmlElem) string(a *avReader) (string, error) {
	n := e.end - e.start
	if n > 64 {
		return "", errAV("webm: string of %d bytes", n)
	}
	p, err := a.at(e.start, int(n))
	return string(p), err
}

// webmTrack is what a TrackEntry says.
type webmTrack struct {
	number        uint64
	kind          uint64 // 1 video, 2 audio
	codec         string
	defaultDur    uint64 // ns per frame
	width, height uint64
	sampleRate    float64
	channels      uint64
}

// webmFile is what probeWebM gathers.
type webmFile struct {
	timecodeScale uint64
	duration      float64 // in timecodes
	video, audio  *webmTrack
}

// probeWebM reads a WebM file: the EBML header's DocType, the segment's
// Info (duration) and Tracks. A file recorded live (a browser's
// MediaRecorder) often has no duration: then the clusters' timecodes are
// walked to the last block.
func probeWebM(a *avReader) (AVInfo, error) {
	h, err := ebmlRead(a, 0, a.size)
	if err != nil {
		return AVInfo{}, err
	}
	docType := ""
	err = ebmlChildren(a, h.start, h.end, func(e ebmlElem) (bool, error) {
		if e.id == ebmlDocType {
			docType, err = e.string(a)
		}
		return err == nil, err
	})
	if err != nil {
		return AVInfo{}, err
	}
	if docType != "webm" {
		return AVInfo{}, errAV("webm: document type %q", docType)
	}
	seg, err := ebmlRead(a, h.end, a.size)
	if err != nil || seg.id != mkvSegment {
		return AVInfo{}, errAV("webm: no segment")
	}
	f := webmFile{timecodeScale: 1000000}
	var clusters int64 = -1
	err = ebmlChildren(a, seg.start, seg.end, func(e ebmlElem) (bool, error) {
		switch e.id {
		case mkvInfo:
			return true, webmInfo(a, e, &f)
		case mkvTracks:
			return true, webmTracks(a, e, &f)
		case mkvCluster:
			clusters = e.off
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return AVInfo{}, err
	}
	return webmInfoOf(a, f, seg, clusters)
}

func webmInfo(a *avReader, info ebmlElem, f *webmFile) error {
	return ebmlChildren(a, info.start, info.end, func(e ebmlElem) (bool, error) {
		var err error
		switch e.id {
		case mkvTimecodeScale:
			f.timecodeScale, err = e.uint(a)
		case mkvDuration:
			f.duration, err = e.float(a)
		}
		return err == nil, err
	})
}

func webmTracks(a *avReader, tracks ebmlElem, f *webmFile) error {
	return ebmlChildren(a, tracks.start, tracks.end, func(e ebmlElem) (bool, error) {
		if e.id != mkvTrackEntry {
			return true, nil
		}
		var t webmTrack
		err := ebmlChildren(a, e.start, e.end, func(e ebmlElem) (bool, error) {
			var err error
			switch e.id {
			case mkvTrackNumber:
				t.number, err = e.uint(a)
			case mkvTrackType:
				t.kind, err = e.uint(a)
			case mkvCodecID:
				t.codec, err = e.string(a)
			case mkvDefaultDur:
				t.defaultDur, err = e.uint(a)
			case mkvVideo, mkvAudio:
				err = ebmlChildren(a, e.start, e.end, func(e ebmlElem) (bool, error) {
					var err error
					switch e.id {
					case mkvPixelWidth:
						t.width, err = e.uint(a)
					case mkvPixelHeight:
						t.height, err = e.uint(a)
					case mkvSampling:
						t.sampleRate, err = e.float(a)
					case mkvChannels:
						t.channels, err = e.uint(a)
					}
					return err == nil, err
				})
			}
			return err == nil, err
		})
		switch {
		case t.kind == 1 && f.video == nil:
			f.video = &t
		case t.kind == 2 && f.audio == nil:
			f.audio = &t
		}
		return err == nil, err
	})
}

// webmCodecs are the codec ids browsers play from WebM, as kith names them.
var webmCodecs = map[string]string{"V_VP8": "vp8", "V_VP9": "vp9", "V_AV1": "av1", "A_OPUS": "opus", "A_VORBIS": "vorbis"}

// webmInfoOf checks the tracks and works out the duration and frame rate,
// walking the clusters from offset clusters when the header lacks them.
func webmInfoOf(a *avReader, f webmFile, seg ebmlElem, clusters int64) (AVInfo, error) {
	info := AVInfo{Demuxer: "matroska"}
	if f.video == nil && f.audio == nil {
		return AVInfo{}, errAV("webm: no video or audio track")
	}
	if f.timecodeScale == 0 || f.timecodeScale > 1e9 {
		return AVInfo{}, errAV("webm: timecode scale %d", f.timecodeScale)
	}
	if t := f.video; t != nil {
		info.Video, info.VideoCodec = true, webmCodecs[t.codec]
		if info.VideoCodec == "" || t.codec[0] != 'V' {
			return AVInfo{}, errAV("webm: video codec %q", t.codec)
		}
		info.Width, info.Height = int(min(t.width, maxAVSide+1)), int(min(t.height, maxAVSide+1))
		if t.defaultDur > 0 {
			info.FrameNum, info.FrameDen = 1e9, int64(min(t.defaultDur, 1e12))
		}
	}
	if t := f.audio; t != nil {
		info.AudioCodec = webmCodecs[t.codec]
		if info.AudioCodec == "" || t.codec[0] != 'A' {
			return AVInfo{}, errAV("webm: audio codec %q", t.codec)
		}
		if t.sampleRate > 0 && t.sampleRate < 1e6 {
			info.SampleRate = int(t.sampleRate)
		}
		info.Channels = int(min(t.channels, 255))
	}
	info.Duration = f.duration * float64(f.timecodeScale) / 1e9
	if (!(info.Duration > 0) || (info.Video && info.FrameNum == 0)) && clusters >= 0 {
		w, err := webmWalkClusters(a, clusters, seg.end, f)
		if err != nil {
			return AVInfo{}, err
		}
		if !(info.Duration > 0) {
			info.Duration = w.duration
		}
		if info.Video && info.FrameNum == 0 && w.videoFrames > 1 && w.videoSpan > 0 {
			info.FrameNum, info.FrameDen = int64(w.videoFrames-1)*1e9, w.videoSpan
		}
	}
	info.ContentType, info.Ext = "video/webm", ".webm"
	if !info.Video {
		info.ContentType, info.Ext = "audio/webm", ".weba"
	}
	return info, nil
}
