//go:build !(linux && cgo)

package themes

// releaseCompilerMemory does nothing where glibc's malloc_trim is not known
// to exist.
func releaseCompilerMemory() {}
