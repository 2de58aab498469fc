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

# Mosquitto's defaults are sized for small devices: at most 20 QoS 1 messages in flight to an
# MQTT 3.1.1 subscriber and 1,000 more queued per client, beyond which messages are dropped
# without a word. The MQTT ingest tests and benches publish tens of thousands of messages in
# seconds, so the test broker queues far more (still bounded: at most 100 MB of payload per
# client). MQTT 5 subscribers (yingji's ingest) set their own window (Receive Maximum).
mosquitto_main=/etc/mosquitto/mosquitto.conf
mosquitto_extra_dir=/etc/mosquitto/conf.d
mosquitto_extra="$mosquitto_extra_dir/yingji.conf"
mosquitto_wanted='# Written by yingji scripts/services.sh: limits for the test broker.
max_inflight_messages 1000
max_queued_messages 1000000
max_queued_bytes 100000000'
mosquitto_changed=false
if [ "$(cat "$mosquitto_extra" 2>/dev/null)" != "$mosquitto_wanted" ]; then
  mkdir -p "$mosquitto_extra_dir"
  printf '%s\n' "$mosquitto_wanted" >"$mosquitto_extra"
  mosquitto_changed=true
fi
# The listener (`listener 1883 127.0.0.1`, `allow_anonymous true`) stays in the main file;
# it only gains the include of the directory, if it lacks one (it must come last there).
if ! grep -qx "include_dir $mosquitto_extra_dir" "$mosquitto_main"; then
  printf 'include_dir %s\n' "$mosquitto_extra_dir" >>"$mosquitto_main"
  mosquitto_changed=true
fi

if port_open 1883 && $mosquitto_changed; then
  # A reload (SIGHUP) reads the file but Mosquitto 2.0.11 keeps the old limits (measured:
  # 20 + 1,000 messages still got through to a stalled subscriber), so restart it; clients
  # reconnect on their own.
  if [ -s /run/mosquitto/mosquitto.pid ]; then
    echo "restarting Mosquitto for $mosquitto_extra"
    mosquitto_pid=$(cat /run/mosquitto/mosquitto.pid)
    kill "$mosquitto_pid"
    for _ in $(seq 1 60); do kill -0 "$mosquitto_pid" 2>/dev/null || break; sleep 0.5; done
  else
    echo "Mosquitto's limits changed: restart it to apply $mosquitto_extra" >&2
  fi
fi
if ! port_open 1883; then
  echo "starting Mosquitto"
  mosquitto -d -c "$mosquitto_main"
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
