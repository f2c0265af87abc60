// Package disk tells how much room is left on the filesystem that holds a
// path: /healthz and kith doctor warn before the database cannot grow, and
// kith restore refuses an archive that would not fit.
package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
)

// Space is the room on one filesystem, in bytes.
type Space struct {
	// Free is what an unprivileged process may still write (statfs's
	// f_bavail): the blocks ext4 reserves for root do not count, since
	// kith does not run as root.
	Free  uint64
	Total uint64
}

// lowWaterCap is the most free space that still counts as nearly full.
const lowWaterCap = 100 << 20

// Usage reports the space on the filesystem holding path, or holding its
// nearest existing parent when path does not exist yet (a restore target).
func Usage(path string) (Space, error) {
	p := path
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(p, &st)
		if err == nil {
			bs := uint64(st.Bsize)
			return Space{Free: st.Bavail * bs, Total: st.Blocks * bs}, nil
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, fs.ErrNotExist) || parent == p {
			return Space{}, fmt.Errorf("free space of %s: %w", path, err)
		}
		p = parent
	}
}

// LowWater is the free space below which a disk is nearly full: 1% of it
// or 100 MB, whichever is smaller. On a 20 GB VPS disk that is 100 MB,
// room for SQLite to checkpoint its WAL and for a day of cached media,
// so there is time to act; on a small disk 1% keeps the warning from
// firing while most of it is still free.
func (s Space) LowWater() uint64 { return min(s.Total/100, lowWaterCap) }

// NearlyFull reports whether the free space is below LowWater.
func (s Space) NearlyFull() bool { return s.Free < s.LowWater() }

// String says the space for a person: "12 MB free of 8.0 GB".
func (s Space) String() string { return Bytes(s.Free) + " free of " + Bytes(s.Total) }

// Bytes writes a size in B, kB, MB, GB or TB (powers of 1000, as df -H).
func Bytes(n uint64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	suffix := []string{"kB", "MB", "GB", "TB"}[exp]
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, suffix)
	}
	return fmt.Sprintf("%.0f %s", v, suffix)
}
