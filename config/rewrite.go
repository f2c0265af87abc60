package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// storageLine is a storage = ... line (comment after it allowed).
var storageLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\s*storage\s*=\s*)("[^"]*"|'[^']*')(.*)$`) })

// SetMediaStorage sets [media] storage in the config file at path to kind,
// keeping every other line as it is (comments included): the key's line
// is rewritten, or added under [media], or a [media] table is appended.
// The file is replaced atomically (a new file renamed over it), keeping
// its mode, and the result must still load.
func SetMediaStorage(path, kind string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	out := setStorage(string(data), kind)
	if _, err := Parse(path, []byte(out)); err != nil {
		return fmt.Errorf("the rewritten config does not load: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("rewrite config: %w", err)
	}
	_, err = tmp.WriteString(out)
	if err == nil {
		err = tmp.Chmod(info.Mode().Perm())
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("rewrite config: %w", err)
	}
	return nil
}

// setStorage is SetMediaStorage's edit of the text.
func setStorage(text, kind string) string {
	lines := strings.SplitAfter(text, "\n")
	value := strconv.Quote(kind)
	table, mediaAt := "", -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			table = strings.Trim(strings.TrimSpace(strings.SplitN(t, "#", 2)[0]), "[] ")
			if table == "media" {
				mediaAt = i
			}
			continue
		}
		if table == "media" {
			if m := storageLine().FindStringSubmatch(strings.TrimRight(l, "\r\n")); m != nil {
				lines[i] = m[1] + value + m[3] + l[len(strings.TrimRight(l, "\r\n")):]
				return strings.Join(lines, "")
			}
		}
	}
	if mediaAt >= 0 {
		lines = append(lines[:mediaAt+1], append([]string{"storage = " + value + "\n"}, lines[mediaAt+1:]...)...)
		return strings.Join(lines, "")
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text + "\n[media]\nstorage = " + value + "\n"
}
