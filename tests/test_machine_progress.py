"""A kernel that can no longer make progress is stopped with a report that says why, and the
bare machine and the monitor (every strategy) say the same: the trap-loop and no-progress rules
of isa/privileged.py, and the page walk a crash report explains."""
from __future__ import annotations

import re

import pytest

from toy32_llvm import symbols
from vmm_support import PAGING, START, STRATEGIES, assemble, run_bare, run_vmm


def outcomes(tmp_path, source: str):
    """The bare outcome, each strategy's, and the kernel's symbols."""
    elf = assemble(tmp_path, source)
    bare = run_bare(elf, limit=200_000)
    bare.symbols = symbols(elf)
    return bare, {s: run_vmm([{"elf": elf}], limit=200_000, strategy=s)[0][0] for s in STRATEGIES}


def same_everywhere(bare, monitored) -> None:
    """Every strategy ends as bare does, with the same crash report (but for the guest's name)."""
    for strategy, outcome in monitored.items():
        assert outcome.observable() == bare.observable(), strategy
        if bare.kind == "crash":
            assert outcome.message.replace("toyvm: guest1: ", "toyvm: ") == bare.message, strategy


def test_a_handler_that_faults_on_every_entry_is_stopped(tmp_path):
    """A misaligned kernel stack: each trap entry completes one instruction, then faults again
    (the trap-loop rule alone never fires, and the run used to go on forever)."""
    bare, monitored = outcomes(tmp_path, START.format(tvec="handler") + """
    li sp, 0x20002
    ecall
    halt
handler:
    addi sp, sp, -16
store:
    sw ra, 0(sp)
    rti
""")
    assert bare.kind == "crash" and bare.status == 125
    assert f"no progress: MISALIGNED_STORE at pc={bare.symbols['store']:08x} 1000 times in a row" in bare.message
    assert "--max-repeated-faults" in bare.message
    same_everywhere(bare, monitored)


def test_a_page_fault_handler_that_maps_the_wrong_flags_is_stopped_with_the_walk(tmp_path):
    bare, monitored = outcomes(tmp_path, START.format(tvec="handler") + """
""" + PAGING.format(root_index=0, code_flags="PTE_V | PTE_R | PTE_X") + """
    li s0, 0x30000
    sw zero, 0(s0)          # not mapped: the handler maps it, read-only by mistake
    halt
handler:
    li t0, 0x30000 | PTE_V | PTE_R
    li t1, 0x21000 + (0x30 << 2)
    sw t0, 0(t1)
    tlbflush
    rti
""")
    assert bare.kind == "crash"
    assert re.search(r"no progress: PAGE_FAULT_STORE at pc=\w+ 1000 times in a row", bare.message)
    assert "second-level entry 48 at 000210c0" in bare.message
    assert "-> refused: PTE_W is clear" in bare.message
    same_everywhere(bare, monitored)


def test_a_root_entry_with_flags_is_explained_as_no_superpages(tmp_path):
    bare, monitored = outcomes(tmp_path, START.format(tvec="_start") + """
    li t0, 0x21000 | PTE_V | PTE_R | PTE_X     # a superpage, which TOY32 does not have
    li t1, 0x20000
    sw t0, 0(t1)
    li t0, 0x20000 | PMAR_ON
    stpmar t0
    halt
""")
    assert bare.kind == "crash" and "trap loop" in bare.message and "PAGE_FAULT_FETCH" in bare.message
    assert "root entry 0 at 00020000 = 0002100b (V|R|X)" in bare.message
    assert "no superpages" in bare.message
    same_everywhere(bare, monitored)


def test_kernel_text_without_execute_permission_is_explained(tmp_path):
    bare, monitored = outcomes(tmp_path, START.format(tvec="_start") + """
""" + PAGING.format(root_index=0, code_flags="PTE_V | PTE_R") + """
    halt
""")
    assert bare.kind == "crash" and "trap loop" in bare.message
    assert "kernel-mode execute of" in bare.message and "-> refused: PTE_X is clear" in bare.message
    same_everywhere(bare, monitored)


def test_no_trap_handler_gives_a_hint(tmp_path):
    bare, monitored = outcomes(tmp_path, ".text\n.globl _start\n_start:\n    ebreak\n")
    assert "trap loop" in bare.message and "hint: tvec is 0" in bare.message
    same_everywhere(bare, monitored)


def test_polling_with_ecall_at_one_pc_is_not_a_lack_of_progress(tmp_path):
    """The same ecall again and again is a program's loop, not a fault: it runs to its limit."""
    bare, monitored = outcomes(tmp_path, START.format(tvec="handler") + """
poll:
    ecall
    j poll
handler:
    mfsr t0, epc
    addi t0, t0, 4
    mtsr epc, t0
    rti
""")
    assert bare.kind == "limit"
    same_everywhere(bare, monitored)


@pytest.mark.parametrize("limit", [0, 5000])
def test_the_bound_can_be_changed(tmp_path, limit):
    elf = assemble(tmp_path, START.format(tvec="handler") + """
    li sp, 0x20002
    ecall
handler:
    addi sp, sp, -16
    sw ra, 0(sp)
    rti
""")
    bare = run_bare(elf, limit=100_000, repeat_limit=limit)
    if limit:
        assert bare.kind == "crash" and f"{limit} times in a row" in bare.message
    else:
        assert bare.kind == "limit"
