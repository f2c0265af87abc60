package themes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Cached is a stylesheet from CompileCached.
type Cached struct {
	CSS string
	// Hit reports that the stylesheet came from the cache file: nothing
	// was compiled.
	Hit bool
	// SaveErr is why the cache file could not be written; the stylesheet
	// is good regardless.
	SaveErr error
}

// cacheVersion changes when the cache file's meaning does.
const cacheVersion = 1

// cacheFile is what CompileCached keeps on disk: the stylesheet, the key of
// what it was compiled from, and the files on disk it read with the hash of
// each.
type cacheFile struct {
	Key   string            `json:"key"`
	Files map[string]string `json:"files,omitempty"`
	CSS   string            `json:"css"`
}

// CompileCached is Compile with the result kept in the file at path: when
// the options, the built-in sources (this kith's) and every file on disk
// the last compile read are unchanged, the stylesheet is read back and
// LibSass does not run. A start then costs no compile, and the compiler's
// code and memory are not touched at all.
func CompileCached(opts Options, path string) (Cached, error) {
	key := cacheKey(opts)
	if css, ok := readCache(path, key); ok {
		return Cached{CSS: css, Hit: true}, nil
	}
	css, files, err := compile(opts)
	if err != nil {
		return Cached{}, err
	}
	return Cached{CSS: css, SaveErr: writeCache(path, key, css, files)}, nil
}

// cacheKey hashes the options and the built-in sources.
func cacheKey(opts Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "kith theme cache %d\n", cacheVersion)
	custom := opts.Custom
	if custom != "" {
		if abs, err := filepath.Abs(custom); err == nil {
			custom = abs
		}
	}
	names, _ := variables(opts.Variables)
	// JSON quotes every string, so no two option sets write the same text.
	enc := json.NewEncoder(h)
	enc.Encode([]string{opts.Name, opts.Light, custom, opts.VariablesSource})
	for _, name := range names {
		enc.Encode([]string{name, opts.Variables[name]})
	}
	fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		enc.Encode([]any{p, len(data)})
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

// readCache returns the cached stylesheet when it was made for key and
// every file it was compiled from still hashes the same.
func readCache(path, key string) (string, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	var c cacheFile
	if json.Unmarshal(data, &c) != nil || c.Key != key || c.CSS == "" {
		return "", false
	}
	for file, sum := range c.Files {
		if got, err := fileHash(file); err != nil || got != sum {
			return "", false
		}
	}
	return c.CSS, true
}

// writeCache replaces the cache file in one step, so a crash leaves the
// old file or the new one.
func writeCache(path, key, css string, files []string) error {
	c := cacheFile{Key: key, CSS: css, Files: map[string]string{}}
	slices.Sort(files)
	for _, f := range files {
		sum, err := fileHash(f)
		if err != nil {
			return fmt.Errorf("theme cache: %w", err)
		}
		c.Files[f] = sum
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".theme-cache-*")
	if err != nil {
		return fmt.Errorf("theme cache: %w", err)
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("theme cache: %w", err)
	}
	return nil
}

func fileHash(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}
