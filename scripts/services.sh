# Sourced by the scripts in this folder: a private Python venv with the test servers from PyPI,
# and helpers that start Redis, SecantusDB (MongoDB wire protocol), localstripe and an SMTP
# server (aiosmtpd, delivering to a Maildir) on free loopback ports and stop them when the
# calling script exits.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/notion-graph-services.XXXXXX")"
PIDS=()

# Versions are pinned so that every machine tests against the same servers.
PY_PACKAGES=("SecantusDB==0.7.0b3" "pymongo==4.20.0" "localstripe==1.15.10" "aiosmtpd==1.4.6"
  "playwright==1.65.2" "schemathesis==4.32.5" "mcp==2.3.0")

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

stop_services() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
}
trap stop_services EXIT

ensure_venv() {
  local stamp="$VENV/.installed-$(printf '%s ' "${PY_PACKAGES[@]}" "$@" | sha1sum | cut -c1-12)"
  [ -f "$stamp" ] && return
  log "installing ${PY_PACKAGES[*]} $* into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}" "$@"
  touch "$stamp"
}

ensure_redis() {
  command -v redis-server >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing redis-server (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    log "redis-server is missing: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)"
    exit 1
  fi
}

# Debian's Chromium for the browser tests (playwright drives it; no `playwright install`).
ensure_chromium() {
  command -v chromium >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing chromium (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    log "chromium is missing: install it (Debian/Ubuntu: sudo apt-get install chromium)"
    exit 1
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port name [pid]
  # Up to two minutes: on a loaded machine a Python server takes long to import. A server
  # that exits is reported at once.
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then break; fi
    sleep 0.1
  done
  log "$2 did not start on port $1; its log:"; cat "$RUN_DIR/$2.log" >&2 || true
  exit 1
}

ensure_xmllint() { # the graph tests validate GEXF and GraphML exports with it
  command -v xmllint >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing libxml2-utils (xmllint)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null
  else
    log "xmllint is missing: install it (Debian/Ubuntu: sudo apt-get install libxml2-utils)"
  fi
}

start_redis() { # exports REDIS_PORT
  ensure_redis
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log" &
  PIDS+=($!)
  wait_for_port "$REDIS_PORT" redis "$!"
  export REDIS_PORT
}

start_mongo() { # exports MONGO_PORT
  MONGO_PORT=$(free_port)
  "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$MONGO_PORT" --storage-path "$RUN_DIR/mongo" \
    --log-level WARNING >"$RUN_DIR/mongo.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$MONGO_PORT" mongo "$!"
  export MONGO_PORT
}

start_stripe() { # exports STRIPE_PORT
  STRIPE_PORT=$(free_port)
  "$VENV/bin/localstripe" --port "$STRIPE_PORT" >"$RUN_DIR/stripe.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$STRIPE_PORT" stripe "$!"
  export STRIPE_PORT
}

start_smtp() { # exports SMTP_PORT and SMTP_MAILDIR (messages arrive in its new/ folder)
  SMTP_PORT=$(free_port)
  SMTP_MAILDIR="$RUN_DIR/maildir"
  "$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
    -c aiosmtpd.handlers.Mailbox "$SMTP_MAILDIR" >"$RUN_DIR/smtp.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$SMTP_PORT" smtp "$!"
  export SMTP_PORT SMTP_MAILDIR
}

# Preferential attachment (m links per new node), seeded: the same graph every time.
ba_edges() { # n m out (kept if it exists)
  [ -f "$3" ] && return
  python3 - "$@" <<'PY'
import random, sys
n, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng, ends = random.Random(42), list(range(m))
with open(out, "w") as f:
    for v in range(m, n):
        targets = set()
        while len(targets) < m:
            targets.add(rng.choice(ends))
        for t in targets:
            f.write(f"{v} {t}\n")
            ends += (v, t)
PY
}
