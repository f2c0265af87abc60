package prefault

// Only syscall and unsafe: a package imported here (bytes, strconv) would
// have to be initialised first, and Go would initialise this one later.
// So the few byte helpers below are written out.
import (
	"syscall"
	"unsafe"
)

// Linux 5.14 and later; older kernels refuse the advice, and nothing
// changes but the speed of the start.
const (
	madvPopulateRead  = 22
	madvPopulateWrite = 23
)

// How much of the heap is mapped ahead, at most: package initialisation
// goes on to use about 3 MB after init runs (Go maps its heap 4 MB at a
// time), and kith serve's own start about 1 MB. What is mapped and not
// used stays resident: Go counts it as given back.
const (
	initAhead  = 4 << 20
	serveAhead = 2 << 20
)

const pageSize = 4096 // madvise's unit; larger pages are multiples of it

// mapsBuffer holds /proc/self/maps, which has some hundred lines when
// this runs. It is bigger than 64 KB, so Go allocates it on the heap, not
// the stack, and its address tells where the heap goes on growing.
const mapsBuffer = 128 << 10

func init() { mapAhead(initAhead, true) }

// Heap maps the next part of the Go heap, as init did for the first.
// kith serve calls it as its own start begins: by then package
// initialisation has used what init mapped.
func Heap() { mapAhead(serveAhead, false) }

// mapAhead maps up to ahead bytes of the heap from a fresh allocation on,
// and kith's own code and read-only data if code is set.
func mapAhead(ahead uintptr, code bool) {
	buf := make([]byte, mapsBuffer)
	heap := uintptr(unsafe.Pointer(&buf[0]))
	n := readFile("/proc/self/maps", buf)
	var exe [4096]byte
	m := 0
	if code {
		if k, err := syscall.Readlink("/proc/self/exe", exe[:]); err == nil {
			m = k
		}
	}
	populate(buf[:n], heap, ahead, exe[:m])
}

// populate maps, of the regions that maps (/proc/self/maps) lists, the
// one holding the address heap from that address on (ahead bytes at
// most), and every read-only mapping of the file exe.
func populate(maps []byte, heap, ahead uintptr, exe []byte) {
	for rest := maps; len(rest) > 0; {
		var line []byte
		line, rest = cut(rest, '\n')
		r, ok := parse(line)
		switch {
		case !ok:
		case r.start <= heap && heap < r.end && string(r.perms) == "rw-p":
			// The pages from the buffer on are those Go hands out next;
			// they are zero either way.
			from := heap &^ (pageSize - 1)
			madvise(from, min(r.end-from, ahead), madvPopulateWrite)
		case len(exe) > 0 && string(r.path) == string(exe) && r.perms[1] != 'w':
			// Code and read-only data, shared with the page cache.
			// kith serve unmaps them once its start is over (cli's
			// releaseStartupMemory); other commands exit.
			madvise(r.start, r.end-r.start, madvPopulateRead)
		}
	}
}

func madvise(addr, n uintptr, advice int) {
	syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice))
}

// readFile reads as much of the file at path as fits in buf.
func readFile(path string, buf []byte) int {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer syscall.Close(fd)
	n := 0
	for n < len(buf) {
		k, err := syscall.Read(fd, buf[n:])
		if err != nil || k <= 0 {
			break
		}
		n += k
	}
	return n
}

// region is one line of /proc/self/maps.
type region struct {
	start, end uintptr
	perms      []byte // "r-xp"
	path       []byte // empty for anonymous memory
}

// parse reads "START-END PERMS OFFSET DEV INODE [PATH]".
func parse(line []byte) (region, bool) {
	var r region
	field, rest := cut(line, ' ')
	lo, hi := cut(field, '-')
	var ok1, ok2 bool
	r.start, ok1 = hex(lo)
	r.end, ok2 = hex(hi)
	field, rest = cut(rest, ' ')
	if !ok1 || !ok2 || len(field) != 4 || r.end <= r.start {
		return r, false
	}
	r.perms = field
	for range 3 { // offset, device, inode
		if rest == nil {
			return r, false
		}
		_, rest = cut(rest, ' ')
	}
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	r.path = rest
	return r, true
}

func cut(s []byte, sep byte) (before, after []byte) {
	for i, c := range s {
		if c == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, nil
}

func hex(s []byte) (uintptr, bool) {
	var v uintptr
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, len(s) > 0
}
