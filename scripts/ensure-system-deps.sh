#!/usr/bin/env bash
# Install the Debian packages the test-suite needs, only when they are missing (CI starts clean).
set -euo pipefail
# Each line: a command that must exist, then the Debian package(s) that provide it.
# Add a line per need, e.g. "chromium chromium" or "pg_ctlcluster postgresql".
needs=(
  "pg_ctlcluster postgresql"
  "chromium chromium"
  "java openjdk-17-jre-headless"
)
missing=()
for line in "${needs[@]}"; do
  cmd=${line%% *}; pkgs=${line#* }
  command -v "$cmd" >/dev/null 2>&1 || missing+=($pkgs)
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
