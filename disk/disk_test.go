package disk

import (
	"path/filepath"
	"testing"
)

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	s, err := Usage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Total == 0 || s.Free > s.Total {
		t.Errorf("Usage(%s) = %+v, want some space, free no more than total", dir, s)
	}
	// A path that does not exist yet is on its parent's filesystem.
	later, err := Usage(filepath.Join(dir, "not", "yet"))
	if err != nil {
		t.Fatal(err)
	}
	if later.Total != s.Total {
		t.Errorf("Usage of a missing path: total %d, want its parent's %d", later.Total, s.Total)
	}
}

func TestNearlyFull(t *testing.T) {
	const mb, gb = 1 << 20, 1 << 30
	tests := []struct {
		s    Space
		want bool
	}{
		{Space{Free: 50 * mb, Total: 100 * gb}, true},   // under 100 MB on a big disk
		{Space{Free: 500 * mb, Total: 100 * gb}, false}, // 0.5 % but 500 MB: enough
		{Space{Free: 60 * 1024, Total: 8 * mb}, true},   // under 1 % of a small disk
		{Space{Free: 4 * mb, Total: 8 * mb}, false},
		{Space{Free: 0, Total: 0}, false}, // nothing known, nothing claimed
	}
	for _, tt := range tests {
		if got := tt.s.NearlyFull(); got != tt.want {
			t.Errorf("%+v (%s).NearlyFull() = %v, want %v", tt.s, tt.s, got, tt.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 999: "999 B", 1500: "1.5 kB", 12_000_000: "12 MB", 8_000_000_000: "8.0 GB", 3_000_000_000_000_000: "3000 TB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
