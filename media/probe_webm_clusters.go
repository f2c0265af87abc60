package media

import "encoding/binary"

// webmWalk is what walking the clusters finds.
type webmWalk struct {
	duration    float64 // seconds, to the end of the last block
	videoFrames int
	videoSpan   int64 // ns from the first video frame to the last
}

// webmWalkClusters reads every cluster's timecode and every block's
// track and relative timecode. Clusters and block groups are entered
// (whether their size is known or not, as a live recording leaves it);
// everything else is skipped by its size.
func webmWalkClusters(a *avReader, off, end int64, f webmFile) (webmWalk, error) {
	var w webmWalk
	var cluster uint64
	var last, firstVideo, lastVideo int64 = 0, -1, -1
	scale := int64(f.timecodeScale)
	for off < end {
		e, err := ebmlRead(a, off, end)
		if err != nil {
			return webmWalk{}, err
		}
		switch e.id {
		case mkvCluster, mkvBlockGroup:
			off = e.start
			continue
		case mkvTimecode:
			if cluster, err = e.uint(a); err != nil {
				return webmWalk{}, err
			}
			cluster = min(cluster, 1<<32) // times the scale (≤ 1e9) stays within int64
		case mkvSimpleBlock, mkvBlock:
			track, n, err := ebmlVint(a, e.start, false)
			if err != nil {
				return webmWalk{}, err
			}
			p, err := a.at(e.start+int64(n), 2)
			if err != nil {
				return webmWalk{}, err
			}
			ts := (int64(cluster) + int64(int16(binary.BigEndian.Uint16(p)))) * scale
			frameEnd := ts
			if f.video != nil && track == f.video.number {
				w.videoFrames++
				if firstVideo < 0 {
					firstVideo = ts
				}
				lastVideo = ts
				frameEnd += int64(min(f.video.defaultDur, 1e9))
			}
			last = max(last, frameEnd)
		}
		if e.unknown {
			break // an unknown-size element other than a cluster: nothing more to read
		}
		off = e.end
	}
	w.duration = float64(last) / 1e9
	if w.videoFrames > 1 {
		w.videoSpan = lastVideo - firstVideo
	}
	return w, nil
}
