package portability

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		kind     Kind
		in       string
		wantKind Kind
		want     [][]string // fields of the good rows, in order
		wantBad  []string
	}{
		{
			name: "following with header, BOM and CRLF", file: "following_accounts.csv",
			in:       "\ufeffAccount address,Show boosts,Notify on new posts,Languages\r\nbob@b.example,true,false,\r\n@Carol@C.Example,false,true,\"en,de\"\r\n",
			wantKind: Following,
			want:     [][]string{{"bob@b.example", "true", "false", ""}, {"Carol@c.example", "false", "true", "en,de"}},
		},
		{
			name: "following guessed from the header alone", file: "upload.csv",
			in:       "Account address,Show boosts\nbob@b.example,\n",
			wantKind: Following, want: [][]string{{"bob@b.example", "true", "false", ""}},
		},
		{
			name: "following without header, by file name", file: "following_accounts.csv",
			in:       "bob@b.example\n\n@dave@d.example,true,true,\n",
			wantKind: Following, want: [][]string{{"bob@b.example", "true", "false", ""}, {"dave@d.example", "true", "true", ""}},
		},
		{
			name: "mutes by header", file: "x.csv",
			in:       "Account address,Hide notifications\nbob@b.example,false\ncarol@c.example,\n",
			wantKind: Mutes, want: [][]string{{"bob@b.example", "false"}, {"carol@c.example", "true"}},
		},
		{
			name: "blocks by file name, bad rows reported with their line", file: "blocked_accounts.csv",
			in:       "bob@b.example\nnot an address\n\"@carol@c.example\"\nhttps://x.example/users/y\n",
			wantKind: Blocks, want: [][]string{{"bob@b.example"}, {"carol@c.example"}},
			wantBad: []string{`line 2: "not an address" is not an account address (user@domain)`,
				`line 4: "https://x.example/users/y" is not an account address (user@domain)`},
		},
		{
			name: "domain blocks", file: "blocked_domains.csv",
			in:       "Spam.Example\r\nbad/domain\r\n",
			wantKind: DomainBlocks, want: [][]string{{"spam.example"}},
			wantBad: []string{`line 2: "bad/domain" is not a domain name`},
		},
		{
			name: "domain blocks with Mastodon's #domain header", file: "x.csv",
			in:       "#domain\nspam.example\n",
			wantKind: DomainBlocks, want: [][]string{{"spam.example"}},
		},
		{
			name: "bookmarks", file: "bookmarks.csv",
			in:       "https://b.example/users/bob/statuses/1\nftp://nope\n",
			wantKind: Bookmarks, want: [][]string{{"https://b.example/users/bob/statuses/1"}},
			wantBad: []string{`line 2: "ftp://nope" is not a post URL`},
		},
		{
			name: "lists with quoted names", file: "lists.csv",
			in:       "\"Friends, close\",bob@b.example\nWork,@carol@c.example\n,dave@d.example\n",
			wantKind: Lists, want: [][]string{{"Friends, close", "bob@b.example"}, {"Work", "carol@c.example"}},
			wantBad: []string{"line 3: the list name is empty"},
		},
		{
			name: "kind given overrides the guess", file: "whatever.csv", kind: Blocks,
			in:       "bob@b.example\n",
			wantKind: Blocks, want: [][]string{{"bob@b.example"}},
		},
		{
			name: "bad boolean", file: "muted_accounts.csv",
			in:       "Account address,Hide notifications\nbob@b.example,maybe\n",
			wantKind: Mutes, wantBad: []string{`line 2: Hide notifications is "maybe", want true or false`},
		},
		{
			name: "quoted field spanning lines keeps later line numbers right", file: "lists.csv",
			in:       "\"Two\nlines\",bob@b.example\nWork,nobody\n",
			wantKind: Lists, want: [][]string{{"Two\nlines", "bob@b.example"}},
			wantBad: []string{`line 3: "nobody" is not an account address (user@domain)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCSV(strings.NewReader(tt.in), tt.file, tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.wantKind {
				t.Errorf("kind = %q, want %q", got.Kind, tt.wantKind)
			}
			var good [][]string
			for _, r := range got.Rows {
				if r.Error == "" {
					good = append(good, r.Fields)
				}
			}
			if !reflect.DeepEqual(good, tt.want) {
				t.Errorf("rows = %q, want %q", good, tt.want)
			}
			if bad := got.Bad(); !reflect.DeepEqual(bad, tt.wantBad) {
				t.Errorf("bad rows = %q, want %q", bad, tt.wantBad)
			}
		})
	}
}

func TestParseCSVRefuses(t *testing.T) {
	tests := []struct {
		name, file, in, want string
	}{
		{"unknown kind", "export.csv", "bob@b.example\n", "cannot tell what export.csv holds"},
		{"followers", "followers.csv", "Account address\nbob@b.example\n", "followers cannot be imported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tt.in), tt.file, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
