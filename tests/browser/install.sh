#!/bin/sh
# Installs what kith's browser tests drive: Debian's chromium (apt-get, only
# when missing), Debian's ffmpeg (the video upload tests run kith with and
# without it on the PATH; kith itself only needs it for video previews),
# and playwright-core and axe-core (the accessibility checks)
# from package-lock.json. playwright-core only speaks to the browser; it
# never downloads one (no "playwright install"). It does nothing when all
# are installed.
set -eu
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium
fi
if ! command -v ffmpeg >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends ffmpeg
fi

stamp=node_modules/.kith-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f node_modules/playwright-core/package.json ] && [ -f node_modules/axe-core/axe.min.js ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
npm ci --no-audit --no-fund
echo "$want" > "$stamp"
