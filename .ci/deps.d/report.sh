#!/usr/bin/env bash
# Headless Chromium for the report tests (tests/test_report.py drives it over the DevTools
# protocol on a pipe). Debian's package; idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium present: $(chromium --version 2>/dev/null || true)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
chromium --version 2>/dev/null || true
