package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the lock kith serve holds in the data directory.
const lockFileName = "kith.lock"

// dataDirLock is kith serve's claim on its data directory: two servers on
// one database would both run the job queue (every delivery sent twice)
// and both prune media. The admin commands do not take it: they are meant
// to work beside the running server, as SQLite lets them.
type dataDirLock struct{ f *os.File }

// lockDataDir takes the data directory's lock, or says which process
// holds it. The lock is an flock on dir/kith.lock, so it ends with the
// process however that ends (kill -9 included) and a stale file never
// blocks a start; the PID written in the file is only for the message.
func lockDataDir(dir string) (*dataDirLock, error) {
	// The same words as store.Open's checks, which come after the lock.
	if info, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data directory %s does not exist: create it or run 'kith init'", dir)
	} else if err == nil && !info.IsDir() {
		return nil, fmt.Errorf("data directory %s is not a directory", dir)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another kith serve (%s) is using the data directory %s; stop it first, or give this one another data_dir", holder(path), dir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &dataDirLock{f: f}, nil
}

// holder names the process in a lock file, as far as it can tell.
func holder(path string) string {
	b, err := os.ReadFile(path)
	if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
		return "PID " + strconv.Itoa(pid)
	}
	// It has the lock but has not written its PID yet.
	return "a process that is starting"
}

// Release empties the file and lets the lock go. The file stays: removing
// it could let a starting server lock a file nobody else sees.
func (l *dataDirLock) Release() {
	l.f.Truncate(0)
	l.f.Close()
}
