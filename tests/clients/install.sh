#!/bin/sh
# Installs the Mastodon clients that kith's client tests drive: toot and
# Mastodon.py from Debian (apt-get, only when missing), and masto.js and
# http_ece (the push receiver's decryption) from package-lock.json. masto declares Node >= 22 and works on Node 20: its
# "EBADENGINE" warning is expected. It does nothing when all are installed.
set -eu
cd "$(dirname "$0")"

missing=""
for pkg in python3-mastodon toot; do
	if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
		missing="$missing $pkg"
	fi
done
if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
fi

stamp=node_modules/.kith-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f node_modules/masto/package.json ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
npm ci --no-audit --no-fund
echo "$want" > "$stamp"
