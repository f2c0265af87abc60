package store

import (
	"testing"
)

// TestSeverDomainFollows: the follows between the owner and the actors of
// the given domains go, both ways and in any letter case; follows with
// other domains, and between remote actors, stay.
func TestSeverDomainFollows(t *testing.T) {
	f := newFixture(t)
	followed := map[string]int64{}
	following := map[string]int64{}
	for _, d := range []string{"blocked.example", "Shouting.Example", "kept.example"} {
		followed[d] = f.actor("a", d)
		f.follow(followed[d])
		following[d] = f.actor("b", d)
		f.followState(following[d], f.localID, FollowAccepted)
	}
	// A follow between two remote actors is none of the owner's.
	f.followState(following["blocked.example"], following["kept.example"], FollowAccepted)

	f.tx(func(tx *Tx) error { return tx.SeverDomainFollows(f.ctx, "blocked.example", "shouting.example") })
	f.tx(func(tx *Tx) error { return tx.SeverDomainFollows(f.ctx) }) // nothing to do

	exists := func(follower, followee int64) bool {
		_, err := f.db.FollowBetween(f.ctx, follower, followee)
		if err != nil && !isNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	for d, kept := range map[string]bool{"blocked.example": false, "Shouting.Example": false, "kept.example": true} {
		if got := exists(f.localID, followed[d]); got != kept {
			t.Errorf("the owner follows @a@%s: %v, want %v", d, got, kept)
		}
		if got := exists(following[d], f.localID); got != kept {
			t.Errorf("@b@%s follows the owner: %v, want %v", d, got, kept)
		}
	}
	if !exists(following["blocked.example"], following["kept.example"]) {
		t.Error("a follow between two remote actors went")
	}
}
