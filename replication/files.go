package replication

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"kith/config"
	"kith/portability/backup"
	"kith/store"
)

// The owner's keys are rows of the database, so the replica has them. The
// config file, the files it names (custom stylesheet and partials, TLS
// files, the replica's secret key file) and autocert's certificates and
// ACME account key are files: kith copies them into one settings row when
// they change, and the replica carries them with everything else. A
// restore writes them back. They are small (a few KiB); a file over
// maxCarried is left out with a warning.

// SettingFiles is the settings key of the carried files.
const SettingFiles = "replication.files"

// maxCarried bounds one carried file.
const maxCarried = 1 << 20

// configName is the restored config's name in the data directory, as a
// restored backup has it.
const configName = "kith.toml"

// carriedFile is one file kept in the database.
type carriedFile struct {
	// Name is where a restore puts it, relative to the data directory.
	Name string `json:"name"`
	// Section and Key name the config key that names the file, set to
	// the restored copy on restore; Section "" means a key unique in the
	// file (custom_scss, cert_file, key_file).
	Section string `json:"section,omitempty"`
	Key     string `json:"key,omitempty"`
	Mode    uint32 `json:"mode"`
	Data    []byte `json:"data"`
}

// carriedSet is the settings row.
type carriedSet struct {
	Files []carriedFile `json:"files"`
	// Sum is the SHA-256 of the files, to tell whether they changed.
	Sum string `json:"sum"`
}

// CarryFiles copies the config, the files it names and the certificates
// into the database when they differ from the copy there. It returns the
// files it could not carry.
func CarryFiles(ctx context.Context, db *store.DB, cfg config.Config) (warnings []string, err error) {
	set, warnings := collect(cfg)
	old, err := db.Setting(ctx, SettingFiles)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return warnings, err
	}
	var prev carriedSet
	if old != "" && json.Unmarshal([]byte(old), &prev) == nil && prev.Sum == set.Sum {
		return warnings, nil
	}
	b, err := json.Marshal(set)
	if err != nil {
		return warnings, err
	}
	return warnings, db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, SettingFiles, string(b)) })
}

// collect reads the files to carry.
func collect(cfg config.Config) (carriedSet, []string) {
	var set carriedSet
	var warnings []string
	add := func(name, path, section, key string) {
		info, err := os.Stat(path)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: %v", path, err))
			return
		}
		if info.Size() > maxCarried {
			warnings = append(warnings, fmt.Sprintf("%s is larger than %d bytes: not carried in the replica", path, maxCarried))
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			warnings = append(warnings, err.Error())
			return
		}
		set.Files = append(set.Files, carriedFile{Name: name, Section: section, Key: key, Mode: uint32(info.Mode().Perm()), Data: data})
	}
	if cfg.File != "" {
		add(configName, cfg.File, "", "")
		named, warn := backup.ConfigFiles(cfg)
		warnings = append(warnings, warn...)
		for _, n := range named {
			add(n.Name, n.Path, "", n.Key)
		}
		if f := cfg.Replication.SecretKeyFile; f != "" {
			add("config/replication/secret_key", f, "replication", "secret_key_file")
		}
	}
	root := cfg.CertCacheDir()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(cfg.Server.DataDir, p)
		if err == nil {
			add(filepath.ToSlash(rel), p, "", "")
		}
		return nil
	})
	h := sha256.New()
	for _, f := range set.Files {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%o\x00%d\x00", f.Name, f.Section, f.Key, f.Mode, len(f.Data))
		h.Write(f.Data)
	}
	set.Sum = hex.EncodeToString(h.Sum(nil))
	return set, warnings
}

// writeCarried writes the carried files of a restored database into
// dataDir: the config as kith.toml, pointed at dataDir and at the
// restored copies of its files. pointInTime disables replication in the
// restored config: a copy of the past must not continue the replica's
// history. It reports whether a config was restored.
func writeCarried(ctx context.Context, dbPath, dataDir string, pointInTime bool, logger *slog.Logger) (int, bool, error) {
	db, err := store.OpenReadOnly(ctx, dbPath)
	if err != nil {
		return 0, false, err
	}
	v, err := db.Setting(ctx, SettingFiles)
	db.Close()
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	var set carriedSet
	if err := json.Unmarshal([]byte(v), &set); err != nil {
		return 0, false, fmt.Errorf("the replica's carried files: %w", err)
	}
	keys := map[string]string{}
	var cfg []byte
	n := 0
	for _, f := range set.Files {
		if !safeName(f.Name) || f.Name == "kith.db" || strings.HasPrefix(f.Name, "kith.db") {
			logger.Warn("restore: skipped a carried file with an unsafe name", "name", f.Name)
			continue
		}
		if f.Name == configName {
			cfg = f.Data
			continue
		}
		if f.Key != "" && f.Section == "" {
			keys[f.Key] = f.Name
		}
		dst := filepath.Join(dataDir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return n, false, err
		}
		if err := os.WriteFile(dst, f.Data, fs.FileMode(f.Mode&0o700)|0o600); err != nil {
			return n, false, err
		}
		n++
	}
	if cfg == nil {
		return n, false, nil
	}
	cfg = backup.RestoredConfig(cfg, keys)
	for _, f := range set.Files {
		if f.Section != "" && f.Key != "" {
			cfg = setInSection(cfg, f.Section, f.Key, f.Name)
		}
	}
	if pointInTime {
		cfg = setInSection(cfg, "replication", "url", "")
	}
	if err := os.WriteFile(filepath.Join(dataDir, configName), cfg, 0o600); err != nil {
		return n, false, err
	}
	return n + 1, true, nil
}

// safeName reports whether a carried file's name stays inside the data
// directory.
func safeName(name string) bool {
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(name)))
	return name != "" && clean == name && !filepath.IsAbs(name) && clean != ".." &&
		!strings.HasPrefix(clean, "../") && !strings.Contains(name, "\\")
}

// sectionHeader matches a TOML table header line.
var sectionHeader = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^[ \t]*\[([^\]\n]+)\][ \t]*(#.*)?$`) })

// setInSection sets key = "value" in the [section] table of a config
// file's text, replacing the key's line or adding it under the header,
// and leaves everything else as the owner wrote it.
func setInSection(cfg []byte, section, key, value string) []byte {
	line := []byte(key + " = " + strconv.Quote(value))
	headers := sectionHeader().FindAllSubmatchIndex(cfg, -1)
	for i, h := range headers {
		if strings.TrimSpace(string(cfg[h[2]:h[3]])) != section {
			continue
		}
		start, end := h[1], len(cfg)
		if i+1 < len(headers) {
			end = headers[i+1][0]
		}
		body := cfg[start:end]
		keyLine := regexp.MustCompile(`(?m)^[ \t]*` + regexp.QuoteMeta(key) + `[ \t]*=.*$`)
		if loc := keyLine.FindIndex(body); loc != nil {
			body = bytes.Join([][]byte{body[:loc[0]], line, body[loc[1]:]}, nil)
		} else {
			body = bytes.Join([][]byte{[]byte("\n"), line, body}, nil)
		}
		return bytes.Join([][]byte{cfg[:start], body, cfg[end:]}, nil)
	}
	return append(cfg, []byte("\n["+section+"]\n"+string(line)+"\n")...)
}
