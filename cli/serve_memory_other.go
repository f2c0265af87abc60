//go:build !linux

package cli

import "runtime/debug"

// releaseStartupMemory gives the Go heap's free pages back to the system.
func releaseStartupMemory() { debug.FreeOSMemory() }
