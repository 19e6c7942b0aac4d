#!/usr/bin/env bash
# Provision and run the local Milvus engine for development and CI: milvus-lite 2.5.1, the C++
# Milvus Lite (the same segment/index code as Milvus, knowhere indexes), whose bundled server
# binary we run over TCP on loopback. Why this engine and not milvus-lite 3.x: README, "Benchmark".
#
#   scripts/milvus.sh install   # create $STATE_DIR/venv-milvus with pinned milvus-lite (+ pymilvus
#                               # for the readiness probe, faiss-cpu for the benchmark's floor)
#   scripts/milvus.sh start     # install if needed, start in background, wait for a real RPC
#   scripts/milvus.sh stop      # SIGTERM (clean shutdown), SIGKILL after 20 s
#   scripts/milvus.sh status    # exit 0 if running, 3 if not
#
# Environment:
#   STATE_DIR              default <repo>/.state
#   MILVUS_PORT            default 19530
#   MILVUS_HOST            bind/probe host, default 127.0.0.1 (loopback only unless told otherwise)
#   MILVUS_START_TIMEOUT   seconds to wait for readiness, default 60
#   MILVUS_STOP_TIMEOUT    seconds to wait after SIGTERM, default 20
#   MILVUS_ADDRESS         if set, an external Milvus is used: start/stop do nothing
#   MILVUS_PYTHON          interpreter for the venv, default python3.11 if present, else python3
#
# The engine keeps everything in one SQLite file ($STATE_DIR/milvus/db/milvus.db); writes are
# committed there before the RPC returns, so data survives a restart (even a SIGKILL). One server
# per file: the launcher holds an exclusive lock on <file>.lock for the server's lifetime.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
MILVUS_PORT="${MILVUS_PORT:-19530}"
MILVUS_HOST="${MILVUS_HOST:-127.0.0.1}"
MILVUS_START_TIMEOUT="${MILVUS_START_TIMEOUT:-60}"
MILVUS_STOP_TIMEOUT="${MILVUS_STOP_TIMEOUT:-20}"

VENV_DIR="$STATE_DIR/venv-milvus"
VENV_PY="$VENV_DIR/bin/python"
STAMP_FILE="$VENV_DIR/.milvus-pins"
RUN_DIR="$STATE_DIR/milvus"
DB_DIR="$RUN_DIR/db"
DB_FILE="$DB_DIR/milvus.db"
PID_FILE="$RUN_DIR/milvus.pid"
LOG_FILE="$RUN_DIR/milvus.log"

# Verified together on Python 3.11. milvus-lite itself needs only tqdm; pymilvus (the readiness
# probe's gRPC stubs) and faiss-cpu (the benchmark's in-process floor) come with their pinned
# dependencies so that every machine gets the same environment.
PINS=(
  milvus-lite==2.5.1
  tqdm==4.70.1
  pymilvus==2.5.18
  grpcio==1.85.3
  protobuf==7.36.2
  ujson==6.1.0
  numpy==2.4.6
  pandas==3.1.1
  faiss-cpu==1.15.1
  python-dotenv==1.2.4
  python-dateutil==4.0.0
  packaging==26.4
  typing_extensions==4.16.0
  tzdata==2026.6
)

log() { printf '[milvus] %s\n' "$*" >&2; }
die() { printf '[milvus] ERROR: %s\n' "$*" >&2; exit 1; }

pick_python() {
  if [[ -n "${MILVUS_PYTHON:-}" ]]; then echo "$MILVUS_PYTHON"; return; fi
  if command -v python3.11 >/dev/null 2>&1; then echo python3.11; return; fi
  echo python3
}

# The folder holding the engine binary and the shared libraries it is linked against.
lite_lib() {
  echo "$("$VENV_PY" -c 'import os, sysconfig; print(sysconfig.get_paths()["purelib"])')/milvus_lite/lib"
}

installed_ok() {
  [[ -x "$VENV_PY" && -f "$STAMP_FILE" ]] || return 1
  [[ "$(cat "$STAMP_FILE")" == "$(printf '%s\n' "${PINS[@]}")" ]] || return 1
  "$VENV_PY" -c 'import sys' >/dev/null 2>&1
}

