package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"kith/config"
	"kith/federation"
	"kith/server/servertest"
	"kith/store"
)

const metricsToken = "0123456789abcdef0123"

// strangersDelete is an activity an inbox accepts (202) without a
// signature: a Delete from an actor kith never met, which needs no work.
const strangersDelete = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://gone.example/users/x#delete","type":"Delete","actor":"https://gone.example/users/x","object":"https://gone.example/users/x"}`

func postInbox(t *testing.T, in *servertest.Instance) {
	t.Helper()
	resp, err := http.Post(in.HTTP.URL+"/inbox", "application/activity+json", strings.NewReader(strangersDelete))
	if err != nil {
		t.Fatal(err)
	}
	servertest.ReadBody(t, resp)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("inbox: status %d, want 202", resp.StatusCode)
	}
}

var seriesRE = regexp.MustCompile(`<li class="s\d" data-series="([a-z0-9-]+)" data-value="([^"]*)" data-total="([^"]*)"`)

// dashboardTotals reads each series' day total from the page.
func dashboardTotals(t *testing.T, page string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, m := range seriesRE.FindAllStringSubmatch(page, -1) {
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("series %s: data-total %q", m[1], m[3])
		}
		out[m[1]] = v
	}
	return out
}

// The dashboard is the owner's: visitors get 403. It charts what the
// server counted, the minute under way included, draws one polyline per
// run of minutes, and lists the failing servers with their error escaped.
func TestAdminDashboard(t *testing.T) {
	ctx := context.Background()
	in := servertest.New(t, nil)
	in.Clock.Set(in.Clock.Now().Truncate(time.Minute).Add(5 * time.Second))
	mon := in.Srv.Opts.Monitor

	if resp, body := servertest.Get(t, in.Browser(t), in.HTTP.URL+"/admin"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, `data-chart=`) {
		t.Fatalf("visitor: status %d, want 403 and no charts", resp.StatusCode)
	}

	owner := in.Browser(t)
	in.SignIn(t, owner)
	for range 3 {
		postInbox(t, in)
	}
	in.Clock.Add(time.Minute)
	if !mon.Tick(ctx) {
		t.Fatal("Tick closed no minute")
	}
	postInbox(t, in)

	// A server whose deliveries fail, with markup in its error.
	err := in.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(ctx, federation.JobKindDeliver, []byte(`{"activity":1,"inbox":"https://down.example/inbox"}`), store.EnqueueOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := in.DB.Jobs(ctx, store.JobQueued, 10)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("jobs %v %v", jobs, err)
	}
	err = in.DB.InTx(ctx, func(tx *store.Tx) error {
		return tx.RetryJob(ctx, jobs[len(jobs)-1].ID, in.Now().Add(time.Hour), `deliver: 502 <script>alert(1)</script>`)
	})
	if err != nil {
		t.Fatal(err)
	}

	resp, page := servertest.Get(t, owner, in.HTTP.URL+"/admin")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("owner: status %d, want 200", resp.StatusCode)
	}
	totals := dashboardTotals(t, page)
	if got := totals["inbox-received"]; got != 4 {
		t.Errorf("inbox received over the day: %v, want 4 (3 in the closed minute, 1 in the one under way)", got)
	}
	if got := totals["requests"]; got < 5 {
		t.Errorf("requests over the day: %v, want at least the 5 this test made", got)
	}
	for _, id := range []string{"inbox", "deliveries", "queue", "queue-wait", "latency", "requests", "memory", "cpu", "database", "media"} {
		if !strings.Contains(page, `data-chart="`+id+`"`) {
			t.Errorf("no %s chart", id)
		}
	}
	if n := strings.Count(page, "<polyline "); n < 10 {
		t.Errorf("%d polylines, want one per series at least", n)
	}
	if !strings.Contains(page, `data-host="down.example"`) {
		t.Error("the failing server is not listed")
	}
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the failing server's error is not escaped")
	}
	if resp, page := servertest.Get(t, owner, in.HTTP.URL+"/settings"); resp.StatusCode != http.StatusOK || !strings.Contains(page, `href="/admin"`) {
		t.Error("the settings page does not link to the dashboard")
	}
}

// /metrics is closed (404) without a token in the config, refuses a
// missing or wrong bearer token (401), and serves Prometheus's text format
// to the right one, with the counters, the latency histogram, the gauges
// and the process's metrics.
func TestMetricsEndpoint(t *testing.T) {
	closed := servertest.New(t, nil)
	if resp, _ := servertest.Get(t, http.DefaultClient, closed.HTTP.URL+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no token configured: status %d, want 404", resp.StatusCode)
	}
	// A token added to the config opens it on reload (SIGHUP).
	cfg := closed.Srv.Config()
	cfg.Metrics.Token = metricsToken
	if err := closed.Srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", closed.HTTP.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if servertest.ReadBody(t, resp); resp.StatusCode != http.StatusOK {
		t.Errorf("token added by a reload: status %d, want 200", resp.StatusCode)
	}

	in := servertest.New(t, func(c *config.Config) { c.Metrics.Token = metricsToken })
	scrape := func(auth string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", in.HTTP.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, servertest.ReadBody(t, resp)
	}
	for _, auth := range []string{"", "Bearer wrong-token-of-some-length", metricsToken, "Basic " + metricsToken} {
		if resp, body := scrape(auth); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "kith_") {
			t.Errorf("Authorization %q: status %d, want 401 and no metrics", auth, resp.StatusCode)
		}
	}
	postInbox(t, in)
	postInbox(t, in)
	resp, body := scrape("Bearer " + metricsToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("right token: status %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not Prometheus text: %v\n%s", err, body)
	}
	value := func(name string) float64 {
		f := families[name]
		if f == nil || len(f.Metric) == 0 {
			t.Errorf("no %s", name)
			return -1
		}
		m := f.Metric[0]
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
		return -1
	}
	if got := value("kith_inbox_received_total"); got != 2 {
		t.Errorf("kith_inbox_received_total %v, want 2", got)
	}
	if got := value("kith_http_requests_total"); got < 2 {
		t.Errorf("kith_http_requests_total %v, want at least 2", got)
	}
	if got := value("kith_database_bytes"); got <= 0 {
		t.Errorf("kith_database_bytes %v", got)
	}
	if got := value("process_resident_memory_bytes"); got <= 0 {
		t.Errorf("process_resident_memory_bytes %v", got)
	}
	for _, name := range []string{"kith_queue_due_jobs", "kith_queue_oldest_due_seconds", "kith_database_wal_bytes", "kith_media_bytes", "kith_inbox_processed_total", "process_cpu_seconds_total"} {
		value(name)
	}
	hist := families["kith_http_request_duration_seconds"]
	if hist == nil || hist.GetType().String() != "HISTOGRAM" || len(hist.Metric) == 0 {
		t.Errorf("no request duration histogram: %v", hist)
	} else if n := hist.Metric[0].GetHistogram().GetSampleCount(); n < 2 {
		t.Errorf("request duration histogram counted %d requests, want at least the 2 inbox posts", n)
	}
	if d := families["kith_deliveries_total"]; d == nil || len(d.Metric) != 2 {
		t.Errorf("kith_deliveries_total: %v, want ok and failed", d)
	}
}
