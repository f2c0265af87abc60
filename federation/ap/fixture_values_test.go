package ap

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func mustActor(t *testing.T, data []byte) *Actor {
	t.Helper()
	a, err := ParseActor(data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustActivity(t *testing.T, data []byte) *Activity {
	t.Helper()
	a, err := ParseActivity(data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustObject(t *testing.T, data []byte) *Object {
	t.Helper()
	o, err := ParseObject(data)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// innerObject parses the object embedded in an activity fixture.
func innerObject(t *testing.T, data []byte) *Object {
	t.Helper()
	o, err := mustActivity(t, data).Object.Object()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustCollection(t *testing.T, data []byte) *Collection {
	t.Helper()
	c, err := ParseCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// TestFixtureValues checks concrete values pulled out of representative
// fixtures, one irregularity each.
func TestFixtureValues(t *testing.T) {
	root := fixturesDir(t)
	tests := []struct {
		name string
		file string
		got  func(t *testing.T, data []byte) any
		want any
	}{
		{"kroeg typed-literal boolean", "pleroma/kroeg-announce-with-inline-actor.json",
			func(t *testing.T, data []byte) any {
				author, err := innerObject(t, data).AttributedTo[0].Actor()
				if err != nil {
					t.Fatal(err)
				}
				return []any{author.ID, bool(author.ManuallyApprovesFollowers), author.SharedInboxURL()}
			},
			[]any{"http://mastodon.example.org/users/admin", false, "https://mastodon.social/inbox"}},
		{"kroeg inline actor and string cc", "pleroma/kroeg-announce-with-inline-actor.json",
			func(t *testing.T, data []byte) any {
				a := mustActivity(t, data)
				return []any{a.Actor.ID, a.Actor.Type, a.Actor.IsEmbedded(), a.CC}
			},
			[]any{"https://puckipedia.com/", Type("Person"), true, IRIs{"http://mastodon.example.org/users/admin"}}},
		{"kroeg object to as string, as:sensitive", "pleroma/kroeg-announce-with-inline-actor.json",
			func(t *testing.T, data []byte) any {
				o := innerObject(t, data)
				return []any{o.To, o.IsSensitive(), o.URL.HTML()}
			},
			[]any{IRIs{Public}, false, "https://mastodon.social/@revenant/100787282858396771"}},
		{"type array gives Person", "mastodon/activitypub-actor-individual.txt",
			func(t *testing.T, data []byte) any { return mustActor(t, data).Type },
			Type("Person")},
		{"icon as bare URL, inbox null", "mastodon/activitypub-actor-noinbox.txt",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{a.Icon.URL, a.Image.URL, a.Inbox}
			},
			[]any{"https://quitter.no/avatar/7477-300-20160211190340.png", "/headers/original/missing.png", IRI("")}},
		{"poll vote: to as string, name", "pleroma/mastodon-vote.json",
			func(t *testing.T, data []byte) any {
				a := mustActivity(t, data)
				o, _ := a.Object.Object()
				return []any{a.To, o.Name, o.InReplyTo}
			},
			[]any{IRIs{"https://testing.uguu.ltd/users/rin"}, Str("suya.."), IRI("https://testing.uguu.ltd/objects/9d300947-2dcb-445d-8978-9a3b4b84fa14")}},
		{"Misskey shared inbox", "pleroma/birthdays/misskey-user.json",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{a.SharedInboxURL(), string(a.SharedInbox), a.Name, a.Icon}
			},
			[]any{"https://misskey.io/inbox", "https://misskey.io/inbox", Str(""), Image{}}},
		{"Hubzilla key id is the actor id", "pleroma/hubzilla-actor.json",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{string(a.Key().ID) == a.ID, KeyOwnedByActor(a)}
			},
			[]any{true, true}},
		{"Mastodon poll options", "pleroma/mastodon-question-activity.json",
			func(t *testing.T, data []byte) any {
				o := innerObject(t, data)
				opts, multiple := o.PollOptions()
				var got []any
				for _, opt := range opts {
					got = append(got, string(opt.Name), int64(opt.Replies))
				}
				return append(got, multiple, o.EndTime.Time)
			},
			[]any{"Dunno", int64(0), "Everyone knows that!", int64(1), "25 char limit is dumb", int64(0),
				"I can't even fit a funny", int64(1), false, utc("2019-05-11T09:03:36Z")}},
		{"Mastodon video attachment", "pleroma/tesla_mock/status.emelie.json",
			func(t *testing.T, data []byte) any {
				att := mustObject(t, data).Attachment[0]
				return []any{att.Type, att.ContentType(), att.Href(), att.Name}
			},
			[]any{Type("Document"), "video/mp4", "https://files.mastodon.social/media_attachments/files/013/049/816/original/e7831178a5e0d6d4.mp4", Str("")}},
		{"tag as a single Hashtag", "pleroma/kroeg-array-less-hashtag.json",
			func(t *testing.T, data []byte) any {
				tags := innerObject(t, data).Tag
				return []any{len(tags), tags[0].Type, tags[0].Name, tags[0].Href}
			},
			[]any{1, Type("Hashtag"), Str("#test"), IRI("https://puckipedia.com/ur33-818k/note/hashtag")}},
		{"tag as a single Emoji", "pleroma/kroeg-array-less-emoji.json",
			func(t *testing.T, data []byte) any {
				tag := innerObject(t, data).Tag[0]
				return []any{tag.Type, tag.Name, tag.Icon.URL, tag.Updated.Time}
			},
			[]any{Type("Emoji"), Str(":icon_e_smile:"), "https://puckipedia.com/forum/images/smilies/icon_e_smile.png", utc("2018-09-16T11:11:11.111Z")}},
		{"duplicate keys: the last wins", "pleroma/tesla_mock/poll_attachment.json",
			func(t *testing.T, data []byte) any {
				o := mustObject(t, data)
				return []any{o.Closed.Closed, o.Closed.At.Time, o.ContentHTML(), len(o.OneOf), len(o.AnyOf)}
			},
			[]any{true, utc("2019-09-19T00:32:36.785333Z"), "can you vote on this poll?", 6, 0}},
		{"Kroeg endpoints as IRI, 7-digit fraction", "pleroma/tesla_mock/puckipedia.com.json",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{a.SharedInboxURL(), a.Key().ID}
			},
			[]any{"", IRI("https://puckipedia.com/#key")}},
		{"discoverable as string, name null", "pleroma/tesla_mock/admin@mastdon.example.org.json",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{a.IsDiscoverable(), a.Name, a.AlsoKnownAs}
			},
			[]any{true, Str(""), IRIs{"http://example.org/users/foo"}}},
		{"Takahē single PropertyValue, toot:discoverable", "pleroma/users_mock/takahe_user.json",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{len(a.Fields()), a.Fields()[0].Name, a.IsDiscoverable()}
			},
			[]any{1, "More details", true}},
		{"nonsense attachment gives no fields", "pleroma/users_mock/nonsense_attachment_user.json",
			func(t *testing.T, data []byte) any { return len(mustActor(t, data).Fields()) },
			0},
		{"PeerTube icon array: the widest", "pleroma/peertube/actor-videochannel.json",
			func(t *testing.T, data []byte) any {
				a := mustActor(t, data)
				return []any{a.Icon.Width, a.IsGroup()}
			},
			[]any{int64(120), true}},
		{"Funkwhale url array: the HTML one", "pleroma/tesla_mock/funkwhale_channel.json",
			func(t *testing.T, data []byte) any { return mustActor(t, data).ProfileURL() },
			"https://channels.tests.funkwhale.audio/channels/compositions"},
		{"contentMap only", "pleroma/mastodon-post-activity-contentmap.json",
			func(t *testing.T, data []byte) any { return innerObject(t, data).ContentHTML() },
			`<p><span class="h-card"><a href="http://localtesting.pleroma.lol/users/lain" class="u-url mention">@<span>lain</span></a></span></p>`},
		{"Misskey custom emoji reaction", "pleroma/custom-emoji-reaction.json",
			func(t *testing.T, data []byte) any {
				a := mustActivity(t, data)
				return []any{a.Reaction(), a.Tag[0].Name}
			},
			[]any{":hanapog:", Str(":hanapog:")}},
		{"EmojiReact content", "pleroma/emoji-reaction.json",
			func(t *testing.T, data []byte) any { return mustActivity(t, data).Reaction() },
			"👌"},
		{"PeerTube author is the Person", "pleroma/tesla_mock/peertube.moe-vid.json",
			func(t *testing.T, data []byte) any { return mustObject(t, data).Author() },
			"https://peertube.moe/accounts/7even"},
		{"Prismo actor array of objects", "pleroma/prismo-url-map.json",
			func(t *testing.T, data []byte) any {
				a := mustActivity(t, data)
				o, _ := a.Object.Object()
				return []any{a.Actor.ID, o.URL.HTML()}
			},
			[]any{"https://prismo.news/@mxb", "https://prismo.news/posts/83"}},
		{"Misskey quote", "pleroma/misskey/quote.json",
			func(t *testing.T, data []byte) any { return mustObject(t, data).Quote() },
			"https://example.com/objects/43479e20-c0f8-4f49-bf7f-13fab8234924"},
		{"Fedibird quoteURL", "pleroma/quote_post/fedibird_quote_post.json",
			func(t *testing.T, data []byte) any { return mustObject(t, data).Quote() },
			"https://misskey.io/notes/8vsn2izjwh"},
		{"empty-string inReplyTo, null tag", "pleroma/ccworld-ap-bridge_note.json",
			func(t *testing.T, data []byte) any {
				o := mustObject(t, data)
				return []any{o.InReplyTo, len(o.Tag), o.Quote()}
			},
			[]any{IRI(""), 0, ""}},
		{"Misskey millisecond timestamps", "pleroma/tesla_mock/mk.absturztau.be-93e7nm8wqg-activity.json",
			func(t *testing.T, data []byte) any { return mustActivity(t, data).Published.Time },
			utc("2022-08-01T11:06:49.568Z")},
		{"collection first as IRI", "pleroma/users_mock/masto_closed_followers.json",
			func(t *testing.T, data []byte) any {
				c := mustCollection(t, data)
				return []any{c.First.ID, c.First.IsEmbedded()}
			},
			[]any{"http://localhost:4001/users/masto_closed/followers?page=1", false}},
		{"hidden followers: embedded first page", "pleroma/users_mock/pleroma_followers.json",
			func(t *testing.T, data []byte) any {
				page, err := ParseCollectionPage(mustCollection(t, data).First.Raw)
				if err != nil {
					t.Fatal(err)
				}
				return []any{int64(page.TotalItems), len(page.Entries()), page.IsPage(), string(page.Next)}
			},
			[]any{int64(527), 0, true, "http://localhost:4001/users/fuser2/followers?page=2"}},
		{"boost of a bare IRI", "pleroma/mastodon-announce.json",
			func(t *testing.T, data []byte) any {
				a := mustActivity(t, data)
				return []any{a.Object.IsEmbedded(), a.InlineObjectTrusted()}
			},
			[]any{false, false}},
		{"relay Accept with template inner ids", "pleroma/relay/accept-follow.json",
			func(t *testing.T, data []byte) any {
				follow, err := mustActivity(t, data).Object.Activity()
				if err != nil {
					return err.Error()
				}
				return follow
			},
			"activity: ap: id is not an absolute http(s) URL: \"{{activity_id}}\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.got(t, readFixture(t, filepath.Join(root, tt.file)))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s:\n got %#v\nwant %#v", tt.file, got, tt.want)
			}
		})
	}
}
