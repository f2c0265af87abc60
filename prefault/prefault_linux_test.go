package prefault

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		line        string
		ok          bool
		start, end  uintptr
		perms, path string
	}{
		{"00400000-01299000 r-xp 00000000 fe:00 1234  /usr/local/bin/kith", true, 0x400000, 0x1299000, "r-xp", "/usr/local/bin/kith"},
		{"7ff314110000-7ff314210000 rw-p 00000000 00:00 0 ", true, 0x7ff314110000, 0x7ff314210000, "rw-p", ""},
		{"7ffcfce60000-7ffcfce81000 rw-p 00000000 00:00 0                          [stack]", true, 0x7ffcfce60000, 0x7ffcfce81000, "rw-p", "[stack]"},
		{"00400000-01299000 r-xp 00000000 fe:00 1234  /opt/my kith/kith (deleted)", true, 0x400000, 0x1299000, "r-xp", "/opt/my kith/kith (deleted)"},
		{"", false, 0, 0, "", ""},
		{"zz-01 r-xp 0 0 0", false, 0, 0, "", ""},
		{"02000-01000 r-xp 0 0 0", false, 0, 0, "", ""},
		{"01000-02000 rwxp", false, 0, 0, "", ""},
	} {
		r, ok := parse([]byte(tc.line))
		if ok != tc.ok {
			t.Errorf("parse(%q) ok = %v", tc.line, ok)
			continue
		}
		if ok && (r.start != tc.start || r.end != tc.end || string(r.perms) != tc.perms || string(r.path) != tc.path) {
			t.Errorf("parse(%q) = %#x-%#x %q %q", tc.line, r.start, r.end, r.perms, r.path)
		}
	}
}

// TestPopulate maps an anonymous region and a file the way the Go heap
// and kith's binary are mapped, and checks with /proc/self/pagemap which
// of their pages populate put in the page table: as many of the heap's as
// asked from the given address on, and all of the file's, but no file
// that is not kith's.
func TestPopulate(t *testing.T) {
	if release, ok := kernelAtLeast(5, 14); !ok {
		t.Skipf("kernel %s has no MADV_POPULATE_READ/WRITE (5.14)", release)
	}
	const size = 64 * pageSize
	anon, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(anon)
	exe := mapFile(t, "kith", size)
	other := mapFile(t, "other", size)

	heapStart := addr(anon) + 16*pageSize + 100 // inside the page it begins
	maps := mapsLine(anon, "rw-p", "") + mapsLine(exe.data, "r--p", exe.path) + mapsLine(other.data, "r--p", other.path)
	populate([]byte(maps), heapStart, 32*pageSize, []byte(exe.path))

	if got := present(t, anon); got != strings.Repeat("0", 16)+strings.Repeat("1", 32)+strings.Repeat("0", 16) {
		t.Errorf("heap pages mapped: %s, want the 32 from the 17th", got)
	}
	if got := present(t, exe.data); got != strings.Repeat("1", 64) {
		t.Errorf("kith's file pages mapped: %s, want all", got)
	}
	if got := present(t, other.data); got != strings.Repeat("0", 64) {
		t.Errorf("another file's pages mapped: %s, want none", got)
	}
}

type mappedFile struct {
	path string
	data []byte
}

// mapFile writes a file of size bytes and maps it read-only, unread.
func mapFile(t *testing.T, name string, size int) mappedFile {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, bytes.Repeat([]byte{1}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(data) })
	return mappedFile{path, data}
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func mapsLine(b []byte, perms, path string) string {
	return fmt.Sprintf("%x-%x %s 00000000 00:00 0 %s\n", addr(b), addr(b)+uintptr(len(b)), perms, path)
}

// present reads from /proc/self/pagemap which pages of b are in the page
// table: "1" for each that is, "0" for each that is not.
func present(t *testing.T, b []byte) string {
	t.Helper()
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Skip("no /proc/self/pagemap here:", err)
	}
	defer f.Close()
	entries := make([]byte, 8*len(b)/pageSize)
	if _, err := f.ReadAt(entries, int64(addr(b)/pageSize*8)); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for i := 0; i < len(entries); i += 8 {
		if binary.LittleEndian.Uint64(entries[i:])&(1<<63) != 0 {
			out.WriteByte('1')
		} else {
			out.WriteByte('0')
		}
	}
	return out.String()
}

// kernelAtLeast reports whether the running kernel is MAJOR.MINOR or
// later, and its release.
func kernelAtLeast(major, minor int) (string, bool) {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown", false
	}
	release := strings.TrimSpace(string(b))
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return release, false
	}
	maj, _ := strconv.Atoi(parts[0])
	mnr, _ := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return release, maj > major || maj == major && mnr >= minor
}
