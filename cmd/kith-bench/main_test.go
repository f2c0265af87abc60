package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// kith-bench backup builds kith and a small database, serves it and backs
// it up under a steady stream of requests, and reports every request
// answered.
func TestBenchBackup(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"backup", "--db-mb", "4", "--runs", "1", "--before", "500ms", "--rate", "40"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("kith-bench backup: exit %d\n%s%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`built the database once: [1-9]\d* posts`),
		regexp.MustCompile(`before: [1-9]\d* requests, .* 0 errors; during: [1-9]\d* requests, .* 0 errors`),
		regexp.MustCompile(`archive size +[0-9.]+ MB`),
		regexp.MustCompile(`errors +0\.00`),
		regexp.MustCompile(`kith backup peak RSS +[1-9][0-9.]* MB`),
	} {
		if !want.MatchString(out) {
			t.Errorf("bench backup output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NaN") {
		t.Errorf("bench backup output has NaN:\n%s", out)
	}
}
