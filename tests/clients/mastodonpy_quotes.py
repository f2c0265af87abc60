"""Drives kith's quote posts with Mastodon.py (Debian python3-mastodon 1.8).

    /usr/bin/python3 mastodonpy_quotes.py http://127.0.0.1:PORT TOKEN

Mastodon.py 1.8 predates Mastodon 4.5's quoted_status_id: it sends
quote_id (its "fedibird" feature set), which kith takes too, and any
parameter through its own request method. It reads status.quote and
quotes_count as Mastodon returns them. Each step is recorded in one JSON
object printed on stdout; the Go test (clients_quotes_test.go) decides
what passed.
"""

import json
import sys
import traceback

from mastodon import Mastodon, MastodonError

base, token = sys.argv[1:3]
out = {}


def step(name, fn):
    """Runs fn, recording its result or the error under name."""
    try:
        out[name] = fn()
        return out[name]
    except MastodonError as e:
        out[name] = {"error": " ".join(str(a) for a in e.args)}
    except Exception:
        out[name] = {"error": traceback.format_exc(limit=3)}
    return None


def quote_of(status):
    """The parts of a status the test checks."""
    q = status.get("quote")
    return {
        "id": str(status["id"]),
        "content": status["content"],
        "quotes_count": status.get("quotes_count"),
        "quote_approval": status.get("quote_approval"),
        "quote_state": q["state"] if q else None,
        "quoted_id": str(q["quoted_status"]["id"]) if q and q.get("quoted_status") else None,
    }


m = Mastodon(access_token=token, api_base_url=base)
fedibird = Mastodon(access_token=token, api_base_url=base, feature_set="fedibird")

orig = step("original", lambda: quote_of(m.status_post("a post worth quoting")))
if orig and "error" not in orig:
    step("quote_id", lambda: quote_of(fedibird.status_post("quoted the fedibird way", quote_id=orig["id"])))
    step("quoted_status_id", lambda: quote_of(m._Mastodon__api_request(
        "POST", "/api/v1/statuses",
        {"status": "quoted the Mastodon 4.5 way", "quoted_status_id": orig["id"], "quote_approval_policy": "nobody"})))
    step("read", lambda: quote_of(m.status(orig["id"])))
    step("quotes", lambda: [str(s["id"]) for s in m._Mastodon__api_request("GET", "/api/v1/statuses/%s/quotes" % orig["id"])])

print(json.dumps(out))
