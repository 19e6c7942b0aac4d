#!/usr/bin/env bash
# A real Milvus server for the integration tier against full Milvus (`npm run test:milvus`): the
# standalone Milvus 2.3.5 of PyPI `milvus` (the last Linux wheel), with its embedded etcd, rocksmq
# and local storage under $STATE_DIR/milvus-standalone. It is not the local default engine
# (milvus-lite 2.5.1, scripts/milvus.sh): it has HNSW and IVF_PQ, but no sparse vectors, BM25 or
# hybrid search, which is the point of testing against it.
#
#   scripts/milvus-standalone.sh install   # venv $STATE_DIR/venv-milvus-standalone (pinned), binaries unpacked
#   scripts/milvus-standalone.sh start     # install if needed, start in background, wait for /healthz
#   scripts/milvus-standalone.sh stop      # SIGTERM (clean shutdown), SIGKILL after MILVUS_STOP_TIMEOUT
#   scripts/milvus-standalone.sh status    # exit 0 if running and healthy, 3 if not
#   scripts/milvus-standalone.sh kill      # SIGKILL the server process (crash tests), supervisor exits too
#   scripts/milvus-standalone.sh wipe      # stop, then delete its data (not the install)
#
# Milvus 2.3 listens on every interface with ten ports (gRPC of each component, proxy, HTTP,
# embedded etcd client + peer) and has no setting to bind loopback. So it runs in a private
# network namespace (only a loopback interface: unreachable from outside this machine and from
# other processes on it); scripts/lib/milvus_standalone.py forwards two ports from 127.0.0.1 into
# it: MILVUS_STANDALONE_PORT (client gRPC) and MILVUS_STANDALONE_HTTP_PORT (/healthz, /metrics).
# Inside the namespace every port is set explicitly (20400-20411). Needs root (or CAP_SYS_ADMIN)
# for the namespace: without it, start fails and says why (it never falls back to all interfaces).
#
# Environment:
#   STATE_DIR                     default <repo>/.state
#   MILVUS_STANDALONE_PORT        client gRPC on 127.0.0.1, default 20400
#   MILVUS_STANDALONE_HTTP_PORT   HTTP on 127.0.0.1, default 20402
#   MILVUS_START_TIMEOUT          seconds to wait for readiness, default 180
#   MILVUS_STOP_TIMEOUT           seconds to wait after SIGTERM, default 30
#   MILVUS_PYTHON                 interpreter for the venv, default python3.11 if present, else python3
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
PORT="${MILVUS_STANDALONE_PORT:-20400}"
HTTP_PORT="${MILVUS_STANDALONE_HTTP_PORT:-20402}"
START_TIMEOUT="${MILVUS_START_TIMEOUT:-180}"
export MILVUS_STOP_TIMEOUT="${MILVUS_STOP_TIMEOUT:-30}"

VENV_DIR="$STATE_DIR/venv-milvus-standalone"
VENV_PY="$VENV_DIR/bin/python"
STAMP_FILE="$VENV_DIR/.pins"
HOME_DIR="$STATE_DIR/milvus-standalone"
PID_FILE="$HOME_DIR/supervisor.pid"
SERVER_PID_FILE="$HOME_DIR/server.pid"
LOG_FILE="$HOME_DIR/logs/supervisor.log"
SUPERVISOR="$REPO_DIR/scripts/lib/milvus_standalone.py"

# The package has no dependencies; the binaries (Milvus and its libraries) ship inside the wheel.
PINS=(milvus==2.3.5)

log() { printf '[milvus-standalone] %s\n' "$*" >&2; }
die() { printf '[milvus-standalone] ERROR: %s\n' "$*" >&2; exit 1; }

pick_python() {
  if [[ -n "${MILVUS_PYTHON:-}" ]]; then echo "$MILVUS_PYTHON"; return; fi
  if command -v python3.11 >/dev/null 2>&1; then echo python3.11; return; fi
  echo python3
}

installed_ok() {
  [[ -x "$VENV_PY" && -f "$STAMP_FILE" && -x "$HOME_DIR/bin/milvus" ]] || return 1
  [[ "$(cat "$STAMP_FILE")" == "$(printf '%s\n' "${PINS[@]}")" ]]
}

