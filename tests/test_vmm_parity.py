"""Corners where the monitor used to part from the bare machine: an interrupt storm at the
instruction bound, a store through a translation the guest changed in place without tlbflush,
and a page-map entry that shares a page with kernel code under binary translation. Every
strategy must end exactly as bare does (output, status, registers, special registers, count)."""
from __future__ import annotations

import pytest

from vmm_support import PAGING, START, STRATEGIES, assemble, run_bare, run_vmm


PRINT_A1_AND_HALT = """
    stpmar zero               # translation off (the kernel's page is mapped at its own address)
    li t1, CONSOLE_TX
    sw a1, 0(t1)
    halt
handler:
    stpmar zero
    li a1, 'F'
    li t1, CONSOLE_TX
    sw a1, 0(t1)
    halt
"""


def assert_same_as_bare(elf, limit: int = 100_000) -> None:
    bare = run_bare(elf, limit=limit)
    for strategy in STRATEGIES:
        monitored = run_vmm([{"elf": elf}], limit=limit, strategy=strategy)[0][0]
        assert monitored.observable() == bare.observable(), strategy


def test_the_instruction_bound_during_an_interrupt_storm(tmp_path):
    """A timer due after every instruction: the run stops at exactly the bound, with the same
    state, never one emulated rti and one injected interrupt later."""
    elf = assemble(tmp_path, START.format(tvec="handler") + """
    li t0, 1
    li t1, TIMER_LOAD
    sw t0, 0(t1)
    li t0, PSW_IE
    mtsr psw, t0
spin:
    addi a0, a0, 1
    j spin
handler:
    li t0, 1
    li t1, TIMER_LOAD
    sw t0, 0(t1)
    addi a1, a1, 1
    rti
""")
    for limit in range(100, 124):
        assert_same_as_bare(elf, limit)


def test_a_store_through_a_stale_translation_completes_as_on_bare(tmp_path):
    """The kernel takes W away from its own page in place and stores without tlbflush: the
    processor still holds the old translation (SPEC leaves this open; toyvm keeps it until the
    flush, on the bare machine and under every strategy)."""
    elf = assemble(tmp_path, START.format(tvec="handler") + """
""" + PAGING.format(root_index=0, code_flags="PTE_V | PTE_R | PTE_W | PTE_X") + """
    li s0, 0x10800            # data in the kernel's own page
    li a0, 'a'
    sw a0, 0(s0)
    li t0, 0x10000 | PTE_V | PTE_R | PTE_X
    li t1, 0x21000 + (0x10 << 2)
    sw t0, 0(t1)              # no W any more, and no tlbflush
    li a0, 'b'
    sw a0, 0(s0)
    lw a1, 0(s0)
""" + PRINT_A1_AND_HALT)
    assert run_bare(elf).output == b"b"
    assert_same_as_bare(elf)


@pytest.mark.parametrize("entry", [0x0000400B, 0x0000300B], ids=["wrpsw", "rdpsw"])
def test_a_page_map_entry_that_looks_like_a_sensitive_instruction(tmp_path, entry):
    """The second-level map shares its page with kernel code, and one entry's bit pattern is a
    wrpsw/rdpsw (a V|R|X leaf for page 0x4000 or 0x3000): bt scans and patches that page, yet
    the walk, the kernel's load of the entry and an access through it see what the guest wrote."""
    elf = assemble(tmp_path, START.format(tvec="handler") + """
    li t0, 0x11000 | PTE_V
    li t1, 0x20000
    sw t0, 0(t1)              # root entry 0 -> the second-level map in page 0x11000
    li t0, 0x20000 | PMAR_ON
    stpmar t0
    call sub                  # kernel code in the map's own page: bt scans and patches it
    li t0, 0x12000
    lw a2, 0(t0)              # an access through the entry that looks like an instruction
    la t0, entry12
    lw a1, 0(t0)              # the entry itself, read back
    srli a1, a1, 12
    addi a1, a1, 'A'
""" + PRINT_A1_AND_HALT + f"""
    .balign 4096              # page 0x11000: the second-level map for 0..4M, and code
    .skip 0x10 * 4
    .word 0x10000 | PTE_V | PTE_R | PTE_W | PTE_X     # 0x10000: the kernel's first page
    .word 0x11000 | PTE_V | PTE_R | PTE_W | PTE_X     # 0x11000: this page
entry12:
    .word {entry:#x}                                    # 0x12000 -> page {entry >> 12:#x}, V|R|X
    .skip 0x100 - 0x13 * 4
sub:
    ret
""")
    assert run_bare(elf).output == bytes([ord("A") + (entry >> 12)])
    assert_same_as_bare(elf)
