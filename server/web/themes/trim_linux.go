//go:build linux && cgo

package themes

/*
#include <malloc.h>
*/
import "C"

// releaseCompilerMemory hands the C heap LibSass used back to the system.
// glibc keeps freed memory in per-thread arenas; a compile runs on some
// thread and leaves a few megabytes there that kith would carry for its
// whole life.
func releaseCompilerMemory() { C.malloc_trim(0) }
