#!/usr/bin/env bash
# Test environment for the browser tests (tests/test_browser.py): Debian's chromium, driven by
# Playwright for Python (a pip dependency in pyproject's `test` extra).
# Idempotent; downloads nothing else. Never runs `playwright install`: Playwright drives the
# system chromium through executable_path="/usr/bin/chromium".
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "setup_test_env: /usr/bin/chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup_test_env: chromium missing and not root (no sudo); browser tests will be skipped" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_test_env: chromium missing and no apt-get; browser tests will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version || true
