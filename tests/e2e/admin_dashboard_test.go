package e2e

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"kith/tests/bench"
)

var receivedTotalRE = regexp.MustCompile(`data-series="inbox-received" data-value="[^"]*" data-total="([^"]*)"`)

// dashboardReceived signs in to in over HTTP and reads how many inbox
// activities /admin says arrived over the day.
func dashboardReceived(t *testing.T, in *bench.Instance) float64 {
	t.Helper()
	c := &http.Client{Jar: newJar()}
	m := csrfRE.FindStringSubmatch(getPage(t, c, in.URL+"/login"))
	if m == nil {
		t.Fatal("no csrf token on the login page")
	}
	resp, err := c.PostForm(in.URL+"/login", url.Values{"csrf_token": {m[1]}, "username": {"owner"}, "password": {"a bench password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := getPage(t, c, in.URL+"/admin")
	got := receivedTotalRE.FindStringSubmatch(page)
	if got == nil {
		t.Fatalf("no inbox chart on /admin:\n%.500s", page)
	}
	n, err := strconv.ParseFloat(got[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The dashboard's day outlives a restart of kith serve: what arrived
// before a SIGTERM is still charted after the next start, added to what
// arrives after it, whether or not a minute ended in between.
func TestDashboardSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, err := bench.NewInstance(ctx, kithBin, t.TempDir(), bench.InstanceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			t.Logf("kith serve output:\n%s", in.Output())
		}
	})
	// Deletes of accounts kith never met: accepted (202) unsigned, with
	// no work to do.
	deletes := func(from, n int) {
		t.Helper()
		reqs, err := bench.SignAll(n, func(i int) (bench.Request, error) {
			var nobody *bench.Peer
			return nobody.Sign(in.URL+"/inbox", bench.GoneHost, from+i, bench.Delete(bench.GoneHost, from+i))
		})
		if err != nil {
			t.Fatal(err)
		}
		if res := bench.Fire(ctx, reqs, 4); res.Accepted != n {
			t.Fatalf("deletes: %s", res)
		}
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	deletes(0, 30)
	if err := in.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	deletes(30, 12)
	if got := dashboardReceived(t, in); got != 42 {
		t.Errorf("after a restart the dashboard counts %v activities received, want 30 before it and 12 after", got)
	}
}
