"""Kernel-mode programs per trap cause: epc, cause, tval and psw as SPEC §2-§4 define them.

Programs are built with llvm-mc/ld.lld (tests/toy32_llvm.py); expected values come from the
symbols of the program and SPEC, never from a run."""
from __future__ import annotations

import pytest

from isa.machine import CAUSE_BY_NAME as C
from isa.machine import PSW_IE, PSW_PIE, PSW_PU, PSW_U
from toy32_llvm import build, symbols, word_at
from vmm.machine import Machine, load_executable

START = """
.text
.globl _start
_start:
    la t0, handler
    mtsr tvec, t0
"""
HANDLER = """
handler:
    halt
"""


def run(tmp_path, body, handler=HANDLER, **machine_options):
    elf = build(tmp_path, START + body + handler)
    m = Machine(**machine_options)
    m.pc = load_executable(m, str(elf)).entry
    stop = m.run(100_000)
    return m, symbols(elf), stop, elf


def test_halt_in_kernel_mode_stops_with_status_0(tmp_path):
    m, syms, stop, _ = run(tmp_path, "    li a0, 7\n    halt\n")
    assert (stop.kind, stop.status) == ("halt", 0)
    assert m.regs[10] == 7


@pytest.mark.parametrize("insn, cause", [("ecall", "SVC"), ("ebreak", "BREAKPOINT")])
def test_ecall_and_ebreak_trap_with_epc_of_the_instruction_and_tval_0(tmp_path, insn, cause):
    m, syms, stop, _ = run(tmp_path, f"    li a0, 1\nhere:\n    {insn}\n    li a0, 2\n")
    assert (m.cause, m.epc, m.tval, m.pc) == (C[cause], syms["here"], 0, syms["handler"] + 4)
    assert m.regs[10] == 1
    assert m.psw == 0                                   # kernel, IE off; PU = PIE = 0 (was kernel, IE off)


@pytest.mark.parametrize("word", [0x00000000, 0xFFFFFFFF, 0x30200073, 0x10500073, 0x34011173, 0x0000f00b])
def test_undecodable_words_csr_mret_wfi_are_illegal_with_the_word_in_tval(tmp_path, word):
    # mret (0x30200073), wfi (0x10500073), csrrw sp, mscratch, sp, a custom-0 word TOY32 leaves unused
    m, syms, stop, _ = run(tmp_path, f"here:\n    .word {word:#x}\n")
    assert (m.cause, m.epc, m.tval) == (C["ILLEGAL_INSTRUCTION"], syms["here"], word)


def test_hypercall_raises_virtualization_trap_even_in_kernel_mode(tmp_path):
    m, syms, stop, elf = run(tmp_path, "here:\n    hypercall\n")
    assert (m.cause, m.epc, m.tval) == (C["VIRTUALIZATION_TRAP"], syms["here"], word_at(elf, syms["here"]))


@pytest.mark.parametrize("insn, addr, cause", [
    ("lw a0, 0(a1)", 0x2002, "MISALIGNED_LOAD"), ("lh a0, 0(a1)", 0x2001, "MISALIGNED_LOAD"),
    ("lhu a0, 0(a1)", 0x2003, "MISALIGNED_LOAD"), ("sw a0, 0(a1)", 0x2001, "MISALIGNED_STORE"),
    ("sh a0, 0(a1)", 0x2003, "MISALIGNED_STORE"),
    ("lw a0, 0(a1)", 0x01000000, "BUS_ERROR"), ("sb a0, 0(a1)", 0x01000000, "BUS_ERROR"),
    ("lw a0, 0(a1)", 0xF0000100, "BUS_ERROR"),          # device page, no register there
    ("lb a0, 0(a1)", 0xF0000004, "BUS_ERROR"),          # device register, not a word access
    ("sh a0, 0(a1)", 0xF0000000, "BUS_ERROR"),
    ("lw a0, 0(a1)", 0xF0000006, "MISALIGNED_LOAD"),    # alignment is checked first
])
def test_misaligned_and_bus_errors_are_precise(tmp_path, insn, addr, cause):
    body = f"    li a1, {addr:#x}\n    li a0, 99\nhere:\n    {insn}\n    li a0, 5\n"
    m, syms, stop, _ = run(tmp_path, body)
    assert (m.cause, m.epc, m.tval) == (C[cause], syms["here"], addr)
    assert m.regs[10] == 99                             # the faulting instruction had no effect
    assert m.count == (syms["here"] - syms["_start"]) // 4 + 1   # all before it, and the halt


def test_misaligned_jump_target_faults_on_fetch(tmp_path):
    body = "    la a1, target\n    addi a1, a1, 2\nhere:\n    jalr ra, 0(a1)\ntarget:\n    nop\n"
    m, syms, stop, _ = run(tmp_path, body)
    assert (m.cause, m.epc, m.tval) == (C["MISALIGNED_FETCH"], syms["target"] + 2, syms["target"] + 2)
    assert m.regs[1] == syms["here"] + 4                # the jump itself completed


def test_fetch_outside_ram_is_a_bus_error(tmp_path):
    m, syms, stop, _ = run(tmp_path, "    li a1, 0x2000000\n    jr a1\n", mem_size=1 << 20)
    assert (m.cause, m.epc, m.tval) == (C["BUS_ERROR"], 0x2000000, 0x2000000)


