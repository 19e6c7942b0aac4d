"""Supervisor for the Milvus 2.3.5 standalone server of PyPI `milvus` (run by scripts/milvus-standalone.sh).

Why a supervisor and not the package's `milvus-server` command:
- Milvus 2.3's gRPC servers listen on every interface (":port"; no setting changes that) and the
  package's launcher picks free ports by itself (its HTTP port always from 9091 up). Here the server
  runs in a private network namespace (loopback only: nothing outside this machine, nor any other
  process on it, can reach its ten ports), and this process forwards exactly two ports from
  127.0.0.1 on the host into it: the client gRPC port and the HTTP port (/healthz, /metrics).
- The package's launcher stops the server with SIGTERM and SIGKILLs it one second later; here a
  SIGTERM is passed on and the server gets MILVUS_STOP_TIMEOUT to shut down cleanly.

Usage: python milvus_standalone.py prepare <home>
       python milvus_standalone.py run <home> <host-port> <http-port> <pid-file> <server-pid-file>
`prepare` unpacks the server binary and libraries into <home>/bin (install time). `run` renders the
configuration (data, logs, rocksmq, embedded etcd under <home>) and serves until SIGTERM.
"""

import asyncio
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys

import milvus  # the PyPI package: its config template, its renderer and its packed binaries

CLONE_NEWNET = 0x40000000
LOOPBACK = "127.0.0.1"
# Ports inside the namespace. Nothing else lives there, so any values would do; they are set (every
# one of them, including the embedded etcd's client and peer ports) so none is left to a default.
INNER = {
    "proxy_port": 20400,
    "proxy_internal_port": 20401,
    "http_port": 20402,
    "etcd_client": 20403,
    "etcd_peer": 20404,
    "root_coord_port": 20405,
    "query_coord_port": 20406,
    "query_node_port": 20407,
    "index_coord_port": 20408,
    "index_node_port": 20409,
    "data_coord_port": 20410,
    "data_node_port": 20411,
}
COMPONENTS = ("rootCoord", "proxy", "queryCoord", "queryNode", "indexCoord", "indexNode", "dataCoord", "dataNode")


def log(msg):
    print(f"[milvus-standalone] {msg}", file=sys.stderr, flush=True)


def prepare(home):
    os.makedirs(home, exist_ok=True)
    # Unpacks <pkg>/data/bin/*.lzma into <home>/bin, skipping files whose checksum is unchanged.
    milvus._initialize_data_files(home)


def render_config(home):
    cfg = milvus.MilvusServerConfig(
        data_dir=home,
        **{k: v for k, v in INNER.items() if k.endswith("_port") and k != "http_port"},
    )
    # Each component registers this address in etcd (default: the first non-loopback address).
    for comp in COMPONENTS:
        cfg.set(f"{comp}.ip", LOOPBACK)
    # A clean stop must not hang for the default 30 minutes.
    cfg.set("common.gracefulStopTimeout", 20)
    cfg.resolve()  # checks the ports are free (inside the namespace), writes configs/milvus.yaml
    # The embedded etcd reads its listeners from a file of its own (etcd.config.path, absent from
    # the package's template): without it, it listens on 2379/2380.
    etcd_yaml = os.path.join(home, "configs", "etcd.yaml")
    milvus_yaml = os.path.join(home, "configs", "milvus.yaml")
    with open(milvus_yaml, encoding="utf-8") as f:
        text = f.read()
    if "\netcd:\n" not in text:
        raise SystemExit(f"unexpected config template: no top-level etcd section in {milvus_yaml}")
    text = text.replace("\netcd:\n", f"\netcd:\n  config:\n    path: {etcd_yaml}\n", 1)
    with open(milvus_yaml, "w", encoding="utf-8") as f:
        f.write(text)
    client = f"http://{LOOPBACK}:{INNER['etcd_client']}"
    peer = f"http://{LOOPBACK}:{INNER['etcd_peer']}"
    with open(etcd_yaml, "w", encoding="utf-8") as f:
        f.write(
            f"listen-client-urls: {client}\nadvertise-client-urls: {client}\n"
            f"listen-peer-urls: {peer}\ninitial-advertise-peer-urls: {peer}\n"
            f"initial-cluster: default={peer}\n"
        )


