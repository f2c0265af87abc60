#!/bin/sh
# Installs the S3 server that kith's object-storage and replication tests
# start on loopback: versitygw, built from the Go module proxy into
# tests/s3/bin (about two minutes the first time). It does nothing when the
# pinned version is there already.
set -eu
cd "$(dirname "$0")"
version=v1.8.0
if [ -x bin/versitygw ] && [ "$(cat bin/.version 2>/dev/null)" = "$version" ]; then
	exit 0
fi
mkdir -p bin
GOBIN="$(pwd)/bin" go install "github.com/versity/versitygw/cmd/versitygw@$version"
echo "$version" > bin/.version
