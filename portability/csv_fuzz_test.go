package portability

import (
	"bytes"
	"testing"
)

// FuzzParseCSV feeds the CSV importer what an upload could hold: it must
// never panic, must number every row from line 1, and must refuse a row
// rather than accept one with nothing in it.
func FuzzParseCSV(f *testing.F) {
	for _, seed := range []string{
		"Account address,Show boosts,Notify on new posts,Languages\n@a@b.example,true,false,en\n",
		"\ufeffAccount address,Hide notifications\r\nx@y.example,true\r\n",
		"#domain\nspam.example\n\"quoted, domain\"\n",
		"list name,account address\nfriends,@a@b.example\n",
		"https://b.example/@a/1\n\"unterminated\n",
		"", "\n\n,,,\n", "a\"b,c\n",
	} {
		f.Add([]byte(seed), "following_accounts.csv")
		f.Add([]byte(seed), "")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		for _, kind := range append([]Kind{""}, Kinds...) {
			p, err := ParseCSV(bytes.NewReader(data), name, kind)
			if err != nil {
				continue
			}
			for _, r := range p.Rows {
				if r.Line < 1 {
					t.Fatalf("kind %q: row on line %d", kind, r.Line)
				}
				if r.Error == "" && len(r.Fields) == 0 {
					t.Fatalf("kind %q: line %d accepted with no fields", kind, r.Line)
				}
			}
		}
	})
}
