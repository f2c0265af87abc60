package portability

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"kith/store"
)

// Kind is a kind of list that can be exported and (all but followers)
// imported as CSV.
type Kind string

// The CSV kinds, named after what they hold.
const (
	Following    Kind = "following"
	Followers    Kind = "followers"
	Blocks       Kind = "blocks"
	Mutes        Kind = "mutes"
	DomainBlocks Kind = "domain_blocks"
	Bookmarks    Kind = "bookmarks"
	Lists        Kind = "lists"
)

// Kinds lists every CSV kind, in the order pages and exports show them.
var Kinds = []Kind{Following, Followers, Blocks, Mutes, DomainBlocks, Bookmarks, Lists}

// FileName is the name Mastodon gives the CSV of a kind.
func (k Kind) FileName() string {
	switch k {
	case Following:
		return "following_accounts.csv"
	case Followers:
		return "followers.csv"
	case Blocks:
		return "blocked_accounts.csv"
	case Mutes:
		return "muted_accounts.csv"
	case DomainBlocks:
		return "blocked_domains.csv"
	case Bookmarks:
		return "bookmarks.csv"
	case Lists:
		return "lists.csv"
	}
	return string(k) + ".csv"
}

// ParseKind reads a kind's name as the CLI and the settings page spell it.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown list %q (want one of following, blocks, mutes, domain_blocks, bookmarks, lists)", s)
}

// Note: Mastodon's importer knows a header row by its first field, and
// its exports write a header only for follows, followers and mutes.
var firstHeaders = map[string]bool{"account address": true, "#domain": true, "#uri": true, "list name": true}

