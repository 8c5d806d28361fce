#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a browser that a test tool downloads).
# Install it when missing and we are allowed to; otherwise say exactly what to do.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests (about a minute)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
else
  echo "The browser tests need Debian's chromium at /usr/bin/chromium:" >&2
  echo "  sudo apt-get install chromium fonts-liberation" >&2
  exit 1
fi
