package federation_test

import (
	"slices"
	"strings"
	"testing"
)

// TestInstanceActorCollections: every collection the instance actor names
// answers 200 with an empty collection, as peers fetch each one.
func TestInstanceActorCollections(t *testing.T) {
	n := newNetwork(t, "alice")
	u := n.nodes[0].fed.URLs()
	inst := n.getJSON(t, u.InstanceActor())
	var named []string
	for key, v := range inst {
		link, ok := v.(string)
		if !ok || !strings.HasPrefix(link, u.Base()+"/") || slices.Contains([]string{"id", "inbox", "url"}, key) {
			continue
		}
		named = append(named, key)
		doc := n.getJSON(t, link) // fails the test unless 200 with JSON
		if doc["id"] != link || doc["type"] != "OrderedCollection" || doc["totalItems"] != float64(0) {
			t.Errorf("%s (%s): id %v type %v totalItems %v, want an empty OrderedCollection", key, link, doc["id"], doc["type"], doc["totalItems"])
		}
	}
	slices.Sort(named)
	if want := []string{"featured", "followers", "following", "outbox"}; !slices.Equal(named, want) {
		t.Errorf("the instance actor names collections %v, want %v", named, want)
	}
}
