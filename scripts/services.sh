#!/usr/bin/env bash
# Starts what the test suite talks to, if it is not running yet, and installs the Debian
# tools the tests call (xmllint validates our CAP output against the OASIS XSD; Chromium
# runs the browser tests of the web UI).
# Safe to run again: everything here checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "service on port $1 did not come up" >&2
  return 1
}

if ! port_open 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_for_port 5432
fi

if ! port_open 1883; then
  echo "starting Mosquitto"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
  wait_for_port 1883
fi

missing=()
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v chromium >/dev/null || missing+=(chromium)
# Chinese labels in the browser tests' screenshots need a CJK font.
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Test databases are created per test (yingji_t_*); drop those left by earlier runs.
psql -h 127.0.0.1 -U postgres -d test -Atc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'yingji_t_%'" |
  while read -r db; do psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS \"$db\"" || true; done

# The unmodified Python SensorThings client the interoperability test drives (PyPI).
venv=target/test-python
if ! "$venv/bin/python" -c "import frost_sta_client" 2>/dev/null; then
  echo "installing frost-sta-client into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q frost-sta-client
fi
