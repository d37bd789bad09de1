"""Shared set-up for the loopback test servers: dependency check and a free 127.0.0.1 port."""
import signal
import socket
import sys

# A parent (e.g. a Swift test runner thread) may have blocked SIGTERM/SIGINT; the mask is inherited. Unblock them so
# the server stops when asked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

PIP = "pip install openpi-client openpi-server fastapi uvicorn json-numpy numpy msgpack pillow"


def require(*modules):
    missing = []
    for m in modules:
        try:
            __import__(m)
        except ImportError:
            missing.append(m)
    if missing:
        sys.stderr.write(f"MISSING python modules {', '.join(missing)}: {PIP}\n")
        sys.stderr.flush()
        sys.exit(3)


def loopback_socket(port=0):
    """A listening-ready socket bound to 127.0.0.1 on `port` (0: a free one; only loopback is ever used)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux. uvicorn does not set it on sockets it is handed, and without it
    # every small response waits ~40 ms for the client's delayed ACK (Nagle).
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind(("127.0.0.1", port))
    return s


def announce(port):
    print(f"PORT {port}", flush=True)
