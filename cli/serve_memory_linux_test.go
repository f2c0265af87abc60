package cli

import (
	"os"
	"testing"
)

// smapsSample is /proc/self/smaps cut down to the fields that matter: the
// binary's text (read-only, clean), its RELRO data (read-only now, but
// holding relocated copies of its pages), its writable data, a shared
// library's text, an anonymous mapping and the stack.
const smapsSample = `00400000-00407000 r--p 00000000 fe:00 10022279                           /usr/local/bin/kith
Rss:                  28 kB
Anonymous:             0 kB
00407000-010e1000 r-xp 00007000 fe:00 10022279                           /usr/local/bin/kith
Rss:               13056 kB
Anonymous:             0 kB
01ce4000-01cee000 r--p 018e3000 fe:00 10022279                           /usr/local/bin/kith
Rss:                  40 kB
Anonymous:            36 kB
01cee000-01e3b000 rw-p 018ed000 fe:00 10022279                           /usr/local/bin/kith
Rss:                 944 kB
Anonymous:           224 kB
01e3b000-03e98000 rw-p 00000000 00:00 0 
Rss:                 292 kB
Anonymous:           292 kB
7f80af364000-7f80af4ba000 r-xp 00028000 fe:00 2001                       /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                 880 kB
Anonymous:             0 kB
7ffd1e4a2000-7ffd1e4c3000 rw-p 00000000 00:00 0                          [stack]
Rss:                  16 kB
Anonymous:            16 kB
7ffd1e5c2000-7ffd1e5c4000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   8 kB
Anonymous:             0 kB
`

func TestReadOnlyFileMappings(t *testing.T) {
	got := readOnlyFileMappings([]byte(smapsSample))
	const kith, libc = "/usr/local/bin/kith", "/usr/lib/x86_64-linux-gnu/libc.so.6"
	want := []mapping{{0x400000, 0x407000, kith}, {0x407000, 0x10e1000, kith}, {0x7f80af364000, 0x7f80af4ba000, libc}}
	if len(got) != len(want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d = %x, want %x", i, got[i], want[i])
		}
	}
}

// TestReleaseStartupMemory runs the release on this test process: what it
// drops is mapped back in as the test goes on, so it must go unnoticed.
func TestReleaseStartupMemory(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	if len(readOnlyFileMappings(maps)) == 0 {
		t.Fatal("found no read-only file mapping in this process, not even its own code")
	}
	releaseStartupMemory()
	if got := fullVersion(); got == "" { // runs code and reads data again
		t.Error("fullVersion is empty")
	}
}
