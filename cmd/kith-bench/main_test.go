package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"kith/tests/bench"
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

// kith-bench inbox --push-subscriptions subscribes through the API and
// counts a push per subscription for every mention.
func TestBenchInboxPush(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"inbox", "--requests", "30", "--actors", "3", "--keys", "1", "--conns", "4", "--runs", "1", "--push-subscriptions", "2"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("kith-bench inbox: exit %d\n%s%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`2 push subscriptions`),
		regexp.MustCompile(`processed 30 posts .* 30 notifications, 60 pushes received`),
		regexp.MustCompile(`pushes received +60\.00`),
	} {
		if !want.MatchString(out) {
			t.Errorf("bench inbox output lacks %q:\n%s", want, out)
		}
	}
}

// kith-bench inbox --https runs kith with TLS and has every signed Create
// over HTTPS processed, and pushed to a subscription made over HTTPS.
func TestBenchInboxHTTPS(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"inbox", "--https", "--requests", "30", "--actors", "3", "--keys", "1", "--conns", "4", "--runs", "1", "--push-subscriptions", "1"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("kith-bench inbox --https: exit %d\n%s%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`over 4 HTTPS connections`),
		regexp.MustCompile(`30 accepted of 30 .* processed 30 posts .* 0 dead jobs; 30 notifications, 30 pushes received`),
	} {
		if !want.MatchString(out) {
			t.Errorf("bench inbox output lacks %q:\n%s", want, out)
		}
	}
}

// The number of push subscriptions is bounded.
func TestBenchInboxPushFlag(t *testing.T) {
	for _, n := range []string{"-1", "101"} {
		var stdout, stderr bytes.Buffer
		args := []string{"inbox", "--kith", "/nonexistent", "--push-subscriptions", n}
		if code := run(context.Background(), args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--push-subscriptions") {
			t.Errorf("--push-subscriptions %s: exit %d, stderr %q; want 1 and a message", n, code, &stderr)
		}
	}
}

// A kith whose port another server took before it could bind it is made
// again on a free port, and Start does not take the other server's
// /healthz for its own.
func TestStartOnTakenPort(t *testing.T) {
	ctx := context.Background()
	bin, cleanup, err := buildKith(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	in, err := bench.NewInstance(ctx, bin, t.TempDir(), bench.InstanceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	taken := in.URL
	ln, err := net.Listen("tcp", strings.TrimPrefix(taken, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	other.Listener.Close()
	other.Listener = ln
	other.Start()
	defer other.Close()

	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if in.URL == taken {
		t.Fatalf("URL = %s, the taken one", in.URL)
	}
	db, err := in.OpenDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := bench.Count(ctx, db, "SELECT COUNT(*) FROM actors WHERE uri = ?", in.Owner)
	if err != nil || n != 1 {
		t.Errorf("owner %s: %d rows, %v; want 1", in.Owner, n, err)
	}
}

// kith-bench deletes --https serves kith over TLS and signs every Delete:
// all are answered 202 on keep-alive connections, kith fetches nothing
// (it never looks up a stranger's key) and queues nothing.
func TestBenchDeletesHTTPS(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"deletes", "--https", "--requests", "300", "--conns", "4", "--runs", "1"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("kith-bench deletes: exit %d\n%s%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`300 signed Deletes of unknown actors over 4 HTTPS connections`),
		regexp.MustCompile(`300 accepted of 300 .* statuses map\[202:300\], 0 errors`),
		regexp.MustCompile(`; 0 fetches; 0 jobs left`),
		regexp.MustCompile(`fetches +0\.00`),
	} {
		if !want.MatchString(out) {
			t.Errorf("bench deletes output lacks %q:\n%s", want, out)
		}
	}
}
