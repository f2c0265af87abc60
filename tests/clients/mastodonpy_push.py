"""Drives kith's Web Push subscription API with Mastodon.py (Debian python3-mastodon 1.8).

Run with /usr/bin/python3 (the python3 that has Debian's packages):

    /usr/bin/python3 mastodonpy_push.py BASE USERNAME PASSWORD ENDPOINT P256DH AUTH

It registers an app with the push scope, logs in with the password grant,
and subscribes with push_subscription_set (ENDPOINT, and the receiver's
P256DH and AUTH in base64url, which Mastodon.py sends in standard base64;
Mastodon.py 1.8 knows no "standard" flag, so kith pushes to it in the
legacy aesgcm coding), reads the subscription back, updates its alerts,
deletes it, and subscribes again, so that the subscription is left in place
for the Go test (clients_push_test.go) to watch the pushes arrive.

Each step is recorded in one JSON object printed on stdout, as in
mastodonpy.py: a failed step holds "error" with the request and kith's
answer.
"""

import base64
import json
import sys
import traceback

from mastodon import Mastodon, MastodonError

base, username, password, endpoint, p256dh, auth = sys.argv[1:7]
out = {}
SCOPES = ["read", "write", "follow", "push"]


def step(name, fn):
    """Runs fn, recording its result or the error under name."""
    try:
        out[name] = fn()
    except MastodonError as e:
        out[name] = {"error": " ".join(str(a) for a in e.args)}
    except Exception:
        out[name] = {"error": traceback.format_exc(limit=3)}
    return out[name]


def ok(result):
    return isinstance(result, dict) and "error" not in result


def finish():
    print(json.dumps(out, default=str), flush=True)
    sys.exit(0)


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def app():
    client_id, client_secret = Mastodon.create_app("kith push test (Mastodon.py)", scopes=SCOPES, api_base_url=base)
    return {"client_id": client_id, "client_secret": client_secret}


creds = step("create_app", app)
if not ok(creds):
    finish()
m = Mastodon(client_id=creds["client_id"], client_secret=creds["client_secret"], api_base_url=base)
if not ok(step("log_in", lambda: {"token_length": len(m.log_in(username, password, scopes=SCOPES))})):
    finish()

keys = {"pubkey": unb64url(p256dh), "auth": unb64url(auth)}


def subscribe():
    return m.push_subscription_set(endpoint, keys, follow_events=True, favourite_events=True, reblog_events=True,
                                   mention_events=True, poll_events=False, policy="all")


step("push_subscription_set", subscribe)
step("push_subscription", m.push_subscription)
step("push_subscription_update", lambda: m.push_subscription_update(poll_events=True, follow_request_events=True))


def delete():
    m.push_subscription_delete()
    try:
        m.push_subscription()
    except MastodonError as e:
        return {"after_delete": " ".join(str(a) for a in e.args)}
    return {"error": "the subscription is still there after push_subscription_delete"}


step("push_subscription_delete", delete)
step("push_subscription_set_again", subscribe)
finish()
