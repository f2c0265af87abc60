package backup

import "kith/config"

// NamedFile is a file outside the data directory that a config names (the
// custom stylesheet and its partials, the TLS files): Name is where a
// backup, or a replica, keeps it and where a restore puts it, relative to
// the restored data directory; Key is the config key naming it ("" for an
// imported partial).
type NamedFile struct {
	Name, Path, Key string
}

// ConfigFiles lists the files cfg names, as a backup archives them, and
// warnings for those that cannot be found.
func ConfigFiles(cfg config.Config) ([]NamedFile, []string) {
	named, warnings := configFiles(cfg)
	out := make([]NamedFile, len(named))
	for i, n := range named {
		out[i] = NamedFile{Name: n.name, Path: n.path, Key: n.key}
	}
	return out, warnings
}

// RestoredConfig rewrites a config file's text as a restore writes it: its
// data_dir is the directory it is restored into, and each key in keys
// names the restored copy of its file (a path relative to the config).
func RestoredConfig(cfg []byte, keys map[string]string) []byte {
	return pointDataDir(pointAt(cfg, keys))
}
