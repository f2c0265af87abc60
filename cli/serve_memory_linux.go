package cli

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// releaseStartupMemory gives back what starting up used and serving does
// not: the Go heap's free pages, and the process's mappings of read-only
// file pages (kith's code and data, the shared libraries').
//
// Package initialisation, migrations and the first queries run code from
// all over the binary, and the kernel maps file pages around each fault
// (64 KB, or a whole large folio), so about 21 MB of it stay mapped though
// an idle server runs a third of that. MADV_DONTNEED drops only the
// mappings: the pages stay in the page cache, and what runs again is
// mapped back in without reading the disk. Only mappings that are not
// writable and hold no private copy of a page are touched, so nothing
// written (relocations, a debugger's breakpoint) is ever lost.
func releaseStartupMemory() {
	debug.FreeOSMemory()
	maps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	for _, m := range readOnlyFileMappings(maps) {
		syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED)
	}
}

// mapping is an address range of the process.
type mapping struct{ start, end uintptr }

// readOnlyFileMappings picks from /proc/self/smaps the mappings of files
// that are neither writable nor hold anonymous (copied-on-write) pages.
func readOnlyFileMappings(smaps []byte) []mapping {
	var out []mapping
	var cur mapping
	candidate := false
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(f[0], "-"); ok && len(f) >= 5 {
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			// A file mapping names its file (f[5]) and has an inode.
			candidate = err1 == nil && err2 == nil && len(f) >= 6 && f[4] != "0" &&
				strings.HasPrefix(f[5], "/") && !strings.Contains(f[1], "w")
			cur = mapping{uintptr(start), uintptr(end)}
			continue
		}
		if candidate && f[0] == "Anonymous:" && len(f) >= 2 {
			if f[1] == "0" {
				out = append(out, cur)
			}
			candidate = false
		}
	}
	return out
}