cmd_install() {
  if installed_ok; then
    log "venv up to date: $VENV_DIR ($(printf '%s ' "${PINS[@]:0:2}"))"
    return 0
  fi
  local py
  py="$(pick_python)"
  command -v "$py" >/dev/null 2>&1 || die "python interpreter '$py' not found"
  "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || die "$py is $("$py" -V 2>&1); milvus-lite needs Python >= 3.10 (3.11 verified)"
  mkdir -p "$STATE_DIR"
  if [[ -d "$VENV_DIR" ]] && ! "$VENV_PY" -c 'import sys' >/dev/null 2>&1; then
    log "removing broken venv $VENV_DIR"
    rm -rf "$VENV_DIR"
  fi
  if [[ ! -x "$VENV_PY" ]]; then
    log "creating venv $VENV_DIR with $("$py" -V 2>&1)"
    "$py" -m venv "$VENV_DIR"
  fi
  rm -f "$STAMP_FILE"
  log "installing ${PINS[*]:0:2} (+ pinned deps)"
  "$VENV_PY" -m pip install --quiet --disable-pip-version-check --no-input "${PINS[@]}"
  "$VENV_PY" -c 'import pymilvus, faiss' || die "installed packages do not import"
  [[ -x "$(lite_lib)/milvus" ]] || die "milvus-lite's server binary is missing ($(lite_lib)/milvus)"
  printf '%s\n' "${PINS[@]}" >"$STAMP_FILE"
  log "installed into $VENV_DIR"
}

# Real readiness probe: CheckHealth (where implemented) + ShowCollections over gRPC.
# args: <timeout-seconds> [pid-that-must-stay-alive]
probe() {
  "$VENV_PY" - "$MILVUS_HOST:$MILVUS_PORT" "$1" "${2:-0}" <<'PY'
import os, sys, time
import grpc
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

addr, timeout, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
last = "no attempt"
while True:
    if pid:
        try:
            os.kill(pid, 0)
        except OSError:
            print(f"server process {pid} exited", file=sys.stderr)
            sys.exit(2)
    try:
        with grpc.insecure_channel(addr) as ch:
            stub = milvus_pb2_grpc.MilvusServiceStub(ch)
            # CheckHealth where the engine has it (Milvus proper); milvus-lite 2.5 answers
            # UNIMPLEMENTED there, and ShowCollections below is the real test.
            try:
                h = stub.CheckHealth(milvus_pb2.CheckHealthRequest(), timeout=3)
                if h.status.code != 0 or not h.isHealthy:
                    raise RuntimeError(f"unhealthy: {h}")
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise
            r = stub.ShowCollections(milvus_pb2.ShowCollectionsRequest(), timeout=3)
            if r.status.code != 0:
                raise RuntimeError(f"ShowCollections status {r.status.code}: {r.status.reason}")
            sys.exit(0)
    except Exception as e:  # noqa: BLE001
        last = str(e).splitlines()[0] if str(e) else type(e).__name__
    if time.monotonic() >= deadline:
        print(f"not ready after {timeout:g}s: {last}", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.3)
PY
}

# Prints the pid if the pid file names a live milvus-lite process; else cleans up.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "milvus $DB_FILE"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

tail_log() {
  if [[ -f "$LOG_FILE" ]]; then
    echo "----- last 50 lines of $LOG_FILE -----" >&2
    tail -n 50 "$LOG_FILE" >&2
    echo "--------------------------------------" >&2
  fi
}

