"""Devices (SPEC §6) and interrupts (§4): the instruction-counting timer, IE masking, the
console, power-off. Expected epc values follow from the program layout and SPEC's counting rule:
TIMER_LOAD N makes TIMER due once N more instructions have completed after the store."""
from __future__ import annotations

import io

import pytest

from isa.machine import CAUSE_BY_NAME as C
from isa.machine import DEVICE_BITS, PSW_PIE
from toy32_llvm import build, symbols
from vmm.machine import ConsoleInput, ConsoleOutput, Machine, load_executable

START = """
.text
.globl _start
_start:
    la t0, handler
    mtsr tvec, t0
"""
NOPS = "    nop\n" * 40


def run(tmp_path, body, handler="handler:\n    halt\n", stdin=b"", limit=100_000):
    elf = build(tmp_path, START + body + handler)
    out = io.BytesIO()
    m = Machine(console_in=ConsoleInput.from_bytes(stdin), console_out=ConsoleOutput(out))
    m.pc = load_executable(m, str(elf)).entry
    stop = m.run(limit)
    return m, symbols(elf), stop, out.getvalue()


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_timer_fires_after_exactly_n_completed_instructions(tmp_path, n):
    body = f"""
    li t0, PSW_IE
    mtsr psw, t0
    li a1, TIMER_LOAD
    li a0, {n}
store:
    sw a0, 0(a1)
{NOPS}
"""
    m, syms, stop, _ = run(tmp_path, body)
    assert (m.cause, m.tval) == (C["TIMER"], 0)
    assert m.epc == syms["store"] + 4 + 4 * n          # n nops completed, the next one did not run
    assert m.psw == PSW_PIE


def test_timer_now_counts_completed_instructions(tmp_path):
    body = "    nop\n    nop\n    li a1, TIMER_NOW\nhere:\n    lw a0, 0(a1)\n    lw a2, 0(a1)\n    halt\n"
    m, syms, stop, _ = run(tmp_path, body)
    assert m.regs[10] == (syms["here"] - syms["_start"]) // 4
    assert m.regs[12] == m.regs[10] + 1


def test_interrupt_pending_while_ie_is_0_is_taken_right_after_ie_is_set(tmp_path):
    body = """
    li a1, TIMER_LOAD
    li a0, 2
    sw a0, 0(a1)
    nop
    nop
    nop                     # due here, but IE = 0: pending
    nop
    li t0, PSW_IE
    wrpsw t0
after:
    nop
"""
    m, syms, stop, _ = run(tmp_path, body)
    assert (m.cause, m.epc) == (C["TIMER"], syms["after"])


@pytest.mark.parametrize("value", [0, 50])
def test_any_timer_load_write_clears_a_pending_timer(tmp_path, value):
    body = f"""
    li a1, TIMER_LOAD
    li a0, 1
    sw a0, 0(a1)
    nop
    nop                      # pending now
    li a0, {value}
    sw a0, 0(a1)             # cleared (and disarmed, or re-armed far away)
    li t0, PSW_IE
    mtsr psw, t0
    nop
    nop
    halt
"""
    m, syms, stop, _ = run(tmp_path, body)
    assert stop.kind == "halt" and m.cause == 0


def test_periodic_timer_with_rti_resumes_the_interrupted_program(tmp_path):
    body = """
    li s0, 0
    li s1, 0
    li a1, TIMER_LOAD
    li a0, 10
    sw a0, 0(a1)
    li t0, PSW_IE
    mtsr psw, t0
loop:
    addi s1, s1, 1
    li t1, 3
    bne s0, t1, loop
    halt
"""
    handler = """
handler:
    addi s0, s0, 1
    li a0, 10
    sw a0, 0(a1)
    rti
"""
    m, syms, stop, _ = run(tmp_path, body, handler)
    assert stop.kind == "halt" and m.regs[8] == 3
    assert m.stats.traps[C["TIMER"]] == 3
    m2, _, _, _ = run(tmp_path, body, handler)
    assert (m2.count, m2.regs[9]) == (m.count, m.regs[9])     # deterministic


def test_console_output_and_power_off_status(tmp_path):
    body = """
    li a1, CONSOLE_TX
    li a0, 'h'
    sw a0, 0(a1)
    li a0, 'i'
    sw a0, 0(a1)
    li a1, POWER_OFF
    li a0, 42
    sw a0, 0(a1)
    li a0, 99                # never runs
"""
    m, syms, stop, out = run(tmp_path, body)
    assert (stop.kind, stop.status, out) == ("power_off", 42, b"hi")
    assert m.regs[10] == 42


def test_console_input_status_rx_and_eof(tmp_path):
    body = """
    li a1, CONSOLE_STATUS
    li a2, CONSOLE_RX
    lw s0, 0(a1)            # ready
    lw s1, 0(a2)            # 'x'
    lw s2, 0(a1)            # ready
    lw s3, 0(a2)            # 'y'
    lw s4, 0(a1)            # eof
    halt
"""
    m, syms, stop, _ = run(tmp_path, body, stdin=b"xy")
    ready, eof = DEVICE_BITS["CONSOLE_RX_READY"][0], DEVICE_BITS["CONSOLE_EOF"][0]
    assert m.regs[8] == ready and m.regs[9] == ord("x")
    assert m.regs[18] == ready and m.regs[19] == ord("y")
    assert m.regs[20] == eof


def test_console_interrupt_when_enabled_and_input_waits(tmp_path):
    body = """
    li t0, PSW_IE
    mtsr psw, t0
    li a1, CONSOLE_CTRL
    li a0, CONSOLE_RX_IRQ
enable:
    sw a0, 0(a1)
after:
    nop
"""
    handler = """
handler:
    li a1, CONSOLE_RX
    lw s0, 0(a1)
    halt
"""
    m, syms, stop, _ = run(tmp_path, body, handler, stdin=b"k")
    assert (m.cause, m.epc, m.regs[8]) == (C["CONSOLE"], syms["after"], ord("k"))
    m, syms, stop, _ = run(tmp_path, body + "    halt\n", handler, stdin=b"")   # no input: no interrupt
    assert m.cause == 0 and m.regs[8] == 0
