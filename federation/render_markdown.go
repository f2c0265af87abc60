package federation

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The two Markdown extensions the compose form offers beyond CommonMark,
// bare links and ~~strikethrough~~, written here rather than taken from
// goldmark/extension: that package builds all of its extensions' regular
// expressions when the program starts (some with {1,256} repeats, which
// the regexp compiler expands by recursion), a quarter of a megabyte and a
// half-megabyte stack on every start of kith, for two small features.

// markdownExtras is the parser option of strikethrough; linkify is an
// AST transformer.
func markdownExtras() parser.Option {
	return parser.WithInlineParsers(util.Prioritized(strikethroughParser{}, 500))
}

// kindStrikethrough is the node of ~~struck text~~.
var kindStrikethrough = ast.NewNodeKind("Strikethrough")

type strikethroughNode struct{ ast.BaseInline }

func (n *strikethroughNode) Kind() ast.NodeKind { return kindStrikethrough }

func (n *strikethroughNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, nil, nil)
}

// tildes pairs runs of one or two tildes, as GitHub does: ~a~ and ~~a~~
// strike, ~~~a~~~ stays text.
type tildes struct{}

func (tildes) IsDelimiter(b byte) bool { return b == '~' }

func (tildes) CanOpenCloser(opener, closer *parser.Delimiter) bool { return opener.Char == closer.Char }

func (tildes) OnMatch(consumes int) ast.Node { return &strikethroughNode{} }

// strikethroughParser finds the tilde runs; goldmark pairs them as it
// pairs * and _ for emphasis.
type strikethroughParser struct{}

func (strikethroughParser) Trigger() []byte { return []byte{'~'} }

func (strikethroughParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	before := block.PrecendingCharacter()
	line, segment := block.PeekLine()
	d := parser.ScanDelimiter(line, before, 1, tildes{})
	if d == nil || d.OriginalLength > 2 || before == '~' {
		return nil
	}
	d.Segment = segment.WithStop(segment.Start + d.OriginalLength)
	block.Advance(d.OriginalLength)
	pc.PushDelimiter(d)
	return d
}

func (strikethroughParser) CloseBlock(parent ast.Node, block text.Reader, pc parser.Context) {
	parser.ProcessDelimiters(nil, pc)
}

// strikethroughHTML renders struck text as <del>, which the sanitizer
// keeps.
type strikethroughHTML struct{}

func (strikethroughHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindStrikethrough, func(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			w.WriteString("<del>")
		} else {
			w.WriteString("</del>")
		}
		return ast.WalkContinue, nil
	})
}

// linkify turns bare http(s) URLs, www. addresses and e-mail addresses in
// a post's text into links, after parsing, so emphasis, code and explicit
// links have already claimed their text.
type linkify struct{}

func (linkify) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var runs [][]*ast.Text
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.(type) {
		case *ast.Link, *ast.AutoLink, *ast.Image, *ast.CodeSpan, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		runs = append(runs, textRuns(n)...)
		return ast.WalkContinue, nil
	})
	for _, run := range runs {
		linkifyRun(run, source)
	}
}

// textRuns lists n's runs of adjacent text children that are one stretch
// of the source on one line: a URL may have been cut into several (an
// unpaired * or &, for one).
func textRuns(n ast.Node) [][]*ast.Text {
	var runs [][]*ast.Text
	var run []*ast.Text
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		t, ok := c.(*ast.Text)
		if !ok || t.IsRaw() {
			if len(run) > 0 {
				runs, run = append(runs, run), nil
			}
			continue
		}
		if len(run) > 0 {
			last := run[len(run)-1]
			if last.SoftLineBreak() || last.HardLineBreak() || last.Segment.Stop != t.Segment.Start {
				runs, run = append(runs, run), nil
			}
		}
		run = append(run, t)
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	return runs
}

// linkifyRun replaces a run of text nodes with text and links when it
// holds any.
func linkifyRun(run []*ast.Text, source []byte) {
	start, stop := run[0].Segment.Start, run[len(run)-1].Segment.Stop
	spans := findLinks(source[start:stop])
	if len(spans) == 0 {
		return
	}
	parent := run[0].Parent()
	first, last := run[0], run[len(run)-1]
	insert := func(n ast.Node) { parent.InsertBefore(parent, first, n) }
	at := start
	for _, s := range spans {
		if start+s.start > at {
			insert(ast.NewTextSegment(text.NewSegment(at, start+s.start)))
		}
		link := ast.NewAutoLink(s.kind, ast.NewTextSegment(text.NewSegment(start+s.start, start+s.end)))
		if s.www {
			link.Protocol = []byte("http")
		}
		insert(link)
		at = start + s.end
	}
	// The last piece carries the run's line break, so it stays a text
	// node even when empty.
	tail := ast.NewTextSegment(text.NewSegment(at, stop))
	tail.SetSoftLineBreak(last.SoftLineBreak())
	tail.SetHardLineBreak(last.HardLineBreak())
	insert(tail)
	for _, t := range run {
		parent.RemoveChild(parent, t)
	}
}

