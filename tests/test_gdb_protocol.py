"""The remote protocol against hostile and careless clients, on raw sockets: malformed packets,
bad checksums, over-long packets, a second client, Ctrl-C, a client that goes away mid-run. Never
a traceback, never a hang: the machine runs on to its own end."""
from __future__ import annotations

import socket
import time

import pytest

from gdb_session import TRAPPER, TRAPPER_OUTPUT, TRAPPER_STATUS, build_kernel, start_toyvm

SPIN = """
    .text
    .globl _start
_start:
    addi    s0, s0, 1
    j       _start
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    d = tmp_path_factory.mktemp("gdbproto")
    return build_kernel(d, "trapper", TRAPPER), build_kernel(d, "spin", SPIN)


class Client:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("localhost", port), timeout=10)
        self.buffer = b""

    def raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, data: str) -> None:
        body = data.encode("latin-1")
        self.raw(b"$" + body + b"#%02x" % (sum(body) & 0xFF))

    def reply(self) -> str:
        """The next packet's data (acks skipped; each packet acknowledged)."""
        while True:
            start = self.buffer.find(b"$")
            end = self.buffer.find(b"#", start)
            if start >= 0 and end >= 0 and len(self.buffer) >= end + 3:
                body, self.buffer = self.buffer[start + 1:end], self.buffer[end + 3:]
                self.raw(b"+")
                return body.decode("latin-1")
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk

    def ask(self, data: str) -> str:
        self.send(data)
        return self.reply()

    def close(self) -> None:
        self.sock.close()


def finish(proc):
    out, err = proc.communicate(timeout=60)
    err = err.decode()
    assert "Traceback" not in err, err
    return out, err, proc.returncode


def test_malformed_packets_get_errors_not_tracebacks(kernels):
    trapper, _ = kernels
    proc, port = start_toyvm([trapper.path])
    c = Client(port)
    c.raw(b"garbage without a dollar +-+")
    c.raw(b"$g#00")                                   # bad checksum: a nack, then nothing
    assert c.sock.recv(1) == b"-"
    for packet in ["m", "mzz,4", "m10000", "M10000,4:zz", "X10000,4:", "p", "pzz", "P999=00000000", "Pzz",
                   "G12", "Z0,zz", "Z9,1000,4", "z2,1000", "Hgq", "T", "qXfer:features:read:target.xml:zz",
                   "qRcmd,zz", "vCont;x", "H" + "1" * 40, "m" + "f" * 30 + ",4"]:
        answer = c.ask(packet)
        assert answer == "" or answer.startswith("E") or answer == "OK", (packet, answer)
    output = c.ask("qRcmd," + b"phys".hex())               # a monitor command missing its argument
    assert bytes.fromhex(output[1:]).startswith(b"usage error") and c.reply() == "OK"
    assert c.ask("qC") == "QC1"                       # the stub still answers sensibly
    assert c.ask("m10000,4") == first_word(trapper)
    c.raw(b"$" + b"x" * 40000)                        # longer than any packet: dropped, bounded
    c.raw(b"#00")
    assert c.ask("?").startswith("T05")
    c.send("c")
    assert c.reply() == f"W{TRAPPER_STATUS:02x}"
    c.close()
    out, err, status = finish(proc)
    assert out == TRAPPER_OUTPUT and status == TRAPPER_STATUS


def first_word(kernel) -> str:
    """The first instruction as gdb's m packet shows it (little-endian hex), read by the machine."""
    from vmm.machine import Machine
    from vmm.machine.boot import boot
    machine = Machine()
    boot(machine, str(kernel.path), [])
    return machine.mem.read(machine.pc, 4).hex()


def test_ctrl_c_interrupts_and_a_second_client_is_turned_away(kernels):
    _, spin = kernels
    proc, port = start_toyvm([spin.path])
    c = Client(port)
    assert c.ask("QStartNoAckMode") == "OK"
    c.send("c")
    time.sleep(0.3)
    second = socket.create_connection(("localhost", port), timeout=10)
    try:
        second.sendall(b"$?#3f")
        assert second.recv(100) == b""                 # closed at once
    except (ConnectionResetError, BrokenPipeError):
        pass                                           # or reset: turned away either way
    second.close()
    c.raw(b"\x03")
    assert c.reply().startswith("T02")
    count = int.from_bytes(bytes.fromhex(c.ask("p8")), "little")    # s0 counts the loop
    assert count > 0
    c.send("k")
    c.close()
    out, err, status = finish(proc)
    assert status == 137 and "killed by gdb" in err


def test_a_client_that_goes_away_mid_run_leaves_the_machine_running(kernels):
    trapper, _ = kernels
    proc, port = start_toyvm([trapper.path])
    c = Client(port)
    c.ask("qSupported")
    c.ask("Z0,%x,4" % 0xFFFF0)                          # a breakpoint never reached
    c.send("c")
    c.close()
    out, err, status = finish(proc)
    assert out == TRAPPER_OUTPUT and status == TRAPPER_STATUS


def test_a_client_that_goes_away_while_stopped(kernels):
    trapper, _ = kernels
    proc, port = start_toyvm([trapper.path])
    c = Client(port)
    c.raw(b"$qSupp")                                    # half a packet, then gone
    c.close()
    out, err, status = finish(proc)
    assert out == TRAPPER_OUTPUT and status == TRAPPER_STATUS
