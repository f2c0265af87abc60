"""Reads a status's link preview card with Mastodon.py (Debian python3-mastodon 1.8).

    /usr/bin/python3 mastodonpy_cards.py http://127.0.0.1:PORT USERNAME PASSWORD LINK

Posts a status linking LINK, waits (at most 20 s) for kith's background job
to give it a card, and prints one JSON object of steps, as mastodonpy.py
does: the card as the status carries it, and as status_card returns it.
"""

import json
import sys
import time
import traceback

from mastodon import Mastodon, MastodonError

base, username, password, link = sys.argv[1:5]
out = {}


def step(name, fn):
    try:
        out[name] = fn()
    except MastodonError as e:
        out[name] = {"error": " ".join(str(a) for a in e.args)}
    except Exception:
        out[name] = {"error": traceback.format_exc(limit=3)}
    return out[name]


def card_fields(card):
    return {
        "url": card.url, "title": card.title, "description": card.description, "type": card.type,
        "image": card.image, "provider_name": card.provider_name, "author_name": card.author_name,
        "authors": [a.get("name") for a in card.get("authors", [])],
    }


def run():
    client_id, client_secret = Mastodon.create_app("kith card test (Mastodon.py)", scopes=["read", "write"], api_base_url=base)
    m = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    m.log_in(username, password, scopes=["read", "write"])
    return m


m = step("log_in", run)
if isinstance(m, dict):
    print(json.dumps(out))
    sys.exit(0)
out["log_in"] = {"ok": True}

posted = []


def post():
    posted.append(m.status_post("a link for Mastodon.py: " + link))
    return {"id": str(posted[0].id)}


step("status_post", post)
if posted:
    status = posted[0]

    def wait_card():
        deadline = time.time() + 20
        while True:
            s = m.status(status.id)
            if s.card is not None:
                return card_fields(s.card)
            if time.time() > deadline:
                return {"error": "no card after 20 s: " + json.dumps(s, default=str)}
            time.sleep(0.1)

    step("status_card_field", wait_card)
    step("status_card", lambda: card_fields(m.status_card(status.id)))

print(json.dumps(out))
