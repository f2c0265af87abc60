package core

import (
	"time"

	"kith/events"
	"kith/store"
)

// Revoking a credential ends what it holds open. A stream (the API's SSE
// and WebSocket streams, opened with a token; the web pages' live updates,
// opened with a session) subscribes to the hub with its credential, and:
//
//   - a revocation this server makes (POST /oauth/revoke, Settings →
//     Applications, Settings → Sessions, signing out, a new password)
//     publishes a Revoked event once committed, and the streams of that
//     token or session close at once;
//   - a revocation another process makes (kith token revoke, kith account
//     password, run beside kith serve) cannot reach the hub, so every
//     stream also re-checks its credential in the database each
//     credentialRecheck.
//
// The re-check, rather than a revocation counter in the settings table
// that the server would poll and fan out: it needs no schema, no trigger
// and no writer to remember a counter, it catches every way a credential
// ends (expiry, a restore, a future command, sqlite3 by hand), and the
// counter would not save the reads anyway, since it cannot say whose
// credential went and every stream would have to look. The cost is one
// primary-key read per open stream per second, and a single owner keeps a
// handful of streams open.
const CredentialRecheck = time.Second

// CloseStreamsOf ends at once the open streams of credentials just
// revoked. Call it after the revoking transaction commits.
func (s *Env) CloseStreamsOf(r store.Revoked) {
	for _, h := range r.Tokens {
		s.Opts.Events.Publish(events.Event{Kind: events.Revoked, Credential: events.TokenCredential(h)})
	}
	for _, h := range r.Sessions {
		s.Opts.Events.Publish(events.Event{Kind: events.Revoked, Credential: events.SessionCredential(h)})
	}
}
