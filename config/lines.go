package config

import (
	"bufio"
	"bytes"
	"strings"
)

// keyLine finds the line where key (a path like ["server", "tls"]) is set,
// so errors can point at it; 0 when it cannot tell. The TOML library keeps
// key positions private, and config files are simple enough that tracking
// [table] headers and "key =" lines finds them.
func keyLine(data []byte, key []string) int {
	if len(key) == 0 {
		return 0
	}
	table, leaf := strings.Join(key[:len(key)-1], "."), key[len(key)-1]
	current := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			current = strings.Trim(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), "[] ")
			if current == strings.Join(key, ".") {
				return n // the key is a table
			}
		case current == table:
			name, _, ok := strings.Cut(line, "=")
			if ok && strings.Trim(strings.TrimSpace(name), `"'`) == leaf {
				return n
			}
		}
	}
	return 0
}
