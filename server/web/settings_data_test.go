package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"kith/server/servertest"
)

func TestDataPage(t *testing.T) {
	in, runner := servertest.DataInstance(t)
	ctx := context.Background()
	anon := in.Browser(t)
	if resp, _ := servertest.Get(t, anon, in.HTTP.URL+"/settings/data"); resp.StatusCode == http.StatusOK {
		t.Fatalf("anonymous visitor got the data page")
	}
	c := in.Browser(t)
	csrf := in.SignIn(t, c)
	resp, page := servertest.Get(t, c, in.HTTP.URL+"/settings/data")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "following_accounts.csv") || !strings.Contains(page, `action="/settings/data/import"`) {
		t.Fatalf("data page: status %d\n%s", resp.StatusCode, page)
	}

	if resp, _ := servertest.Upload(t, c, in.HTTP.URL+"/settings/data/import", "", "blocked_domains.csv", []byte("spam.example\n")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: status %d, want 403", resp.StatusCode)
	}
	resp, body := servertest.Upload(t, c, in.HTTP.URL+"/settings/data/import", csrf, "blocked_domains.csv", []byte("\ufeffSpam.example\r\nbad/domain\r\n"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("CSV upload: status %d\n%s", resp.StatusCode, body)
	}
	if _, err := runner.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := in.DB.DomainBlocks(ctx); len(got) != 1 || got[0] != "spam.example" {
		t.Errorf("domain blocks = %q, want spam.example", got)
	}
	_, page = servertest.Get(t, c, in.HTTP.URL+"/settings/data")
	for _, want := range []string{"blocked_domains.csv", "2/2 done", `line 2: &#34;bad/domain&#34; is not a domain name`} {
		if !strings.Contains(page, want) {
			t.Errorf("data page after the import lacks %q:\n%s", want, page)
		}
	}

	resp, body = servertest.Get(t, c, in.HTTP.URL+"/settings/data/csv/domain_blocks")
	if resp.StatusCode != http.StatusOK || body != "spam.example\n" || !strings.Contains(resp.Header.Get("Content-Disposition"), "blocked_domains.csv") {
		t.Errorf("CSV download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	resp, body = servertest.Get(t, c, in.HTTP.URL+"/settings/data/archive.zip")
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || err != nil {
		t.Fatalf("archive download: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if len(zr.File) < 4 || zr.File[1].Name != "outbox.json" {
		t.Errorf("archive entries start %v, want actor.json, outbox.json, …", zr.File)
	}

	var bad bytes.Buffer
	zw := zip.NewWriter(&bad)
	w, _ := zw.Create("../../evil.json")
	w.Write([]byte("{}"))
	zw.Close()
	resp, body = servertest.Upload(t, c, in.HTTP.URL+"/settings/data/import", csrf, "archive.zip", bad.Bytes())
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "nothing was changed") || !strings.Contains(body, "unsafe path") {
		t.Errorf("bad archive: status %d\n%s", resp.StatusCode, body)
	}
}
