package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is kith's release; the VCS revision is appended from build info.
const version = "0.1.0"

// fullVersion is version and, when the build recorded it, the commit it
// was built from.
func fullVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return v
}

func runVersion(_ context.Context, c stdio, args []string) error {
	fs := newFlags(c, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kith %s\n", fullVersion())
	return nil
}
