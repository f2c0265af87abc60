package federation

import (
	"context"
	"errors"
	"html"
	"strconv"

	"kith/federation/ap"
	"kith/store"
)

// ingestRulesVersion numbers the rules of ingest.go. When they change in a
// way that rows stored under older rules would break, it goes up, and
// CleanStored rewrites those rows once.
//
// Version 1: URLs http(s) only, plain text as sent, HTML well-formed,
// the owner's field names stored as text rather than escaped HTML.
// Version 2: a URL's host is more than dots ("http://." is refused).
const ingestRulesVersion = 2

// settingIngestRules records the version the stored rows follow.
const settingIngestRules = "ingest_rules_version"

// CleanStored brings rows stored under older ingest rules up to the
// current ones, once: kith serve calls it at start. It returns what
// changed; a database already clean costs one settings read.
func (f *Federation) CleanStored(ctx context.Context) (store.CleanStats, error) {
	v, err := f.db.Setting(ctx, settingIngestRules)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.CleanStats{}, err
	}
	if n, _ := strconv.Atoi(v); n >= ingestRulesVersion {
		return store.CleanStats{}, nil
	}
	st, err := f.db.CleanStored(ctx, ingestCleaner())
	if err != nil {
		return st, err
	}
	err = f.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetSetting(ctx, settingIngestRules, strconv.Itoa(ingestRulesVersion))
	})
	return st, err
}

// ingestCleaner is ingest.go's rules, column by column.
func ingestCleaner() store.Cleaner {
	return store.Cleaner{
		HTML:      ap.SanitizeHTML,
		Text:      func(s string) string { return ap.Text(s, ap.MaxSummaryRunes) },
		Line:      func(s string) string { return ap.Line(s, ap.MaxNameRunes) },
		URL:       ap.HTTPURL,
		Hashtag:   ap.Hashtag,
		Shortcode: ap.Shortcode,
		MediaType: ap.MediaType,
		Blurhash:  ap.Blurhash,
		// The owner's field names were stored escaped, as HTML; they are
		// text now, like every other server's.
		LocalFieldName: html.UnescapeString,
	}
}
