package monitor

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"kith/media"
)

// rss is the process's resident memory in bytes, from /proc/self/statm
// (Linux); 0 where that cannot be read.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// fileSize is a file's size, 0 when it does not exist.
func fileSize(path string) int64 {
	if path == "" {
		return 0
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// dirSize adds up the sizes of the files under dir.
func dirSize(dir string) int64 {
	if dir == "" {
		return 0
	}
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking, or an unreadable one
		}
		if !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// mediaSize is the size of the media storage: Options.Media listed, or
// the media directory walked.
func (m *Monitor) mediaSize(ctx context.Context) int64 {
	if m.opts.Media == nil {
		return dirSize(m.opts.MediaDir)
	}
	var total int64
	err := m.opts.Media.Walk(ctx, "", func(i media.Info) error {
		total += i.Size
		return nil
	})
	if err != nil {
		m.logger.Warn("monitor: media storage size", "err", err)
	}
	return total
}
