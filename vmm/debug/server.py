"""The listening socket: ``[HOST:]PORT`` (localhost by default; port 0 picks a free one), one gdb
client at a time. A second client that connects while one is attached is turned away at once
(its connection closed), as QEMU's stub serves one."""
from __future__ import annotations

import socket

from .protocol import Connection

DEFAULT_HOST = "localhost"


def parse_address(text: str) -> tuple[str, int]:
    """``PORT``, ``:PORT`` or ``HOST:PORT``; ValueError with a message otherwise."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or DEFAULT_HOST
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not [HOST:]PORT (e.g. 1234 or localhost:1234)")
    return host, int(port)


class Server:
    def __init__(self, host: str, port: int):
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        self.sock = socket.socket(family, kind, proto)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind(address)
            self.sock.listen(2)
        except OSError:
            self.sock.close()
            raise
        self.host = host
        self.port = self.sock.getsockname()[1]

    def accept(self) -> Connection:
        """Wait for the first client."""
        sock, _ = self.sock.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return Connection(sock)

    def turn_away(self) -> None:
        """Close the connections of clients that came while one is attached (never blocks)."""
        self.sock.setblocking(False)
        try:
            for _ in range(16):
                sock, _ = self.sock.accept()
                sock.close()
        except OSError:
            pass
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()
