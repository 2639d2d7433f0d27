"""The monitor interface the VMM builds on: every trap reaches the attached monitor with the
state as before the trapping instruction; the monitor emulates and resumes; runs can be cut
into exact time slices; device accesses from user mode reach the monitor as page faults."""
from __future__ import annotations

import io

from isa import decode
from isa.machine import CAUSE_BY_NAME as C
from isa.machine import PSW_U, SR_NAMES
from toy32_llvm import build, symbols
from vmm.machine import ConsoleOutput, Machine, Stop, load_executable

GUEST = """
.text
.globl _start
_start:
    li s0, 0
    li s1, 200
loop:
    mfsr a0, scratch            # privileged: the monitor answers
    add s0, s0, a0
    li a1, CONSOLE_TX
    li a2, '.'
    sw a2, 0(a1)                # a device: the monitor emulates it
    addi s1, s1, -1
    bnez s1, loop
    halt                        # privileged too: the monitor stops the guest
"""


class ToyMonitor:
    """Runs the program in real user mode and emulates what traps."""

    def __init__(self, out: io.BytesIO):
        self.out = out
        self.traps: list[tuple[int, int, int]] = []

    def on_trap(self, m: Machine, cause: int, tval: int) -> None:
        self.traps.append((cause, tval, m.pc))
        word = m.peek_instruction(m.pc)
        d = decode(word)
        if cause == C["PRIVILEGED_INSTRUCTION"] and d.mnemonic == "mfsr":
            assert SR_NAMES[d.imm] == "scratch" and tval == word
            m.regs[d.rd] = 7
        elif cause == C["PRIVILEGED_INSTRUCTION"] and d.mnemonic == "halt":
            m.stop(Stop("halt", 0))
            return
        elif cause == C["PAGE_FAULT_STORE"] and d.mnemonic == "sw":
            self.out.write(bytes((m.regs[d.rs2] & 0xFF,)))
        else:
            raise AssertionError(f"unexpected trap {cause}")
        m.pc += 4
        m.retire()


def guest(tmp_path):
    elf = build(tmp_path, GUEST)
    m = Machine(console_out=ConsoleOutput(io.BytesIO()))
    m.pc = load_executable(m, str(elf)).entry
    m.set_psw(PSW_U)
    out = io.BytesIO()
    m.monitor = ToyMonitor(out)
    return m, out, symbols(elf)


def test_monitor_emulates_privileged_instructions_and_devices(tmp_path):
    m, out, syms = guest(tmp_path)
    stop = m.run()
    assert stop.kind == "halt"
    assert m.regs[8] == 200 * 7 and out.getvalue() == b"." * 200
    first = m.monitor.traps[0]
    assert first == (C["PRIVILEGED_INSTRUCTION"], m.peek_instruction(syms["loop"]), syms["loop"])
    assert m.monitor.traps[1] == (C["PAGE_FAULT_STORE"], 0xF0000000, syms["loop"] + 4 * 4)
    assert m.count == 2 + 200 * 7            # emulated instructions count as completed
    assert m.cause == 0 and m.epc == 0       # the machine itself took no trap


def test_time_slices_are_exact_and_do_not_change_the_result(tmp_path):
    whole, out_whole, _ = guest(tmp_path)
    whole.run()
    m, out, _ = guest(tmp_path)
    slices = 0
    while True:
        before = m.count
        stop = m.run(max_instructions=37)
        slices += 1
        if stop.kind != "limit":
            break
        assert m.count == before + 37
    assert (m.count, m.regs, out.getvalue()) == (whole.count, whole.regs, out_whole.getvalue())
    assert slices == -(-whole.count // 37)
