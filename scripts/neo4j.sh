#!/usr/bin/env bash
# Provision and run a local Neo4j 5.26 Community server from Maven Central jars.
#
#   scripts/neo4j.sh install   # copy the runtime jars of services/neo4j/pom.xml into $STATE_DIR/neo4j/lib
#   scripts/neo4j.sh start     # install if needed, write conf, start in background, wait for a real Bolt query
#   scripts/neo4j.sh stop      # SIGTERM (clean shutdown), SIGKILL after $NEO4J_STOP_TIMEOUT s
#   scripts/neo4j.sh status    # exit 0 if running, 3 if not
#
# Environment:
#   STATE_DIR              default <repo>/.state (Neo4j lives in $STATE_DIR/neo4j/{lib,conf,data,logs,...})
#   NEO4J_BOLT_PORT        default 7687 (bound on 127.0.0.1 only)
#   NEO4J_HEAP             JVM heap (-Xms = -Xmx), default 1g
#   NEO4J_PAGECACHE        default 256m
#   NEO4J_AUTH             "none" or "neo4j/<password>" (>= 8 chars); default neo4j/knowledge-dev.
#                          The password is applied only when the data dir is first created
#                          (Community has no other way without a running server); to change it
#                          later, delete $STATE_DIR/neo4j/data or ALTER USER via Cypher.
#   NEO4J_START_TIMEOUT    seconds to wait for Bolt readiness, default 120
#   NEO4J_STOP_TIMEOUT     seconds to wait after SIGTERM, default 30
#   NEO4J_JAVA_HOME        JDK to use; default: JAVA_HOME if it is 17/21, else /usr/lib/jvm/*17*, else `java`
#   NEO4J_JAVA_OPTS        extra JVM options (word-split)
#   NEO4J_CONF_EXTRA       extra neo4j.conf lines (newline separated), appended verbatim
#   NEO4J_URI              if set, an external Neo4j/Aura is used: start does nothing
#
# Neo4j's own start scripts are not on Maven Central; we run org.neo4j.server.CommunityEntryPoint
# (artifact org.neo4j:neo4j) directly and set the initial password with org.neo4j.cli.AdminTool
# (the class behind `neo4j-admin`). Unknown neo4j.conf keys abort startup (strict validation).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
NEO4J_HEAP="${NEO4J_HEAP:-1g}"
NEO4J_PAGECACHE="${NEO4J_PAGECACHE:-256m}"
# The service reads NEO4J_USER / NEO4J_PASSWORD; the local server takes the same password.
NEO4J_AUTH="${NEO4J_AUTH-neo4j/${NEO4J_PASSWORD:-knowledge-dev}}"
NEO4J_START_TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
NEO4J_STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-30}"

POM="$REPO_DIR/services/neo4j/pom.xml"
HOME_DIR="$STATE_DIR/neo4j"
LIB_DIR="$HOME_DIR/lib"
CONF_DIR="$HOME_DIR/conf"
DATA_DIR="$HOME_DIR/data"
LOGS_DIR="$HOME_DIR/logs"
STAMP_FILE="$LIB_DIR/.installed"
AUTH_MARKER="$HOME_DIR/.auth-initialized"
PID_FILE="$HOME_DIR/neo4j.pid"
CONSOLE_LOG="$LOGS_DIR/console.log"
MAIN_CLASS="org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS="org.neo4j.cli.AdminTool"

log() { printf '[neo4j] %s\n' "$*" >&2; }
die() { printf '[neo4j] ERROR: %s\n' "$*" >&2; exit 1; }

neo4j_version() {
  sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$POM" | head -n1
}