// guessKind names the kind of a CSV from its header or its file name, as
// Mastodon's Form::Import#guessed_type does.
func guessKind(fileName string, header []string) (Kind, error) {
	has := func(name string) bool {
		for _, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				return true
			}
		}
		return false
	}
	base := strings.ToLower(path.Base(strings.ReplaceAll(fileName, `\`, "/")))
	named := func(names ...string) bool {
		for _, n := range names {
			if strings.HasPrefix(base, n) {
				return true
			}
		}
		return false
	}
	switch {
	case has("Hide notifications") || named("mutes", "muted_accounts"):
		return Mutes, nil
	case has("Show boosts") || has("Notify on new posts") || has("Languages") || named("follows", "following_accounts", "following"):
		return Following, nil
	case has("#domain") || named("domain_blocks", "blocked_domains"):
		return DomainBlocks, nil
	case has("#uri") || named("bookmarks"):
		return Bookmarks, nil
	case has("List name") || named("lists"):
		return Lists, nil
	case named("blocks", "blocked_accounts"):
		return Blocks, nil
	case named("followers"):
		return "", errors.New("followers cannot be imported: they follow you from their own servers")
	}
	return "", fmt.Errorf("cannot tell what %s holds: name the file as Mastodon does (following_accounts.csv, blocked_accounts.csv, muted_accounts.csv, blocked_domains.csv, bookmarks.csv, lists.csv) or choose the list", base)
}

// Parsed is a CSV file read for import: one row per data line, rows the
// parser refused carrying their error.
type Parsed struct {
	Kind Kind
	Rows []store.ImportRow
}

// Bad lists the refused rows as "line N: reason".
func (p Parsed) Bad() []string {
	var out []string
	for _, r := range p.Rows {
		if r.Error != "" {
			out = append(out, fmt.Sprintf("line %d: %s", r.Line, r.Error))
		}
	}
	return out
}

// maxCSVRows bounds one import; Mastodon's limit is 20,000 rows for the
// largest kinds.
const maxCSVRows = 50_000

// ParseCSV reads a CSV of one of the importable kinds. kind "" guesses it
// from the header or fileName. A byte-order mark, CRLF line ends, quoted
// fields, a header row or none, and a leading @ on addresses are all
// accepted. A bad row is reported with its line number and never stops
// the rest; only an unreadable file or an unknown kind is an error.
func ParseCSV(r io.Reader, fileName string, kind Kind) (Parsed, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	var records [][]string
	var lines []int
	var bad []store.ImportRow
	for len(records)+len(bad) <= maxCSVRows {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			bad = append(bad, store.ImportRow{Line: perr.StartLine, Error: perr.Err.Error()})
			continue
		}
		if err != nil {
			return Parsed{}, fmt.Errorf("read %s: %w", fileName, err)
		}
		line, _ := cr.FieldPos(0)
		if len(records) == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		records, lines = append(records, rec), append(lines, line)
	}
	if len(records)+len(bad) > maxCSVRows {
		return Parsed{}, fmt.Errorf("%s has more than %d rows", fileName, maxCSVRows)
	}
	var header []string
	if len(records) > 0 && firstHeaders[strings.ToLower(strings.TrimSpace(records[0][0]))] {
		header, records, lines = records[0], records[1:], lines[1:]
	}
	if kind == "" {
		k, err := guessKind(fileName, header)
		if err != nil {
			return Parsed{}, err
		}
		kind = k
	}
	if kind == Followers {
		return Parsed{}, errors.New("followers cannot be imported: they follow you from their own servers")
	}
	out := Parsed{Kind: kind}
	for i, rec := range records {
		if blank(rec) {
			continue
		}
		fields, err := checkRow(kind, rec)
		row := store.ImportRow{Line: lines[i], Fields: fields}
		if err != nil {
			row.Error = err.Error()
		}
		out.Rows = append(out.Rows, row)
	}
	out.Rows = append(out.Rows, bad...)
	return out, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// checkRow validates one data row of a kind and returns its fields
// normalised: [address, show boosts, notify, languages] for follows,
// [address, hide notifications] for mutes, [list, address] for lists,
// one field for the rest.
func checkRow(kind Kind, rec []string) ([]string, error) {
	field := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	switch kind {
	case Following:
		addr, err := address(field(0))
		if err != nil {
			return nil, err
		}
		boosts, err := boolField(field(1), true, "Show boosts")
		if err != nil {
			return nil, err
		}
		notify, err := boolField(field(2), false, "Notify on new posts")
		if err != nil {
			return nil, err
		}
		return []string{addr, boosts, notify, normaliseLanguages(field(3))}, nil
	case Mutes:
		addr, err := address(field(0))
		if err != nil {
			return nil, err
		}
		hide, err := boolField(field(1), true, "Hide notifications")
		return []string{addr, hide}, err
	case Blocks:
		addr, err := address(field(0))
		return []string{addr}, err
	case DomainBlocks:
		d := strings.ToLower(strings.TrimPrefix(field(0), "@"))
		if d == "" || strings.ContainsAny(d, "/@ \t") || !strings.Contains(d, ".") && !strings.Contains(d, ":") {
			return nil, fmt.Errorf("%q is not a domain name", field(0))
		}
		return []string{d}, nil
	case Bookmarks:
		u, err := url.Parse(field(0))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("%q is not a post URL", field(0))
		}
		return []string{u.String()}, nil
	case Lists:
		name := field(0)
		if name == "" {
			return nil, errors.New("the list name is empty")
		}
		addr, err := address(field(1))
		return []string{name, addr}, err
	}
	return nil, fmt.Errorf("%s cannot be imported", kind)
}

// address normalises an account address: user@domain, without the
// leading @ some exports and people add.
func address(s string) (string, error) {
	a := strings.TrimPrefix(strings.TrimSpace(s), "@")
	user, domain, ok := strings.Cut(a, "@")
	if !ok || user == "" || domain == "" || strings.ContainsAny(a, " \t/") || strings.Contains(domain, "@") {
		if s == "" {
			return "", errors.New("the account address is empty")
		}
		return "", fmt.Errorf("%q is not an account address (user@domain)", s)
	}
	return user + "@" + strings.ToLower(domain), nil
}

func boolField(s string, def bool, name string) (string, error) {
	switch strings.ToLower(s) {
	case "":
		return fmt.Sprint(def), nil
	case "true", "1", "t", "yes":
		return "true", nil
	case "false", "0", "f", "no":
		return "false", nil
	}
	return "", fmt.Errorf("%s is %q, want true or false", name, s)
}

func normaliseLanguages(s string) string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.ToLower(l))
	}
	return strings.Join(out, ",")
}
