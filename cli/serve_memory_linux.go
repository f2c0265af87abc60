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
// all over the binary, and the kernel maps file pages around each fault,
// so much more of it stays mapped than an idle server runs.
// MADV_DONTNEED drops only the mappings: the pages stay in the page cache,
// and what runs again is mapped back in without reading the disk. Only
// mappings that are not writable and hold no private copy of a page are
// touched, so nothing written (relocations, a debugger's breakpoint) is
// ever lost.
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

// mapOwnCodeFinely makes kith's own binary come back into memory a page
// at a time from now on, as it serves.
//
// The binary is big (SQLite and LibSass are in it) and mostly cold, and a
// freshly written or read file sits in the page cache as large folios,
// each mapped whole at its first fault: under load, most of the binary
// would be resident for the few pages of each folio that run. So its
// mappings are dropped and marked for random access (a fault then reads
// only its own page), and its cached pages, mapped by nothing now, are
// dropped from the page cache too. What runs then costs a disk read per
// page the first time. The next start of kith reads its binary from disk
// again, which makes that start slower (BenchmarkStartup, which restarts
// kith in a loop: about 80 ms to the first /healthz instead of about 65);
// a server runs for days between restarts, under load all the while.
// kith serve calls it shortly after it begins serving, before load can
// map the large folios back.
func mapOwnCodeFinely() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	maps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	own, err := os.Open(exe)
	if err != nil {
		return
	}
	defer own.Close()
	// A binary just built is still dirty in the cache, and dirty pages are
	// not dropped: write them back first (their bytes are the file's own,
	// so this changes nothing on disk).
	syscall.Fdatasync(int(own.Fd()))
	mapped := false
	for _, m := range readOnlyFileMappings(maps) {
		if m.file == exe {
			syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED)
			syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_RANDOM)
			mapped = true
		}
	}
	if mapped {
		const fadvDontNeed = 4 // POSIX_FADV_DONTNEED
		syscall.Syscall6(syscall.SYS_FADVISE64, own.Fd(), 0, 0, fadvDontNeed, 0, 0)
	}
}

// mapping is an address range of the process and the file it maps.
type mapping struct {
	start, end uintptr
	file       string
}

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
			cur = mapping{start: uintptr(start), end: uintptr(end)}
			if len(f) >= 6 {
				cur.file = f[5]
			}
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