install_stamp() {
  printf 'version=%s\npom=%s\n' "$(neo4j_version)" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

installed_ok() {
  [[ -f "$STAMP_FILE" && -f "$LIB_DIR/neo4j-$(neo4j_version).jar" ]] || return 1
  [[ "$(cat "$STAMP_FILE")" == "$(install_stamp)" ]]
}

cmd_install() {
  [[ -f "$POM" ]] || die "missing $POM"
  if installed_ok; then
    log "jars up to date: $LIB_DIR (neo4j $(neo4j_version))"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
  mkdir -p "$HOME_DIR"
  local tmp="$HOME_DIR/lib.tmp.$$"
  rm -rf "$tmp"
  log "resolving neo4j $(neo4j_version) runtime jars from Maven Central ..."
  # (Debian's Maven 3.8 prints bare ESC[0m resets even with -B; strip them.)
  if ! JAVA_HOME="$(java_home)" mvn -B -q -f "$POM" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed"
  fi
  [[ -f "$tmp/neo4j-$(neo4j_version).jar" ]] || { rm -rf "$tmp"; die "neo4j-$(neo4j_version).jar missing after copy"; }
  install_stamp >"$tmp/.installed"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  log "installed $(find "$LIB_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIB_DIR" | cut -f1)) into $LIB_DIR"
}

java_major() { # $1 = path to java binary
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1
}

java_ok() { local m; m="$(java_major "$1/bin/java" 2>/dev/null || true)"; [[ "$m" == 17 || "$m" == 21 ]]; }

java_home() {
  if [[ -n "${NEO4J_JAVA_HOME:-}" ]]; then
    java_ok "$NEO4J_JAVA_HOME" || die "NEO4J_JAVA_HOME=$NEO4J_JAVA_HOME is not a Java 17 or 21 JDK"
    echo "$NEO4J_JAVA_HOME"; return
  fi
  if [[ -n "${JAVA_HOME:-}" ]] && java_ok "$JAVA_HOME"; then echo "$JAVA_HOME"; return; fi
  local d
  for d in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17-* /usr/lib/jvm/*17* /usr/lib/jvm/java-21-openjdk-* /usr/lib/jvm/*21*; do
    [[ -x "$d/bin/java" ]] && java_ok "$d" && { echo "$d"; return; }
  done
  if command -v java >/dev/null 2>&1; then
    d="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    java_ok "$d" && { echo "$d"; return; }
  fi
  die "no Java 17 (or 21) found; Neo4j 5.26 does not run on other versions (apt-get install openjdk-17-jre-headless)"
}

read_pid() { [[ -f "$PID_FILE" ]] && tr -dc '0-9' <"$PID_FILE" || true; }

is_running() { # our server process is alive
  local pid; pid="$(read_pid)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--home-dir=$HOME_DIR" 
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$NEO4J_BOLT_PORT") 2>/dev/null; }

auth_user() { printf '%s' "${NEO4J_AUTH%%/*}"; }
auth_pass() { printf '%s' "${NEO4J_AUTH#*/}"; }

check_auth() {
  [[ "$NEO4J_AUTH" == none ]] && return 0
  [[ "$NEO4J_AUTH" == */* ]] || die "NEO4J_AUTH must be 'none' or 'neo4j/<password>'"
  [[ "$(auth_user)" == neo4j ]] || die "NEO4J_AUTH user must be 'neo4j' (Community sets the initial password of that user only)"
  (( ${#NEO4J_AUTH} - 6 >= 8 )) || die "NEO4J_AUTH password must be at least 8 characters (dbms.security.auth_minimum_password_length)"
}

write_conf() {
  mkdir -p "$CONF_DIR" "$DATA_DIR" "$LOGS_DIR" "$HOME_DIR/plugins" "$HOME_DIR/run" "$HOME_DIR/import"
  local auth_enabled=true
  [[ "$NEO4J_AUTH" == none ]] && auth_enabled=false
  {
    echo "# Generated by scripts/neo4j.sh on every start; edit the script/env, not this file."
    echo "server.directories.data=$DATA_DIR"
    echo "server.directories.logs=$LOGS_DIR"
    echo "server.directories.plugins=$HOME_DIR/plugins"
    echo "server.directories.run=$HOME_DIR/run"
    echo "server.directories.import=$HOME_DIR/import"
    echo "server.default_listen_address=127.0.0.1"
    echo "server.bolt.enabled=true"
    echo "server.bolt.listen_address=127.0.0.1:$NEO4J_BOLT_PORT"
    echo "server.bolt.advertised_address=127.0.0.1:$NEO4J_BOLT_PORT"
    echo "server.http.enabled=false"
    echo "server.https.enabled=false"
    echo "dbms.security.auth_enabled=$auth_enabled"
    echo "server.memory.heap.initial_size=$NEO4J_HEAP"
    echo "server.memory.heap.max_size=$NEO4J_HEAP"
    echo "server.memory.pagecache.size=$NEO4J_PAGECACHE"
    echo "dbms.usage_report.enabled=false"
    # Do not fallocate 256 MiB per transaction log file (two databases = 512 MiB on disk).
    echo "db.tx_log.preallocate=false"
    # Enforce client transaction timeouts promptly (default check interval is 2 s).
    echo "db.transaction.monitor.check.interval=200ms"
    if [[ -n "${NEO4J_CONF_EXTRA:-}" ]]; then printf '%s\n' "$NEO4J_CONF_EXTRA"; fi
  } >"$CONF_DIR/neo4j.conf"
}

# The neo4j user's password can only be seeded before the system database is first created:
# AdminTool `dbms set-initial-password` writes data/dbms/auth.ini, consumed on first start.
init_auth() {
  local jh="$1" fingerprint
  [[ "$NEO4J_AUTH" == none ]] && return 0
  fingerprint="$(printf '%s' "$NEO4J_AUTH" | sha256sum | cut -d' ' -f1)"
  if [[ -d "$DATA_DIR/databases/system" ]]; then
    if [[ ! -f "$AUTH_MARKER" ]]; then
      log "WARNING: data dir was first started without a password (NEO4J_AUTH=none?); user neo4j has"
      log "         Neo4j's default password and may be rejected. Delete $DATA_DIR to re-initialise."
    elif [[ "$(cat "$AUTH_MARKER")" != "$fingerprint" ]]; then
      log "WARNING: NEO4J_AUTH differs from the password this data dir was initialised with;"
      log "         the initial password cannot be changed after first start. Delete $DATA_DIR"
      log "         to re-initialise, or ALTER CURRENT USER SET PASSWORD via Cypher."
    fi
    return 0
  fi
  log "setting initial password for user neo4j"
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$CONF_DIR" "$jh/bin/java" -Xmx256m -cp "$LIB_DIR/*" "$ADMIN_CLASS" \
    dbms set-initial-password "$(auth_pass)" >>"$CONSOLE_LOG" 2>&1 \
    || { tail -n 30 "$CONSOLE_LOG" >&2; die "set-initial-password failed"; }
  printf '%s\n' "$fingerprint" >"$AUTH_MARKER"
}

need_driver() {
  command -v node >/dev/null 2>&1 || die "node not found (needed for the Bolt readiness probe)"
  [[ -d "$REPO_DIR/node_modules/neo4j-driver" ]] || die "neo4j-driver not installed (run npm ci in $REPO_DIR)"
}

wait_bolt() { # $1 = timeout seconds
  NEO4J_URI="bolt://127.0.0.1:$NEO4J_BOLT_PORT" NEO4J_AUTH="$NEO4J_AUTH" \
    node "$REPO_DIR/scripts/wait-bolt.mjs" --timeout "$1" --quiet
}

show_logs() {
  local f
  for f in "$CONSOLE_LOG" "$LOGS_DIR/neo4j.log"; do
    [[ -s "$f" ]] || continue
    printf '[neo4j] ---- last 60 lines of %s ----\n' "$f" >&2
    tail -n 60 "$f" >&2
  done
}

cmd_start() {
  if [[ -n "${NEO4J_URI:-}" ]]; then
    log "NEO4J_URI=$NEO4J_URI is set: using that Neo4j, nothing local is started"
    return 0
  fi
  check_auth
  need_driver
  mkdir -p "$HOME_DIR"
  # Serialise concurrent start/stop; fd 9 is closed for the server process below.
  exec 9>"$HOME_DIR/.lock"
  flock -w 300 9 || die "another neo4j.sh holds $HOME_DIR/.lock"

  local rc=0
  if is_running; then
    wait_bolt "$NEO4J_START_TIMEOUT" || rc=$?
    if ((rc == 0)); then
      log "already running (pid $(read_pid)), bolt://127.0.0.1:$NEO4J_BOLT_PORT"
      return 0
    fi
    ((rc == 4)) && die "running, but NEO4J_AUTH is rejected (see the password note at the top of $0)"
    show_logs
    die "process $(read_pid) is running but Bolt does not answer"
  fi
  rm -f "$PID_FILE"
  port_open && die "port $NEO4J_BOLT_PORT is already in use by another process"

  cmd_install
  local jh; jh="$(java_home)"
  write_conf
  init_auth "$jh"

  local -a jvm=(
    "-Xms$NEO4J_HEAP" "-Xmx$NEO4J_HEAP"
    -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
    -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  )
  # shellcheck disable=SC2206
  [[ -n "${NEO4J_JAVA_OPTS:-}" ]] && jvm+=($NEO4J_JAVA_OPTS)

  log "starting neo4j $(neo4j_version) (java $(java_major "$jh/bin/java"), heap $NEO4J_HEAP, pagecache $NEO4J_PAGECACHE, auth $([[ $NEO4J_AUTH == none ]] && echo off || echo on))"
  local t0=$SECONDS
  printf '==== %s start ====\n' "$(date -Is)" >>"$CONSOLE_LOG"
  # bash -c writes its own pid, then execs java: the pid file is the JVM's pid.
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$jh/bin/java" "${jvm[@]}" -cp "$LIB_DIR/*" "$MAIN_CLASS" \
    "--home-dir=$HOME_DIR" "--config-dir=$CONF_DIR" \
    </dev/null >>"$CONSOLE_LOG" 2>&1 9>&- &
  disown || true
  local i
  for i in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done

  # Probe in short rounds so that a JVM that dies early (bad config, port clash) fails fast.
  local deadline=$((SECONDS + NEO4J_START_TIMEOUT))
  while :; do
    rc=0
    wait_bolt 5 2>/dev/null || rc=$?
    ((rc == 0 || rc == 4)) && break
    is_running || break
    ((SECONDS < deadline)) || break
  done
  if ((rc != 0 && rc != 4)) && is_running; then rc=0; wait_bolt 1 || rc=$?; fi # show the last error
  if ((rc == 0)); then
    log "ready in $((SECONDS - t0)) s: bolt://127.0.0.1:$NEO4J_BOLT_PORT (pid $(read_pid), logs $LOGS_DIR)"
    return 0
  fi
  if ((rc == 4)); then
    log "server is up but NEO4J_AUTH is rejected; leaving it running (see the password note at the top of $0)"
    exit 1
  fi
  local why="did not accept a Bolt query within ${NEO4J_START_TIMEOUT} s"
  is_running || why="exited during startup"
  show_logs
  cmd_stop_locked >/dev/null 2>&1 || true
  die "neo4j $why"
}

cmd_stop_locked() {
  local pid; pid="$(read_pid)"
  if [[ -z "$pid" ]] || ! is_running; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + NEO4J_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after ${NEO4J_STOP_TIMEOUT} s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_stop() {
  mkdir -p "$HOME_DIR"
  exec 9>"$HOME_DIR/.lock"
  flock -w 120 9 || die "another neo4j.sh holds $HOME_DIR/.lock"
  cmd_stop_locked
}

cmd_status() {
  if is_running; then
    echo "running (pid $(read_pid), bolt://127.0.0.1:$NEO4J_BOLT_PORT, home $HOME_DIR)"
    return 0
  fi
  if [[ -n "${NEO4J_URI:-}" ]]; then
    echo "stopped (local); external NEO4J_URI=$NEO4J_URI is used instead"
  else
    echo "stopped"
  fi
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
