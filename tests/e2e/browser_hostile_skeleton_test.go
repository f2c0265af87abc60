package e2e

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The skeleton comparison of TestBrowserHostile: a page of the hostile
// instance against the same page of its clean twin (steps.mjs's
// pageSkeleton reads both).

// compareWithTwin compares each page of got with the same page of the
// clean twin, want: the page line by line, its posts, accounts and
// notifications by what they show, over all the pages of a list (each
// inbox stores in the order its workers get to the deliveries, so a post
// may be on page 2 here and on page 3 there). What differs is saved to
// dir.
func compareWithTwin(t *testing.T, got, want map[string]hostilePage, labels, twinLabels hostileLabels, dir string) {
	t.Helper()
	gotCards, wantCards := map[string][]skeletonCard{}, map[string][]skeletonCard{}
	for _, key := range slices.Sorted(maps.Keys(got)) {
		p := got[key]
		w, ok := want[key]
		if !ok {
			t.Errorf("%s: the clean twin has no such page", key)
			continue
		}
		if p.Error != "" || w.Error != "" {
			continue
		}
		list, _, _ := strings.Cut(key, " page ")
		gotCards[list] = append(gotCards[list], p.Skeleton.Cards...)
		wantCards[list] = append(wantCards[list], w.Skeleton.Cards...)
		if d := skeletonDiff(p.Skeleton.Lines, w.Skeleton.Lines); d != nil {
			t.Errorf("%s (%s): outside its posts the page differs from the clean twin's: %s", key, p.Path, d[0])
			saveSkeleton(t, dir, key, p.Skeleton.Lines, nil, w.Skeleton.Lines, nil, labels, twinLabels)
		}
	}
	for _, list := range slices.Sorted(maps.Keys(gotCards)) {
		diffs := cardDiffs(gotCards[list], wantCards[list], labels, twinLabels)
		for _, d := range diffs {
			t.Errorf("%s: outside the remote HTML a post, account or notification differs from the clean twin's: %s", list, d)
		}
		if diffs != nil {
			saveSkeleton(t, dir, list+" cards", nil, gotCards[list], nil, wantCards[list], labels, twinLabels)
		}
	}
	for key := range want {
		if _, ok := got[key]; !ok {
			t.Errorf("%s: shown by the clean twin, missing from the hostile instance", key)
		}
	}
}

// skeletonDiff describes where got's page skeleton differs from want's:
// the first differing line, the number of lines between the common start
// and end, and the lines around it.
func skeletonDiff(got, want []string) []string {
	pre := 0
	for pre < len(got) && pre < len(want) && got[pre] == want[pre] {
		pre++
	}
	if pre == len(got) && pre == len(want) {
		return nil
	}
	suf := 0
	for suf < len(got)-pre && suf < len(want)-pre && got[len(got)-1-suf] == want[len(want)-1-suf] {
		suf++
	}
	line := func(lines []string, i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return "(end of page)"
	}
	var around []string
	for i := max(0, pre-3); i < min(len(got), pre+4); i++ {
		around = append(around, got[i])
	}
	return []string{fmt.Sprintf("%d of %d lines differ from line %d: got %q, the clean twin has %q; around it:\n\t\t%s",
		len(got)-pre-suf, len(got), pre+1, line(got, pre), line(want, pre), strings.Join(around, "\n\t\t"))}
}

// skeletonCard is a post, account or notification of a page skeleton.
type skeletonCard struct {
	ID, Classes      string
	Article, Account string // of a notification: the post in it, the account it links to
	Lines            []string
}

// hostileLabels names the posts and accounts of a run the same way on
// both instances, whose ids differ.
type hostileLabels struct{ statuses, accounts map[string]string }

func (run *hostileRun) labels(x hostileExtras) hostileLabels {
	l := hostileLabels{statuses: map[string]string{}, accounts: map[string]string{}}
	for name, id := range run.Statuses {
		l.statuses[id] = "post " + name
	}
	for name, id := range run.Boosts {
		l.statuses[id] = "alice's boost of " + name
	}
	if x.Descendant != "" {
		l.statuses[x.Descendant] = "answer to alice (" + x.DescendantCase + ")"
	}
	l.statuses[run.Reply] = "alice's reply"
	for name, id := range run.Accounts {
		l.accounts[id] = "@" + run.Actors[name].username
	}
	return l
}

// status names the post of a DOM id (status-ID, status-ID-again).
func (l hostileLabels) status(domID string) string {
	id, ok := strings.CutPrefix(domID, "status-")
	if !ok {
		return domID
	}
	id, again, _ := strings.Cut(id, "-")
	name := l.statuses[id]
	if name == "" {
		name = "status ?"
	}
	if again != "" {
		name += " (" + again + ")"
	}
	return name
}

// card names what a card shows.
func (l hostileLabels) card(c skeletonCard) string {
	kind, id, _ := strings.Cut(c.ID, "-")
	switch kind {
	case "status":
		return l.status(c.ID)
	case "account", "blocked", "muted":
		return kind + " " + l.accounts[id]
	case "notification":
		// The post in a notification is named without the "-nID" that a
		// repeat of it gets: which notification shows it first depends on
		// the order each inbox got to them.
		article := c.Article
		if i := strings.LastIndex(article, "-n"); i > len("status-") {
			article = article[:i]
		}
		return c.Classes + " by " + l.accounts[strings.TrimPrefix(c.Account, "/accounts/")] + " on " + l.status(article)
	}
	return c.ID
}

// cardDiffs compares the cards of two skeletons by what they show, not
// by their place: each instance stores posts and notifications in the
// order its inbox got to them.
func cardDiffs(got, want []skeletonCard, gotLabels, wantLabels hostileLabels) []string {
	group := func(cards []skeletonCard, l hostileLabels) map[string][][]string {
		m := map[string][][]string{}
		for _, c := range cards {
			m[l.card(c)] = append(m[l.card(c)], c.Lines)
		}
		return m
	}
	g, w := group(got, gotLabels), group(want, wantLabels)
	var out []string
	for _, key := range slices.Sorted(maps.Keys(g)) {
		if len(g[key]) != len(w[key]) {
			out = append(out, fmt.Sprintf("%d of %s, the clean twin shows %d", len(g[key]), key, len(w[key])))
			continue
		}
		for i := range g[key] {
			if d := skeletonDiff(g[key][i], w[key][i]); d != nil {
				out = append(out, key+": "+d[0])
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(w)) {
		if _, ok := g[key]; !ok {
			out = append(out, fmt.Sprintf("no %s, the clean twin shows %d", key, len(w[key])))
		}
	}
	return out
}

// saveSkeleton writes the two versions of page lines or cards that
// differ to dir, cards sorted by what they show, for diff(1).
func saveSkeleton(t *testing.T, dir, key string, gotLines []string, gotCards []skeletonCard, wantLines []string, wantCards []skeletonCard, gotLabels, wantLabels hostileLabels) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(suffix string, lines []string, cards []skeletonCard, l hostileLabels) {
		var b strings.Builder
		for _, line := range lines {
			fmt.Fprintln(&b, line)
		}
		cards = slices.Clone(cards)
		slices.SortStableFunc(cards, func(x, y skeletonCard) int { return strings.Compare(l.card(x), l.card(y)) })
		for _, c := range cards {
			fmt.Fprintf(&b, "== %s\n%s\n", l.card(c), strings.Join(c.Lines, "\n"))
		}
		if err := os.WriteFile(filepath.Join(dir, screenshotName(key)+suffix), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".hostile.txt", gotLines, gotCards, gotLabels)
	write(".twin.txt", wantLines, wantCards, wantLabels)
}
