"""The GDB remote serial protocol's framing: ``$data#cs`` packets, acknowledgements, the
interrupt byte, escapes and run-length encoding (the protocol of gdb's "Remote Protocol" appendix).

Bounds: a packet's data is at most ``MAX_PACKET`` bytes (announced to gdb as PacketSize); bytes
that would make a longer packet are dropped with the packet and answered with a nack, so a
client never makes the stub hold more than MAX_PACKET + a read's worth of bytes. A client that
goes away, or sends anything at all, never raises out of this module: ``receive`` answers
``None`` for a closed connection, and junk between packets is skipped.
"""
from __future__ import annotations

import select
import socket

MAX_PACKET = 16_384             # bytes of packet data, either way (gdb's PacketSize)
INTERRUPT = "\x03"              # what ``receive`` returns for gdb's Ctrl-C
_READ = 4096


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def escape(data: bytes) -> bytes:
    """Binary data for a packet: ``$``, ``#``, ``}`` and ``*`` as ``}`` and the byte xor 0x20."""
    out = bytearray()
    for byte in data:
        if byte in b"$#}*":
            out += bytes((0x7D, byte ^ 0x20))
        else:
            out.append(byte)
    return bytes(out)


def unescape(data: bytes) -> bytes:
    out = bytearray()
    it = iter(data)
    for byte in it:
        if byte == 0x7D:
            byte = next(it, 0x20) ^ 0x20
        out.append(byte)
    return bytes(out)


def expand_runs(data: bytes) -> bytes:
    """Undo run-length encoding (``X*n``: X repeated n - 29 more times); gdb does not send it,
    but the protocol allows it."""
    if b"*" not in data:
        return data
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0x2A and out and i + 1 < len(data):
            out += out[-1:] * max(0, min(data[i + 1] - 29, 97))
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out[:MAX_PACKET])


class Connection:
    """One gdb client on a connected socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.ack = True                    # until QStartNoAckMode
        self.closed = False
        self._buffer = bytearray()
        self._interrupts = 0               # Ctrl-C bytes seen while reading other things

    # --- low level ---------------------------------------------------------------------------------
    def _read(self, timeout: float | None) -> bool:
        """Read what arrived into the buffer; False when nothing came (timeout) or it closed."""
        if self.closed:
            return False
        try:
            if timeout is not None and not select.select([self.sock], [], [], timeout)[0]:
                return False
            chunk = self.sock.recv(_READ)
        except (OSError, ValueError):
            chunk = b""
        if not chunk:
            self.close()
            return False
        self._buffer += chunk
        return True

    def _write(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            self.sock.sendall(data)
        except (OSError, ValueError):
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    # --- packets ---------------------------------------------------------------------------------
    def send(self, data: str | bytes) -> None:
        """Send one packet (``str`` as latin-1); in ack mode, wait for gdb's ``+`` (once resent)."""
        body = data.encode("latin-1") if isinstance(data, str) else data
        frame = b"$" + body + b"#%02x" % checksum(body)
        for _ in range(2):
            self._write(frame)
            if not self.ack or self.closed:
                return
            if self._await_ack():
                return

    def _await_ack(self) -> bool:
        while not self.closed:
            while self._buffer:
                byte = self._buffer[0]
                if byte in b"+-":
                    del self._buffer[0]
                    return byte == 0x2B
                if byte == 0x03:
                    del self._buffer[0]
                    self._interrupts += 1
                    continue
                return True       # a packet already: gdb went on (treat as acknowledged)
            if not self._read(5.0):
                return True       # no answer: do not hang on a silent client
        return True

    def receive(self, timeout: float | None = None) -> str | None:
        """The next packet's data (latin-1), ``INTERRUPT`` for Ctrl-C, ``""`` on timeout,
        None once the connection is closed."""
        while True:
            if self._interrupts:
                self._interrupts -= 1
                return INTERRUPT
            packet = self._parse()
            if packet is not None:
                return packet
            if self.closed:
                return None
            if not self._read(timeout):
                return None if self.closed else ""

    def _parse(self) -> str | None:
        buf = self._buffer
        while buf:
            byte = buf[0]
            if byte == 0x03:
                del buf[0]
                return INTERRUPT
            if byte != 0x24:                              # junk, stray acks: skip to the next '$'
                start = buf.find(b"$")
                del buf[: start if start >= 0 else len(buf)]
                if byte == 0x03:
                    return INTERRUPT
                continue
            end = buf.find(b"#")
            if end < 0:
                if len(buf) > MAX_PACKET + 4:             # too long: drop it, ask again
                    del buf[:]
                    if self.ack:
                        self._write(b"-")
                return None
            if len(buf) < end + 3:
                return None
            body, given = bytes(buf[1:end]), bytes(buf[end + 1:end + 3])
            del buf[:end + 3]
            try:
                good = int(given, 16) == checksum(body)
            except ValueError:
                good = False
            if len(body) > MAX_PACKET:
                good = False
            if self.ack:
                self._write(b"+" if good else b"-")
            if good or not self.ack:
                return expand_runs(body).decode("latin-1")
        return None

    def interrupt_pending(self) -> bool:
        """A Ctrl-C (or the connection closing) arrived, without waiting; other bytes stay."""
        if self._interrupts:
            return True
        while len(self._buffer) <= 2 * MAX_PACKET and self._read(0):
            pass
        if 0x03 in self._buffer:
            at = self._buffer.find(b"\x03")
            # a 0x03 inside a packet (binary data) is not an interrupt; gdb sends none while running
            if self._buffer.rfind(b"$", 0, at) < 0 or self._buffer.rfind(b"#", 0, at) > self._buffer.rfind(b"$", 0, at):
                del self._buffer[at]
                self._interrupts += 1
                return True
        return self.closed
