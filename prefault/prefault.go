// Package prefault maps in bulk, as kith starts, memory that the start is
// about to touch a page at a time: the rest of the Go heap's first mapping,
// and kith's own code and read-only data.
//
// Each first touch of a page is a page fault, and on a virtual machine a
// fault costs about 10 µs for anonymous memory and more for a file page,
// while mapping the same pages in one madvise call costs well under a
// microsecond each. Before it answers /healthz, a start of kith serve
// takes some 750 faults on about 3 MB of heap and 350 on its binary's
// code and data; with both mapped here, it answers 5 to 8 ms sooner
// (BenchmarkStartup in tests/e2e), for about 0.5 MB more resident heap.
//
// Its init does the work: main imports it, and it depends only on syscall
// and unsafe so that Go initialises it among the first packages, before
// the ones whose initialisation allocates and runs most. kith serve calls
// Heap once more as its own start begins, for the heap it will use then.
package prefault