// linkSpan is a link found in text: s[start:end].
type linkSpan struct {
	start, end int
	kind       ast.AutoLinkType
	www        bool // a www. address, linked with http://
}

// findLinks finds the links in s, following GitHub's extended autolinks:
// a link starts at the beginning of the text, after a space or after one
// of *_~( ; it runs to the next space or <, less trailing punctuation and
// unbalanced closing parentheses.
func findLinks(s []byte) []linkSpan {
	var out []linkSpan
	for i := 0; i < len(s); i++ {
		if i > 0 && !linkBoundary(s[i-1]) {
			continue
		}
		if n, www := webLinkAt(s[i:]); n > 0 {
			out = append(out, linkSpan{i, i + n, ast.AutoLinkURL, www})
			i += n - 1
		} else if n := emailAt(s[i:]); n > 0 {
			out = append(out, linkSpan{i, i + n, ast.AutoLinkEmail, false})
			i += n - 1
		}
	}
	return out
}

func linkBoundary(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '*', '_', '~', '(':
		return true
	}
	return false
}

// webLinkAt is the length of the http(s) URL or www. address s starts
// with, 0 if none.
func webLinkAt(s []byte) (n int, www bool) {
	var host int // where the domain starts; a www. address needs one after www.
	switch {
	case hasPrefixFold(s, "https://"):
		host = len("https://")
	case hasPrefixFold(s, "http://"):
		host = len("http://")
	case hasPrefixFold(s, "www."):
		host, www = len("www."), true
	default:
		return 0, false
	}
	d := domainLen(s[host:])
	if d == 0 {
		return 0, false
	}
	end := host + d
	for end < len(s) && s[end] != ' ' && s[end] != '\t' && s[end] != '\n' && s[end] != '<' {
		end++
	}
	return trimLinkEnd(s[:end]), www
}

// emailAt is the length of the e-mail address s starts with, 0 if none.
func emailAt(s []byte) int {
	local := 0
	for local < len(s) && (isAlnum(s[local]) || bytes.IndexByte([]byte(".+-_"), s[local]) >= 0) {
		local++
	}
	if local == 0 || local >= len(s) || s[local] != '@' {
		return 0
	}
	d := domainLen(s[local+1:])
	if d == 0 {
		return 0
	}
	end := local + 1 + d
	if c := s[end-1]; c == '-' || c == '_' {
		return 0
	}
	return end
}

// domainLen is the length of the domain s starts with: labels of letters,
// digits, - and _ joined by dots, at least two, the last of letters only.
// A dot that ends it is not part of it.
func domainLen(s []byte) int {
	n, labels, lastStart := 0, 0, 0
	for {
		start := n
		for n < len(s) && (isAlnum(s[n]) || s[n] == '-' || s[n] == '_') {
			n++
		}
		if n == start {
			n = max(start-1, 0) // no label after the dot: the dot ends the text
			break
		}
		labels, lastStart = labels+1, start
		if n >= len(s) || s[n] != '.' {
			break
		}
		n++
	}
	if labels < 2 {
		return 0
	}
	for _, c := range s[lastStart:n] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return 0
		}
	}
	return n
}

// trimLinkEnd is the length of link less the punctuation that ends a
// sentence rather than the link, and closing parentheses it did not open.
func trimLinkEnd(link []byte) int {
	end := len(link)
	for end > 0 {
		switch c := link[end-1]; {
		case bytes.IndexByte([]byte("?!.,:*_~'\""), c) >= 0:
			end--
		case c == ')' && bytes.Count(link[:end], []byte("(")) < bytes.Count(link[:end], []byte(")")):
			end--
		default:
			return end
		}
	}
	return end
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func hasPrefixFold(s []byte, prefix string) bool {
	return len(s) >= len(prefix) && bytes.EqualFold(s[:len(prefix)], []byte(prefix))
}