cmd_install() {
  if installed_ok; then
    log "installed: $VENV_DIR (${PINS[*]}), binaries in $HOME_DIR/bin"
    return 0
  fi
  [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "PyPI milvus 2.3.5 ships a Linux x86_64 server only (this is $(uname -s)-$(uname -m))"
  local py
  py="$(pick_python)"
  command -v "$py" >/dev/null 2>&1 || die "python interpreter '$py' not found"
  mkdir -p "$STATE_DIR" "$HOME_DIR"
  if [[ -d "$VENV_DIR" ]] && ! "$VENV_PY" -c 'import sys' >/dev/null 2>&1; then rm -rf "$VENV_DIR"; fi
  [[ -x "$VENV_PY" ]] || "$py" -m venv "$VENV_DIR"
  rm -f "$STAMP_FILE"
  log "installing ${PINS[*]} into $VENV_DIR"
  "$VENV_PY" -m pip install --quiet --disable-pip-version-check --no-input "${PINS[@]}"
  log "unpacking the server binaries into $HOME_DIR/bin"
  "$VENV_PY" "$SUPERVISOR" prepare "$HOME_DIR"
  [[ -x "$HOME_DIR/bin/milvus" ]] || die "the milvus binary is missing after unpacking ($HOME_DIR/bin/milvus)"
  printf '%s\n' "${PINS[@]}" >"$STAMP_FILE"
  log "installed"
}

# /healthz through the forwarded HTTP port: OK only once every component reports healthy.
# args: <timeout-seconds> [pid-that-must-stay-alive]
probe() {
  "$VENV_PY" - "$HTTP_PORT" "$1" "${2:-0}" <<'PY'
import os, sys, time, urllib.request
port, timeout, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
last = "no attempt"
while True:
    if pid:
        try:
            os.kill(pid, 0)
        except OSError:
            print(f"supervisor {pid} exited", file=sys.stderr)
            sys.exit(2)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
            body = r.read().decode("utf-8", "replace")
            if r.status == 200 and "OK" in body:
                sys.exit(0)
            last = f"HTTP {r.status}: {body[:200]}"
    except Exception as e:  # noqa: BLE001
        last = str(e) or type(e).__name__
    if time.monotonic() >= deadline:
        print(f"not healthy after {timeout:g}s: {last}", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.3)
PY
}

# Prints the supervisor's pid if the pid file names a live supervisor of this home; else cleans up.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "milvus_standalone.py run $HOME_DIR "; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE" "$SERVER_PID_FILE"
  return 1
}

tail_log() {
  local f
  for f in "$LOG_FILE" "$HOME_DIR/logs/milvus-stdout.log"; do
    [[ -f "$f" ]] || continue
    echo "----- last 30 lines of $f -----" >&2
    tail -n 30 "$f" | cut -c1-400 >&2
  done
}

cmd_start() {
  cmd_install
  local pid
  if pid="$(running_pid)"; then
    probe 10 "$pid" 2>/dev/null && { log "already running (supervisor $pid, 127.0.0.1:$PORT)"; return 0; }
    die "supervisor $pid is alive but not healthy; run '$0 stop' first (log: $LOG_FILE)"
  fi
  mkdir -p "$HOME_DIR/logs"
  printf '\n===== %s start on 127.0.0.1:%s (HTTP %s)\n' "$(date -u +%FT%TZ)" "$PORT" "$HTTP_PORT" >>"$LOG_FILE"
  local started=$SECONDS
  setsid nohup "$VENV_PY" "$SUPERVISOR" run "$HOME_DIR" "$PORT" "$HTTP_PORT" "$PID_FILE" "$SERVER_PID_FILE" \
    >>"$LOG_FILE" 2>&1 </dev/null &
  local launcher=$!
  for _ in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  pid="$(cat "$PID_FILE" 2>/dev/null || echo "$launcher")"
  log "started supervisor $pid, waiting up to ${START_TIMEOUT}s for 127.0.0.1:$HTTP_PORT/healthz"
  if ! probe "$START_TIMEOUT" "$pid"; then
    tail_log
    if grep -q 'PORT_IN_USE' "$LOG_FILE" 2>/dev/null && ! kill -0 "$pid" 2>/dev/null; then
      die "port $PORT or $HTTP_PORT on 127.0.0.1 is in use: set MILVUS_STANDALONE_PORT / MILVUS_STANDALONE_HTTP_PORT"
    fi
    kill -TERM "$pid" 2>/dev/null || true
    die "Milvus standalone did not become healthy within ${START_TIMEOUT}s (logs: $HOME_DIR/logs)"
  fi
  log "ready in $((SECONDS - started)) s: 127.0.0.1:$PORT (server pid $(cat "$SERVER_PID_FILE" 2>/dev/null), data $HOME_DIR/data)"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    return 0
  fi
  log "stopping supervisor $pid (SIGTERM, the server gets ${MILVUS_STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0 limit=$(( (MILVUS_STOP_TIMEOUT + 10) * 10 ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= limit )); then
      log "supervisor still alive: SIGKILL"
      local server
      server="$(cat "$SERVER_PID_FILE" 2>/dev/null || true)"
      [[ "$server" =~ ^[0-9]+$ ]] && kill -KILL "$server" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE" "$SERVER_PID_FILE"
  log "stopped"
}

cmd_kill() {
  local pid server
  pid="$(running_pid)" || die "not running"
  server="$(cat "$SERVER_PID_FILE" 2>/dev/null || true)"
  [[ "$server" =~ ^[0-9]+$ ]] || die "no server pid in $SERVER_PID_FILE"
  log "SIGKILL to server $server"
  kill -KILL "$server"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$PID_FILE" "$SERVER_PID_FILE"
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && installed_ok && probe 3 "$pid" 2>/dev/null; then
    echo "running supervisor=$pid server=$(cat "$SERVER_PID_FILE" 2>/dev/null) port=$PORT http=$HTTP_PORT data=$HOME_DIR/data"
    return 0
  fi
  echo "stopped port=$PORT"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) cmd_kill ;;
  wipe) cmd_stop; rm -rf "$HOME_DIR/data" "$HOME_DIR/configs" "$HOME_DIR/run"; log "data deleted" ;;
  *)
    echo "usage: $0 install|start|stop|status|kill|wipe" >&2
    exit 2
    ;;
esac
