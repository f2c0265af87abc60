package core

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// trustedSources are the only values TrustedHTML may be given: HTML that
// kith's ingest boundary sanitized or that kith rendered itself (see
// TrustedHTML). A new entry needs the same guarantee.
var trustedSources = map[string]string{
	"p.Content":  "store.Post.Content: ap.SanitizeHTML output, or the owner's rendered text",
	"a.Summary":  "store.Actor.Summary: ap.SanitizeHTML output, or the owner's rendered bio",
	"f.Value":    "store.Field.Value: ap.SanitizeHTML output, or the owner's escaped text",
	"preview":    "federation.Preview: the owner's text rendered by kith",
	"withImages": "emojify: escaped text or one of the values above, with emoji images whose attributes are escaped",
}

// TestTrustedHTMLOnly walks the source of server and its packages: no code but TrustedHTML
// converts a value to a type html/template trusts, and TrustedHTML is
// called only with the sanitizer's or kith's own rendered output. A
// remote field marked safe by mistake (a profile field name rendered as
// HTML, say) fails here before it reaches a page.
func TestTrustedHTMLOnly(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../*.go", "../*/*.go"} {
		more, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, more...)
	}
	fset := token.NewFileSet()
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var fn string // the enclosing function
		ast.Inspect(f, func(n ast.Node) bool {
			if d, ok := n.(*ast.FuncDecl); ok {
				fn = d.Name.Name
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch callee := exprString(fset, call.Fun); {
			case strings.HasPrefix(callee, "template.") && trustedTemplateType(strings.TrimPrefix(callee, "template.")):
				if fn != "TrustedHTML" {
					t.Errorf("%s: %s(...) in %s; only TrustedHTML may mark values safe", fset.Position(call.Pos()), callee, fn)
				}
			case callee == "TrustedHTML" || callee == "core.TrustedHTML":
				calls++
				arg := exprString(fset, call.Args[0])
				if _, ok := trustedSources[arg]; !ok {
					t.Errorf("%s: TrustedHTML(%s): not a sanitized or kith-rendered value (allowed: %v)", fset.Position(call.Pos()), arg, keys(trustedSources))
				}
			}
			return true
		})
	}
	if calls == 0 {
		t.Fatalf("found no TrustedHTML calls: is the walk reading the server's files?")
	}
	// Template functions return text, never trusted HTML.
	for name, fn := range TemplateFuncs() {
		for i := 0; i < reflect.TypeOf(fn).NumOut(); i++ {
			if out := reflect.TypeOf(fn).Out(i); out.PkgPath() == "html/template" {
				t.Errorf("template function %s returns %s", name, out)
			}
		}
	}
}

// trustedTemplateType reports whether html/template.name is one of the
// types its escaper takes as already safe.
func trustedTemplateType(name string) bool {
	switch name {
	case "HTML", "HTMLAttr", "JS", "JSStr", "CSS", "URL", "Srcset":
		return true
	}
	return false
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b strings.Builder
	printer.Fprint(&b, fset, e)
	return b.String()
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
