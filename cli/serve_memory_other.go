//go:build !linux

package cli

import "runtime/debug"

// releaseStartupMemory gives the Go heap's free pages back to the system.
func releaseStartupMemory() { debug.FreeOSMemory() }

// mapOwnCodeFinely does nothing here: the page-cache behaviour it works
// around is Linux's.
func mapOwnCodeFinely() {}
