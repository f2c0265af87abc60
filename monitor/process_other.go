//go:build !unix

package monitor

import "time"

// cpuTime is unknown here.
func cpuTime() time.Duration { return 0 }