def enter_private_network():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise SystemExit(
            f"cannot create a private network namespace ({os.strerror(err)}): Milvus 2.3.5 listens on all "
            "interfaces and is only started isolated; run as root (or with CAP_SYS_ADMIN)"
        )
    # A new namespace's loopback interface is down: bring it up (SIOCGIFFLAGS / SIOCSIFFLAGS).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, req))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


def forwarder(inner_port):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(LOOPBACK, inner_port)
        except OSError:
            client_writer.close()
            return
        sock = server_writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    return handle


def listen_on_host(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((LOOPBACK, port))
    except OSError as e:
        raise SystemExit(f"PORT_IN_USE: cannot listen on {LOOPBACK}:{port} ({e.strerror})") from e
    s.listen(128)
    return s


async def serve(home, host_port, http_port, server_pid_file, stop_timeout):
    env = dict(os.environ)
    bin_dir = os.path.join(home, "bin")
    env.update(
        DEPLOY_MODE="STANDALONE",
        METRICS_PORT=str(INNER["http_port"]),
        MILVUS_RUN_DIR=os.path.join(home, "run"),
        LD_LIBRARY_PATH=bin_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else ""),
    )
    out = open(os.path.join(home, "logs", "milvus-stdout.log"), "ab")
    proc = subprocess.Popen(
        [os.path.join(bin_dir, "milvus"), "run", "standalone"],
        cwd=home, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
    )
    with open(server_pid_file, "w", encoding="utf-8") as f:
        f.write(str(proc.pid))
    log(f"server pid {proc.pid}; forwarding {LOOPBACK}:{host_port} (gRPC) and {LOOPBACK}:{http_port} (HTTP)")

    servers = [
        await asyncio.start_server(forwarder(INNER["proxy_port"]), sock=SOCKETS["grpc"]),
        await asyncio.start_server(forwarder(INNER["http_port"]), sock=SOCKETS["http"]),
    ]
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    exited = loop.run_in_executor(None, proc.wait)
    stop_wait = asyncio.ensure_future(stopping.wait())
    await asyncio.wait([exited, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    for s in servers:
        s.close()
    if not exited.done():
        log(f"SIGTERM to server pid {proc.pid}")
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(exited), stop_timeout)
        except asyncio.TimeoutError:
            log(f"server still alive after {stop_timeout}s: SIGKILL")
            proc.kill()
            await exited
    code = proc.returncode
    note = ""
    if stopping.is_set() and code == -signal.SIGABRT:
        # Seen at the end of every SIGTERM shutdown of 2.3.5 here, after "All nodes have stopped":
        # a panic in CloseEtcdClient (embedded etcd). Data written before the stop is kept (tested).
        note = " (SIGABRT: 2.3.5's panic closing its embedded etcd client at the end of a stop)"
    log(f"server exited with {code}{note}")
    return 0 if stopping.is_set() else (code or 1)


SOCKETS = {}


def run(home, host_port, http_port, pid_file, server_pid_file):
    stop_timeout = float(os.environ.get("MILVUS_STOP_TIMEOUT", "30"))
    # Host-side listeners first (in this machine's network namespace), then the private one.
    SOCKETS["grpc"] = listen_on_host(host_port)
    SOCKETS["http"] = listen_on_host(http_port)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if os.getsid(0) != os.getpid():
        os.setsid()  # detached from the caller's terminal and process group
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))
    enter_private_network()
    prepare(home)
    render_config(home)
    sys.exit(asyncio.run(serve(home, host_port, http_port, server_pid_file, stop_timeout)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    elif len(sys.argv) == 7 and sys.argv[1] == "run":
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
