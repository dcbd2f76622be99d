#!/usr/bin/env bash
# Neo4j's own Cypher parser for tests/test_neo4j_lint.py, installed into .ci/node/ (project-local,
# gitignored). Idempotent: skips the install when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The Bolt push tests start FalkorDB in a loopback-only network namespace: unshare, nsenter, ip.
if ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1 \
    || ! command -v nsenter >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q iproute2 util-linux
fi
VERSION="2.0.0-next.38"
PREFIX=".ci/node"
if ! command -v npm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -q && apt-get install -y nodejs npm >/dev/null
  else
    echo "npm is not installed and apt-get is not available" >&2
    exit 1
  fi
fi
PKG="$PREFIX/node_modules/@neo4j-cypher/language-support/package.json"
if [ -f "$PKG" ] && grep -q "\"version\": \"$VERSION\"" "$PKG"; then
  echo "@neo4j-cypher/language-support@$VERSION already installed in $PREFIX"
  exit 0
fi
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --save-exact \
  "@neo4j-cypher/language-support@$VERSION"
