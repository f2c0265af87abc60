"""Drives kith with Mastodon.py (Debian python3-mastodon 1.8), as an app would.

Run with /usr/bin/python3 (the python3 that has Debian's packages):

    /usr/bin/python3 mastodonpy.py http://127.0.0.1:PORT USERNAME PASSWORD

Each step is recorded in one JSON object printed on stdout: a step that
worked holds what the test checks, a step that failed holds "error" with
the request Mastodon.py made and kith's answer. The script goes on after a
failed step where later steps do not need its result, so one run reports
every failure. The exit status is 0 when the run finished; the Go test
(clients_test.go) decides what passed.
"""

import json
import os
import queue
import time
import struct
import sys
import tempfile
import traceback
import zlib

import requests
from mastodon import Mastodon, MastodonError, MastodonNotFoundError, StreamListener

base, username, password = sys.argv[1:4]
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


def tiny_png():
    """A valid 2x2 RGB PNG, written without an image library."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


class Updates(StreamListener):
    """Puts every streamed status, and the error that ends a stream, on a queue."""

    def __init__(self):
        self.statuses = queue.Queue()

    def on_update(self, status):
        self.statuses.put(status)

    def on_abort(self, err):
        self.statuses.put(err)


def app():
    client_id, client_secret = Mastodon.create_app(
        "kith client test (Mastodon.py)", scopes=["read", "write", "follow"], api_base_url=base)
    return {"client_id": client_id, "client_secret": client_secret}


creds = step("create_app", app)
if not creds or "error" in creds:
    print(json.dumps(out))
    sys.exit(0)

# The default version_check_mode, "created", reads /api/v1/instance now.
m = Mastodon(client_id=creds["client_id"], client_secret=creds["client_secret"], api_base_url=base)
out["version"] = {
    "worked": m.version_check_worked,
    "major": m.mastodon_major, "minor": m.mastodon_minor, "patch": m.mastodon_patch,
    "at_least_4": m.verify_minimum_version("4.0.0", cached=True),
}

token = step("log_in", lambda: m.log_in(username, password, scopes=["read", "write", "follow"]))
if not token or isinstance(token, dict):
    print(json.dumps(out))
    sys.exit(0)
out["log_in"] = {"token_length": len(token)}

me = step("verify_credentials", lambda: m.account_verify_credentials())
if me and "id" in me:
    out["verify_credentials"] = {"id": str(me["id"]), "username": me["username"], "acct": me["acct"]}

post = step("status_post", lambda: m.status_post("hello from Mastodon.py", visibility="unlisted"))
if post and "id" in post:
    out["status_post"] = {"id": str(post["id"]), "content": post["content"], "visibility": post["visibility"]}
    fav = step("status_favourite", lambda: m.status_favourite(post["id"]))
    if fav and "id" in fav:
        out["status_favourite"] = {"id": str(fav["id"]), "favourited": fav["favourited"],
                                   "favourites_count": fav["favourites_count"]}

# A status is plain text, as on Mastodon: markup is shown as typed.
PLAIN = "Use <br> for line breaks; 3 < 5 and a <b>bold</b> tag"
plain = step("status_post_plain", lambda: m.status_post(PLAIN))
if plain and "id" in plain:
    src = step("status_source", lambda: m.status_source(plain["id"]))
    out["status_post_plain"] = {"content": plain["content"], "source": src.get("text") if src else None}

home = step("timeline_home", lambda: m.timeline_home())
if isinstance(home, list):
    out["timeline_home"] = {"ids": [str(s["id"]) for s in home]}

notes = step("notifications", lambda: m.notifications())
if isinstance(notes, list):
    out["notifications"] = {"count": len(notes)}


def upload():
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(tiny_png())
        f.flush()
        media = m.media_post(f.name, mime_type="image/png", description="a red square")
    return {"id": str(media["id"]), "type": media["type"], "url": media["url"], "description": media["description"]}


media = step("media_post", upload)
if media and "id" in media:
    with_media = step("status_post_media", lambda: m.status_post("a red square", media_ids=[media["id"]]))
    if with_media and "id" in with_media:
        out["status_post_media"] = {
            "id": str(with_media["id"]),
            "media": [{"id": str(a["id"]), "type": a["type"], "url": a["url"]}
                      for a in with_media["media_attachments"]],
        }


def upload_video():
    """Uploads the video the test names (KITH_TEST_VIDEO), waiting for it as
    an app does, and posts it."""
    media = m.media_post(os.environ["KITH_TEST_VIDEO"], mime_type="video/webm",
                         description="a test card", synchronous=True)
    status = m.status_post("a test card video", media_ids=[media["id"]])
    return {"id": str(media["id"]), "type": media["type"], "url": media["url"],
            "preview_url": media["preview_url"], "original": media["meta"]["original"],
            "status_media": [str(a["id"]) for a in status["media_attachments"]]}


step("media_post_video", upload_video)


def stream():
    # Mastodon.py streams over server-sent events. When kith has no such
    # endpoint yet, say so rather than hang or fail on a 404.
    probe = requests.get(base + "/api/v1/streaming/user",
                         headers={"Authorization": "Bearer " + token}, stream=True, timeout=10)
    probe.close()
    if probe.status_code == 404:
        return {"skipped": "GET /api/v1/streaming/user answers 404: kith has no SSE streaming endpoint"}
    listener = Updates()
    handle = m.stream_user(listener, run_async=True, timeout=30)
    # run_async returns before the connection is made; an update posted
    # before kith has the subscription would never be sent. Wait until the
    # handle reports the stream open (bounded).
    deadline = time.time() + 10
    while not handle.is_receiving():
        if time.time() > deadline:
            return {"error": "the stream did not open within 10s"}
        time.sleep(0.01)
    # The stream is not closed: close() waits for the reading thread, which
    # wakes only at kith's next heartbeat, 15 s away. The process's exit
    # (os._exit below) ends it.
    try:
        posted = m.status_post("streamed from Mastodon.py")
        while True:
            got = listener.statuses.get(timeout=15)
            if isinstance(got, Exception):
                return {"error": "the stream ended: " + repr(got)}
            if got["id"] == posted["id"]:
                return {"posted": str(posted["id"]), "received": str(got["id"])}
    except queue.Empty:
        return {"error": "no update event for the status posted after subscribing, within 15s"}


step("stream_user", stream)


def delete():
    deleted = m.status_delete(post["id"])
    try:
        m.status(post["id"])
        gone = False
    except MastodonNotFoundError:
        gone = True
    return {"id": str(deleted["id"]), "text": deleted.get("text"), "gone": gone}


if "id" in out.get("status_post", {}):
    step("status_delete", delete)

print(json.dumps(out), flush=True)
# Exit without waiting for the stream's reading thread (see stream).
os._exit(0)