def test_rti_enters_user_mode_and_privileged_instructions_trap_there(tmp_path):
    body = """
    la t0, user
    mtsr epc, t0
    li t0, PSW_PU | PSW_PIE
    mtsr psw, t0
    rti
user:
    li a0, 1
    mtsr scratch, a0       # privileged: nothing happens
    li a0, 2
"""
    handler = """
handler:
    mfsr s0, psw
    halt
"""
    m, syms, stop, elf = run(tmp_path, body, handler)
    here = syms["user"] + 4
    assert (m.cause, m.epc, m.tval) == (C["PRIVILEGED_INSTRUCTION"], here, word_at(elf, here))
    assert m.scratch == 0 and m.regs[10] == 1
    # trap entry: PU <- U (1), PIE <- IE (1 after rti), U <- 0, IE <- 0
    assert m.regs[8] == PSW_PU | PSW_PIE


@pytest.mark.parametrize("insn", ["ldpmar a0", "stpmar a0", "tlbflush", "halt", "rti", "mfsr a0, epc",
                                  "mtsr tvec, a0"])
def test_each_privileged_instruction_traps_in_user_mode_and_does_nothing(tmp_path, insn):
    body = f"""
    la t0, user
    mtsr epc, t0
    li t0, PSW_PU
    mtsr psw, t0
    li a0, 0x5000
    rti
user:
    {insn}
"""
    m, syms, stop, elf = run(tmp_path, body)
    assert (m.cause, m.epc, m.tval) == (C["PRIVILEGED_INSTRUCTION"], syms["user"], word_at(elf, syms["user"]))
    assert m.pmar == 0 and m.regs[10] == 0x5000 and m.tvec == syms["handler"]


def test_mtsr_psw_user_takes_effect_at_the_next_instruction(tmp_path):
    body = """
    li t0, PSW_U
    mtsr psw, t0
next:
    mfsr a0, psw
"""
    m, syms, stop, elf = run(tmp_path, body)
    assert (m.cause, m.epc) == (C["PRIVILEGED_INSTRUCTION"], syms["next"])
    assert m.psw == PSW_PU


def test_special_registers_read_back_and_psw_keeps_only_its_bits(tmp_path):
    body = """
    li t0, 0x12345678
    mtsr scratch, t0
    mfsr a0, scratch
    li t0, 0xFFFFFFFE          # every bit but U
    mtsr psw, t0
    mfsr a1, psw
    rdpsw a2
    mfsr a3, tvec
    halt
"""
    m, syms, stop, _ = run(tmp_path, body)
    assert m.regs[10] == 0x12345678
    assert m.regs[11] == m.regs[12] == PSW_IE | PSW_PU | PSW_PIE
    assert m.regs[13] == syms["handler"]


USER_THEN = """
    la t0, user
    mtsr epc, t0
    li t0, PSW_PU | PSW_PIE
    mtsr psw, t0
    rti
user:
"""


def test_rdpsw_in_user_mode_leaks_u_and_wrpsw_is_silently_ignored(tmp_path):
    body = USER_THEN + """
    rdpsw a0
    li a1, 0
    wrpsw a1              # 'disable interrupts': lost, no trap
    rdpsw a2
    ecall
"""
    m, syms, stop, _ = run(tmp_path, body)
    assert m.regs[10] & (PSW_U | PSW_IE) == PSW_U | PSW_IE   # rti left PU/PIE as they were
    assert m.regs[12] == m.regs[10]
    assert m.cause == C["SVC"] and m.psw & (PSW_PIE | PSW_PU) == PSW_PIE | PSW_PU


def test_rdpsw_wrpsw_in_kernel_mode_read_psw_and_change_only_ie(tmp_path):
    body = """
    li a1, PSW_IE | PSW_U | PSW_PU
    wrpsw a1
    rdpsw a0
    li a1, 0
    wrpsw a1
    rdpsw a2
    halt
"""
    m, syms, stop, _ = run(tmp_path, body)
    assert (m.regs[10], m.regs[12]) == (PSW_IE, 0)


@pytest.mark.parametrize("insn", ["rdpsw a0", "wrpsw a1"])
def test_hardware_assist_makes_rdpsw_wrpsw_trap_in_user_mode(tmp_path, insn):
    body = USER_THEN + f"    li a0, 3\nhere:\n    {insn}\n"
    m, syms, stop, elf = run(tmp_path, body, hw_assist=True)
    assert (m.cause, m.epc, m.tval) == (C["VIRTUALIZATION_TRAP"], syms["here"], word_at(elf, syms["here"]))
    assert m.regs[10] == 3


def test_hardware_assist_leaves_kernel_mode_rdpsw_alone(tmp_path):
    m, syms, stop, _ = run(tmp_path, "    rdpsw a0\n    halt\n", hw_assist=True)
    assert stop.kind == "halt" and m.regs[10] == 0


def test_trap_loop_without_handler_is_a_crash_report(tmp_path):
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    ecall\n")   # tvec = 0: RAM there is 0 = illegal
    m = Machine()
    m.pc = load_executable(m, str(elf)).entry
    stop = m.run(1000)
    assert stop.kind == "crash"
    assert "trap loop" in stop.message and "ILLEGAL_INSTRUCTION" in stop.message
    assert m.cause == C["SVC"]
