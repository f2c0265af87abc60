package federation

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"kith/federation/httpsig"
	"kith/federation/transport"
)

// sigSchemes remembers, for each host kith sends signed requests to, the
// signature scheme the host accepted, so that only the first contact may
// cost a second request.
//
// Note: kith signs draft-cavage first because every server in the
// fediverse accepts it (Mastodon, GoToSocial, Akkoma, Misskey, Fedify);
// a server that answers 401 to it gets the same request signed with RFC
// 9421, and is sent RFC 9421 from then on. This is Fedify's "double
// knock" from the other side. The memory lives in the process: after a
// restart a host that wants RFC 9421 costs one more 401.
type sigSchemes struct {
	mu sync.Mutex
	m  map[string]httpsig.Scheme
}

// maxSigSchemes bounds the memory; past it, it starts again empty, which
// costs at most one extra request per host.
const maxSigSchemes = 10_000

func (s *sigSchemes) get(host string) (httpsig.Scheme, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[host]
	if !ok {
		return httpsig.Cavage, false
	}
	return v, true
}

func (s *sigSchemes) set(host string, v httpsig.Scheme) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxSigSchemes {
		s.m = make(map[string]httpsig.Scheme)
	}
	s.m[host] = v
}

func (s *sigSchemes) forget(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, host)
}

// knock sends a signed request to host with send, in the scheme the host
// is known to accept or draft-cavage for a host not heard from. A 401 to a
// first contact is answered by signing again with the other scheme. A
// scheme that gets any answer but 401 is remembered; a remembered scheme
// that gets a 401 is forgotten, so the next request knocks twice again (the
// host may have changed software or keys).
func (f *Federation) knock(rawURL string, send func(httpsig.Scheme) error) error {
	host := strings.ToLower(hostOf(rawURL))
	scheme, known := f.schemes.get(host)
	err := send(scheme)
	if unauthorized(err) && !known {
		if err2 := send(scheme.Other()); !unauthorized(err2) {
			scheme, err = scheme.Other(), err2
		}
	}
	var se *transport.StatusError
	switch {
	case unauthorized(err):
		f.schemes.forget(host)
	case err == nil || errors.As(err, &se):
		f.schemes.set(host, scheme)
	}
	return err
}

func unauthorized(err error) bool {
	var se *transport.StatusError
	return errors.As(err, &se) && se.Code == http.StatusUnauthorized
}

// signAsOwner returns a hook that signs a request with the owner's key.
func (f *Federation) signAsOwner(body []byte, scheme httpsig.Scheme) func(*http.Request) error {
	return func(r *http.Request) error {
		if scheme == httpsig.RFC9421 {
			return httpsig.SignRequest9421(r, body, f.urls.Key(), f.ownerKeyNow(r.Context()), f.now())
		}
		return httpsig.SignRequest(r, body, f.urls.Key(), f.ownerKeyNow(r.Context()), f.now())
	}
}

// signAsInstance returns a hook that signs fetches made on the instance's
// own behalf.
func (f *Federation) signAsInstance(scheme httpsig.Scheme) func(*http.Request) error {
	return func(r *http.Request) error {
		if scheme == httpsig.RFC9421 {
			return httpsig.SignRequest9421(r, nil, f.urls.InstanceKey(), f.instanceKey, f.now())
		}
		return httpsig.SignRequest(r, nil, f.urls.InstanceKey(), f.instanceKey, f.now())
	}
}
