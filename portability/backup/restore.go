package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"kith/disk"
)

// Restore unpacks an archive into dataDir, which must be empty or not
// exist yet. It verifies the archive first (checksums, the database's
// integrity, a dry run of the restored config) and makes sure its files
// fit on the disk, so a damaged or unusable archive, or one too big,
// restores nothing. The config comes back as dataDir/kith.toml with
// data_dir pointing at dataDir itself and the files it names under
// dataDir/config/, named by relative paths.
func Restore(ctx context.Context, archive, dataDir string) (Manifest, error) {
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return Manifest{}, fmt.Errorf("%s is not empty; restore into a new directory (kith never overwrites data)", dataDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, err
	}
	verified, err := Verify(ctx, archive)
	if err != nil {
		return Manifest{}, err
	}
	if err := checkRoom(dataDir, verified); err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Manifest{}, err
	}
	m, err := read(archive, func(name string, r io.Reader) error {
		if name == configName {
			b, err := io.ReadAll(io.LimitReader(r, 1<<20))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dataDir, configName), restoredConfig(b, verified), 0o600)
		}
		return copyTo(filepath.Join(dataDir, filepath.FromSlash(name)), r)
	})
	return m, err
}

// checkRoom refuses an archive whose files, unpacked, need more than the
// free space where they would go.
func checkRoom(dataDir string, m Manifest) error {
	var total uint64
	for _, f := range m.Files {
		total += uint64(f.Size)
	}
	space, err := disk.Usage(dataDir)
	if err != nil {
		return err
	}
	if total > space.Free {
		return fmt.Errorf("the archive unpacks to %s, and the disk holding %s has %s free: restore it where there is room, or free some space first",
			disk.Bytes(total), dataDir, disk.Bytes(space.Free))
	}
	return nil
}

// restoredConfig is a backed-up config as it is restored: data_dir is the
// directory it sits in, and the files it names are the restored copies.
func restoredConfig(cfg []byte, m Manifest) []byte {
	return pointDataDir(pointAt(cfg, m.Config))
}

// dataDirLine matches the data_dir setting of a config file.
var dataDirLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\s*data_dir\s*=.*$`) })

// pointDataDir makes a restored config use the directory it sits in.
func pointDataDir(cfg []byte) []byte {
	const here = `data_dir = "."`
	if dataDirLine().Match(cfg) {
		return dataDirLine().ReplaceAll(cfg, []byte(here))
	}
	return []byte(strings.Replace(string(cfg), "[server]", "[server]\n"+here, 1))
}
