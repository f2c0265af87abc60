"""Drives two federating kith instances with Mastodon.py (Debian python3-mastodon 1.8).

Run with /usr/bin/python3 (the python3 that has Debian's packages):

    /usr/bin/python3 mastodonpy_fed.py ALICE_BASE USERNAME PASSWORD BOB_HANDLE BOB_BASE BOB_TOKEN

It logs in to alice's instance with the password grant, finds bob by his
handle (search v2 with resolve), follows him and waits until the follow is
accepted, then posts as bob on bob's instance (BOB_TOKEN is a token from
`kith token create`), waits until the post reaches alice's home timeline and
favourites and reblogs it there. Whether bob was notified is checked by the
Go test (clients_fed_test.go) on bob's instance.

Each step is recorded in one JSON object printed on stdout, as in
mastodonpy.py: a failed step holds "error" with the request and kith's
answer. Federation is asynchronous, so the waits poll with a bounded
deadline; a wait that runs out is a failed step that says what it saw last.
"""

import json
import sys
import time
import traceback

from mastodon import Mastodon, MastodonError

alice_base, username, password, bob_handle, bob_base, bob_token = sys.argv[1:7]
out = {}

# Each wait polls for at most this long, every 50 ms.
DEADLINE = 20.0
INTERVAL = 0.05


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
    print(json.dumps(out), flush=True)
    sys.exit(0)


def poll(what, fn):
    """Calls fn until it returns something true, for at most DEADLINE seconds."""
    end = time.time() + DEADLINE
    last = None
    while True:
        got, last = fn()
        if got:
            return got
        if time.time() > end:
            raise TimeoutError("%s: not within %.0fs; last seen: %s" % (what, DEADLINE, json.dumps(last, default=str)[:2000]))
        time.sleep(INTERVAL)


def app():
    client_id, client_secret = Mastodon.create_app(
        "kith federation test (Mastodon.py)", scopes=["read", "write", "follow"], api_base_url=alice_base)
    return {"client_id": client_id, "client_secret": client_secret}


creds = step("create_app", app)
if not ok(creds):
    finish()
m = Mastodon(client_id=creds["client_id"], client_secret=creds["client_secret"], api_base_url=alice_base)


def log_in():
    token = m.log_in(username, password, scopes=["read", "write", "follow"])
    return {"token_length": len(token)}


if not ok(step("log_in", log_in)):
    finish()

# The acct alice's instance gives bob: his handle without the leading @.
bob_acct = bob_handle.lstrip("@")
bob = {}


def search():
    found = m.search_v2(bob_handle, resolve=True)
    accounts = [{"id": str(a["id"]), "acct": a["acct"], "username": a["username"], "url": a["url"]}
                for a in found["accounts"]]
    for a in found["accounts"]:
        if a["acct"].lower() == bob_acct.lower():
            bob.update(a)
    return {"accounts": accounts}


if not ok(step("search_v2", search)) or not bob:
    finish()


def follow():
    rel = m.account_follow(bob["id"])
    return {"id": str(rel["id"]), "following": rel["following"], "requested": rel["requested"]}


if not ok(step("account_follow", follow)):
    finish()


def followed():
    def check():
        rels = m.account_relationships(bob["id"])
        rel = rels[0] if rels else None
        return (rel if rel is not None and rel["following"] else None), rel
    rel = poll("account_relationships following", check)
    return {"id": str(rel["id"]), "following": rel["following"], "requested": rel["requested"]}


if not ok(step("relationship_following", followed)):
    finish()

# bob posts on his own instance, with his own token.
as_bob = Mastodon(access_token=bob_token, api_base_url=bob_base)


def bob_post():
    s = as_bob.status_post("hello alice, from bob's instance", visibility="public")
    return {"id": str(s["id"]), "uri": s["uri"], "url": s["url"], "content": s["content"]}


bob_status = step("bob_status_post", bob_post)
if not ok(bob_status):
    finish()


def delivered():
    def check():
        home = m.timeline_home()
        for s in home:
            if s["uri"] == bob_status["uri"]:
                return s, None
        return None, [{"id": str(s["id"]), "uri": s["uri"], "acct": s["account"]["acct"]} for s in home]
    s = poll("bob's status in alice's timeline_home", check)
    return {"id": str(s["id"]), "uri": s["uri"], "acct": s["account"]["acct"], "content": s["content"]}


seen = step("timeline_home", delivered)
if not ok(seen):
    finish()


def favourite():
    s = m.status_favourite(seen["id"])
    return {"id": str(s["id"]), "favourited": s["favourited"], "favourites_count": s["favourites_count"]}


def reblog():
    s = m.status_reblog(seen["id"])
    inner = s.get("reblog") or {}
    return {"id": str(s["id"]), "reblog_id": str(inner.get("id")), "reblogged": inner.get("reblogged"),
            "acct": s["account"]["acct"]}


step("status_favourite", favourite)
step("status_reblog", reblog)
finish()
