package media

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// ErrChecksum means a copied file does not read back as its source.
var ErrChecksum = errors.New("checksum mismatch")

// MigrateProgress is where a migration stands, reported after each file.
type MigrateProgress struct {
	Name        string // the file just copied (or skipped as done)
	Done, Total int
	Bytes       int64 // copied so far in this run
	Skipped     bool  // done by an earlier run
}

// Migration copies every file of one store to another, verifying each
// copy by reading it back and comparing SHA-256 sums, and keeps a state
// file of the files done: a run killed at any moment is resumed by the
// next, which skips what the state file lists. The state file is
// appended a line ("sha256 name") per verified file and synced, so what
// it lists is on the target for sure.
type Migration struct {
	From, To  Store
	StatePath string
	Progress  func(MigrateProgress)
}

// Copy copies what is not done yet, then lists the source again until a
// pass finds nothing new (a file added while it ran is not left behind).
// It returns the names now on both stores.
func (m Migration) Copy(ctx context.Context) ([]string, error) {
	done, err := readMigrateState(m.StatePath)
	if err != nil {
		return nil, err
	}
	state, err := os.OpenFile(m.StatePath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("migration state: %w", err)
	}
	defer state.Close()
	var p MigrateProgress
	for {
		var todo []Info
		err := m.From.Walk(ctx, "", func(i Info) error {
			todo = append(todo, i)
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(todo, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
		fresh := 0
		p.Total = len(todo)
		p.Done = 0
		for _, i := range todo {
			p.Name, p.Skipped = i.Name, done[i.Name]
			if !p.Skipped {
				sum, err := m.copyOne(ctx, i)
				if err != nil {
					return nil, err
				}
				if _, err := fmt.Fprintf(state, "%s %s\n", sum, i.Name); err == nil {
					err = state.Sync()
				}
				if err != nil {
					return nil, fmt.Errorf("migration state: %w", err)
				}
				done[i.Name] = true
				p.Bytes += i.Size
				fresh++
			}
			p.Done++
			if m.Progress != nil {
				m.Progress(p)
			}
		}
		if fresh == 0 {
			names := make([]string, 0, len(todo))
			for _, i := range todo {
				names = append(names, i.Name)
			}
			return names, nil
		}
	}
}

// copyOne copies a file, reads the copy back and compares the sums.
func (m Migration) copyOne(ctx context.Context, i Info) (string, error) {
	src, err := m.From.Open(ctx, i.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s: removed during the migration; run it again: %w", i.Name, err)
	}
	if err != nil {
		return "", err
	}
	defer src.Close()
	h := sha256.New()
	size := src.Info().Size
	if _, err := m.To.Put(ctx, i.Name, io.TeeReader(src, h), size, contentTypeOf(i.Name)); err != nil {
		return "", err
	}
	want := hex.EncodeToString(h.Sum(nil))
	got, err := sumOf(ctx, m.To, i.Name)
	if err != nil {
		return "", err
	}
	if got != want {
		return "", fmt.Errorf("%s: copy reads back as sha256 %s, source %s: %w", i.Name, got, want, ErrChecksum)
	}
	return want, nil
}

// sumOf is a stored file's SHA-256, in hex.
func sumOf(ctx context.Context, s Store, name string) (string, error) {
	f, err := s.Open(ctx, name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RemoveSource deletes from the source every file the state file lists
// (each was verified on the target), then the state file itself. Run it
// only once the config names the target.
func (m Migration) RemoveSource(ctx context.Context, progress func(done, total int)) error {
	done, err := readMigrateState(m.StatePath)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(done))
	for n := range done {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		if err := m.From.Delete(ctx, n); err != nil {
			return err
		}
		if progress != nil {
			progress(i+1, len(names))
		}
	}
	if err := os.Remove(m.StatePath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// readMigrateState reads the names a state file lists. A last line
// without its newline (a write cut by a kill) does not count.
func readMigrateState(path string) (map[string]bool, error) {
	done := map[string]bool{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return done, nil
	}
	if err != nil {
		return nil, fmt.Errorf("migration state: %w", err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		b = b[:i+1]
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if _, name, ok := strings.Cut(sc.Text(), " "); ok && validName(name) {
			done[name] = true
		}
	}
	return done, sc.Err()
}
