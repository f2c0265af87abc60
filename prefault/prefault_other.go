//go:build !linux

package prefault

// Heap does nothing here: the page-fault costs it avoids were measured on
// Linux, and the advice it gives is Linux's.
func Heap() {}
