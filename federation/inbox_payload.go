package federation

import (
	"bytes"
	"encoding/json"
)

// The payload of an inbox job is the JSON of inboxJob, fields in that
// order, as json.Marshal writes it: {"actor":…,"signer":…,"body":…}. A
// burst of Creates spends a good part of its time in JSON, so both ends
// take a shortcut around a second pass over the body, which is most of
// the payload and which ParseActivity checks anyway.

// encodeInboxJob is the payload of a received activity whose body
// ParseActivity accepted (so it is one JSON value).
func encodeInboxJob(actor, signer string, body []byte) ([]byte, error) {
	a, err := json.Marshal(actor)
	if err != nil {
		return nil, err
	}
	s, err := json.Marshal(signer)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(`{"actor":,"signer":,"body":}`)+len(a)+len(s)+len(body))
	b = append(append(b, `{"actor":`...), a...)
	b = append(append(b, `,"signer":`...), s...)
	b = append(append(b, `,"body":`...), body...)
	return append(b, '}'), nil
}

// decodeInboxJob reads a payload. Payloads of that exact layout are cut
// apart without decoding the body (the caller parses it next); anything
// else is decoded in full.
func decodeInboxJob(payload []byte) (inboxJob, error) {
	var in inboxJob
	rest, ok := bytes.CutPrefix(payload, []byte(`{"actor":`))
	if ok {
		in.Actor, rest, ok = cutJSONString(rest)
	}
	if ok {
		rest, ok = bytes.CutPrefix(rest, []byte(`,"signer":`))
	}
	if ok {
		in.Signer, rest, ok = cutJSONString(rest)
	}
	if ok {
		rest, ok = bytes.CutPrefix(rest, []byte(`,"body":`))
	}
	if ok {
		rest = bytes.TrimRight(rest, " \t\r\n")
		in.Body, ok = bytes.CutSuffix(rest, []byte("}"))
	}
	if ok && len(in.Body) > 0 && (in.Body[0] == '{' || in.Body[0] == '[') {
		return in, nil
	}
	in = inboxJob{}
	err := json.Unmarshal(payload, &in)
	return in, err
}

// cutJSONString decodes the JSON string at the start of b and returns
// what follows it.
func cutJSONString(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte cannot end the string
		case '"':
			var s string
			if json.Unmarshal(b[:i+1], &s) != nil {
				return "", b, false
			}
			return s, b[i+1:], true
		}
	}
	return "", b, false
}