cmd_start() {
  if [[ -n "${MILVUS_ADDRESS:-}" ]]; then
    log "MILVUS_ADDRESS=$MILVUS_ADDRESS is set: using external Milvus, nothing started locally"
    return 0
  fi
  cmd_install
  mkdir -p "$DB_DIR"
  local pid
  if pid="$(running_pid)"; then
    if probe 5 "$pid" 2>/dev/null; then
      log "already running (pid $pid, $MILVUS_HOST:$MILVUS_PORT)"
      return 0
    fi
    die "pid $pid is alive but $MILVUS_HOST:$MILVUS_PORT does not answer; run '$0 stop' first"
  fi
  # gRPC sets SO_REUSEPORT, so a second server could silently share the port:
  # refuse to start if something already answers there.
  if probe 0.5 2>/dev/null; then
    die "something already answers Milvus RPCs on $MILVUS_HOST:$MILVUS_PORT (not our pid file); set MILVUS_PORT or stop it"
  fi

  local lib log_offset
  lib="$(lite_lib)"
  touch "$LOG_FILE"
  log_offset="$(wc -c <"$LOG_FILE")"
  printf '\n===== %s start: milvus-lite %s %s %s:%s\n' \
    "$(date -u +%FT%TZ)" "$lib/milvus" "$DB_FILE" "$MILVUS_HOST" "$MILVUS_PORT" >>"$LOG_FILE"
  # Launch through a tiny Python exec wrapper: take an exclusive lock on the database file
  # (two servers on one SQLite file would corrupt it; the binary itself locks only in its
  # unix-socket mode), keep the lock's descriptor open across exec so the server holds it for its
  # lifetime, start a new session (detached from our terminal and process group), reset SIGINT
  # (a background job of a non-interactive shell inherits it ignored), write the pid, exec.
  # The binary needs its bundled libraries (LD_LIBRARY_PATH), set for it alone: they would break
  # the Python interpreter (its libm is older than the system one).
  nohup "$VENV_PY" -c '
import fcntl, os, signal, sys
pid_file, lock_file, lib, argv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print(f"DB_LOCKED: {lock_file} is held by another server", file=sys.stderr, flush=True)
    sys.exit(17)
os.set_inheritable(fd, True)
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
with open(pid_file, "w") as f:
    f.write(str(os.getpid()))
env = dict(os.environ)
env["LD_LIBRARY_PATH"] = lib + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
os.execve(argv[0], argv, env)
' "$PID_FILE" "$DB_FILE.lock" "$lib" "$lib/milvus" "$DB_FILE" "$MILVUS_HOST:$MILVUS_PORT" ERROR \
    >>"$LOG_FILE" 2>&1 </dev/null &
  local launcher=$!
  # Wait briefly for the pid file (written before exec, same pid).
  for _ in $(seq 1 50); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
  pid="$(cat "$PID_FILE" 2>/dev/null || echo "$launcher")"
  log "started pid $pid, waiting up to ${MILVUS_START_TIMEOUT}s for $MILVUS_HOST:$MILVUS_PORT"
  if ! probe "$MILVUS_START_TIMEOUT" "$pid"; then
    tail_log
    local exited=1
    if kill -0 "$pid" 2>/dev/null; then
      exited=0
      kill -TERM "$pid" 2>/dev/null || true
      sleep 2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    local this_run
    this_run="$(tail -c +"$((log_offset + 1))" "$LOG_FILE" 2>/dev/null || true)"
    if grep -q 'DB_LOCKED' <<<"$this_run"; then
      die "milvus-lite failed to start: $DB_FILE is in use by another server (one server per file; see $DB_FILE.lock)"
    fi
    if grep -qi 'bind\|address already in use' <<<"$this_run"; then
      die "milvus-lite failed to start: cannot bind $MILVUS_HOST:$MILVUS_PORT (port in use? set MILVUS_PORT)"
    fi
    if (( exited )); then
      die "milvus-lite exited during startup (log: $LOG_FILE)"
    fi
    die "milvus-lite did not become ready on $MILVUS_HOST:$MILVUS_PORT within ${MILVUS_START_TIMEOUT}s; killed it (log: $LOG_FILE)"
  fi
  log "ready: $MILVUS_HOST:$MILVUS_PORT (pid $pid, data $DB_FILE, log $LOG_FILE)"
}

cmd_stop() {
  if [[ -n "${MILVUS_ADDRESS:-}" && ! -f "$PID_FILE" ]]; then
    log "MILVUS_ADDRESS is set: external Milvus, nothing to stop"
    return 0
  fi
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    return 0
  fi
  log "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= MILVUS_STOP_TIMEOUT * 10 )); then
      log "still alive after ${MILVUS_STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  if [[ -n "${MILVUS_ADDRESS:-}" ]]; then
    echo "external: MILVUS_ADDRESS=$MILVUS_ADDRESS (not managed here)"
  fi
  local pid
  if pid="$(running_pid)"; then
    if installed_ok && probe 3 "$pid" 2>/dev/null; then
      echo "running pid=$pid port=$MILVUS_PORT host=$MILVUS_HOST data=$DB_FILE"
      return 0
    fi
    echo "stopped (pid=$pid alive but not answering on $MILVUS_HOST:$MILVUS_PORT)"
    return 3
  fi
  echo "stopped port=$MILVUS_PORT"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
