package server

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

// trustedSources are the only values trustedHTML may be given: HTML that
// kith's ingest boundary sanitized or that kith rendered itself (see
// trustedHTML). A new entry needs the same guarantee.
var trustedSources = map[string]string{
	"p.Content": "store.Post.Content: ap.SanitizeHTML output, or the owner's rendered text",
	"a.Summary": "store.Actor.Summary: ap.SanitizeHTML output, or the owner's rendered bio",
	"f.Value":   "store.Field.Value: ap.SanitizeHTML output, or the owner's escaped text",
	"preview":   "federation.Preview: the owner's text rendered by kith",
}

// TestTrustedHTMLOnly walks the server's source: no code but trustedHTML
// converts a value to a type html/template trusts, and trustedHTML is
// called only with the sanitizer's or kith's own rendered output. A
// remote field marked safe by mistake (a profile field name rendered as
// HTML, say) fails here before it reaches a page.
func TestTrustedHTMLOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
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
				if fn != "trustedHTML" {
					t.Errorf("%s: %s(...) in %s; only trustedHTML may mark values safe", fset.Position(call.Pos()), callee, fn)
				}
			case callee == "trustedHTML":
				calls++
				arg := exprString(fset, call.Args[0])
				if _, ok := trustedSources[arg]; !ok {
					t.Errorf("%s: trustedHTML(%s): not a sanitized or kith-rendered value (allowed: %v)", fset.Position(call.Pos()), arg, keys(trustedSources))
				}
			}
			return true
		})
	}
	if calls == 0 {
		t.Fatalf("found no trustedHTML calls: is the walk reading the server's files?")
	}
	// Template functions return text, never trusted HTML.
	for name, fn := range templateFuncs() {
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
