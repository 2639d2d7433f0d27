"""The virtualizability demonstrations of programs/kernels/ (docs/virtualizability.md): each kernel
on the bare machine and under every ``--strategy``, with the exact output and exit status.

The expectations are derived, not recorded:
* the bare machine's run is the reference: bt and hw must print exactly what the bare machine
  prints and end the same way; the paravirtual images (PARAVIRT defined) ask the monitor with
  hypercalls instead, so under para they give the right answer and anywhere else they refuse;
* under trap the wrong answer follows from SPEC §3's rule for real user mode: rdpsw reads U=1,
  wrpsw is ignored. For redpill that is "user"; for popf the numbers are computed by a model of
  the interleaving (`popf_model`) from the instruction counts of the assembled kernel, which
  reproduces the bare result with wrpsw working and predicts the trap result with it ignored.
  With the unchanged image, para behaves like trap (the kernel makes no hypercalls)."""
from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from asm.api import assemble_source, assemble_sources
from isa import decode

from vmm_support import run_bare, run_vmm

KERNELS = Path(__file__).resolve().parent.parent / "programs" / "kernels"
TOYVM = [sys.executable, "-m", "vmm.cli"]
FIXED = ("bt", "hw")                    # the strategies that must fix the unchanged kernel
DEMOS = ("redpill", "popf")


def build_exe(name: str, para: bool = False):
    """The kernel as the Makefile builds it (para: with PARAVIRT defined, as --defsym PARAVIRT=1;
    an `.equ` in front does the same where the assembler API takes no defsyms)."""
    text = (KERNELS / f"{name}.s").read_text()
    if not para:
        return assemble_source(text, f"{name}.s")
    if "defsyms" in inspect.signature(assemble_sources).parameters:
        return assemble_source(text, f"{name}.s", defsyms={"PARAVIRT": 1})
    return assemble_source(".equ PARAVIRT, 1\n" + text, f"{name}.s")


def build(tmp_path: Path, name: str, para: bool = False):
    exe = build_exe(name, para)
    elf = tmp_path / f"{name}{'-para' if para else ''}.elf"
    elf.write_bytes(exe.to_elf())
    return elf, exe


def run(elf: Path, strategy: str | None):
    """(output text, exit status, how it ended) on the bare machine (None) or under a strategy."""
    if strategy is None:
        o = run_bare(elf)
    else:
        (o,), _ = run_vmm([{"elf": elf}], strategy=strategy)
    return o.output.decode(), o.status, o.kind


# --- redpill -------------------------------------------------------------------------------------
def redpill_expected(rdpsw: str, para: bool = False) -> tuple[str, int, str]:
    label = "hypercall HC_RDPSW says: " if para else "rdpsw says: "
    caught = rdpsw != "kernel"
    text = (f"{label}{rdpsw:<6}   mfsr psw says: kernel\n"
            + ("redpill: caught: running in a VM!\n" if caught else "redpill: not virtualized\n"))
    return text, int(caught), "power_off"


def test_redpill_bare_says_kernel_twice(tmp_path):
    elf, _ = build(tmp_path, "redpill")
    assert run(elf, None) == redpill_expected("kernel")


def test_redpill_under_trap_sees_the_real_user_bit(tmp_path):
    elf, _ = build(tmp_path, "redpill")
    assert run(elf, "trap") == redpill_expected("user")


@pytest.mark.parametrize("strategy", FIXED)
def test_redpill_fixed_strategies_match_bare(tmp_path, strategy):
    elf, _ = build(tmp_path, "redpill")
    assert run(elf, strategy) == run(elf, None) == redpill_expected("kernel")


def test_redpill_para_with_the_unchanged_kernel_is_trap(tmp_path):
    elf, _ = build(tmp_path, "redpill")
    assert run(elf, "para") == run(elf, "trap") == redpill_expected("user")


def test_redpill_paravirtual_kernel_asks_the_monitor(tmp_path):
    """The changed kernel uses a hypercall instead of rdpsw: the monitor answers from the virtual psw."""
    elf, _ = build(tmp_path, "redpill", para=True)
    assert run(elf, "para") == redpill_expected("kernel", para=True)


def refusal(name: str) -> tuple[str, int, str]:
    return (f"{name}-para: hypercall trapped (VIRTUALIZATION_TRAP): this kernel is paravirtualized "
            f"and runs only under toyvm run --vmm --strategy para\n", 2, "power_off")


@pytest.mark.parametrize("name", DEMOS)
@pytest.mark.parametrize("strategy", (None, "trap", "bt", "hw"))
def test_paravirtual_kernels_refuse_to_run_without_the_para_monitor(tmp_path, name, strategy):
    """SPEC §3/isa/paravirt.py: hypercall raises VIRTUALIZATION_TRAP at the kernel's tvec wherever
    no monitor serves it (the bare machine, the other strategies)."""
    elf, _ = build(tmp_path, name, para=True)
    assert run(elf, strategy) == refusal(name)


# --- popf ----------------------------------------------------------------------------------------
OFF, SET_FLAG, READ, ADD, WRITE, CLEAR_FLAG, ON, OTHER = range(8)
# The critical section as the model reads it off the loop's instructions: interrupts off (wrpsw,
# or in the paravirtual build the hypercall), in_cs = 1, lw, addi, sw, in_cs = 0, interrupts on.
SECTION = [(OFF, ("wrpsw", "hypercall")), (SET_FLAG, ("sw",)), (READ, ("lw",)), (ADD, ("addi",)),
           (WRITE, ("sw",)), (CLEAR_FLAG, ("sw",)), (ON, ("wrpsw", "hypercall"))]


def loop_steps(loop: list[str]) -> list[int]:
    """Each loop instruction's part in the section (OTHER: no part), checking the section is all there."""
    steps, wanted = [], iter(SECTION)
    step, names = next(wanted)
    for mnemonic in loop:
        if step is not None and mnemonic in names:
            steps.append(step)
            step, names = next(wanted, (None, ()))
        else:
            steps.append(OTHER)
    assert step is None, loop           # what the model assumes
    return steps


def instructions(exe, start: str, end: str) -> list[str]:
    seg = next(s for s in exe.segments if s.vaddr <= exe.symbols[start] < s.vaddr + len(s.data))
    return [decode(int.from_bytes(seg.data[a - seg.vaddr:a - seg.vaddr + 4], "little")).mnemonic
            for a in range(exe.symbols[start], exe.symbols[end], 4)]


def popf_model(exe, wrpsw_works: bool) -> tuple[int, int, int]:
    """(timer interrupts, of which inside the critical section, lost updates), by stepping the
    kernel's instructions as the timer sees them: TIMER_LOAD N at `armed` (and at the end of the
    handler, whose only instruction after the store is rti) makes the tick due after N more
    completed instructions; it is taken before the next instruction if IE is set, else when the
    section's closing wrpsw sets it. The handler adds 1 to the counter; a tick between the loop's
    lw and sw is overwritten (lost). wrpsw_works=False is trap: wrpsw in user mode is ignored.
    The paravirtual build's HC_WRPSW hypercall is the same step as wrpsw under para."""
    sym = exe.symbols
    loop = loop_steps(instructions(exe, "loop", "loop_end"))
    prologue = len(instructions(exe, "armed", "loop"))                 # after arming, before the loop
    epilogue = len(instructions(exe, "loop_end", "disarm")) + 1        # up to and with the disarm store
    assert sym["PERIOD"] > prologue         # the first tick comes in the loop, IE already on
    stream = [OTHER] * prologue + loop * sym["ITERATIONS"] + [OTHER] * epilogue
    ticks = inside = counter = register = 0
    in_cs, ie, pending, countdown = False, True, False, sym["PERIOD"]
    for step in stream:
        if pending and ie:                              # the tick is taken before this instruction
            ticks, inside, counter = ticks + 1, inside + in_cs, counter + 1
            pending, countdown = False, sym["PERIOD"] - 1                  # the rti completed
        if step == OFF and wrpsw_works:
            ie = False
        elif step == ON:
            ie = True
        elif step == SET_FLAG or step == CLEAR_FLAG:
            in_cs = step == SET_FLAG
        elif step == READ:
            register = counter
        elif step == ADD:
            register += 1
        elif step == WRITE:
            counter = register
        if countdown is not None:
            countdown -= 1
            if countdown == 0:
                pending, countdown = True, None
    lost = sym["ITERATIONS"] + ticks - counter
    return ticks, inside, lost


def popf_text(iterations: int, ticks: int, inside: int, lost: int) -> str:
    result = "right" if inside == lost == 0 else "WRONG, the critical section was not protected"
    return (f"popf: {iterations} critical sections, {ticks} timer interrupts\n"
            f"interrupts inside the critical section: {inside}\n"
            f"lost updates: {lost} (counter {iterations + ticks - lost}, expected {iterations} + {ticks})\n"
            f"result: {result}\n")


def popf_expected(exe, wrpsw_works: bool) -> tuple[str, int, str]:
    ticks, inside, lost = popf_model(exe, wrpsw_works)
    return popf_text(exe.symbols["ITERATIONS"], ticks, inside, lost), int(inside + lost > 0), "power_off"


def test_popf_model_agrees_with_the_rule():
    """The model on its own: wrpsw working protects the section; ignored, ticks land inside it
    (4 of the loop's 9 instructions run with the flag set, 2 between the lw and the sw)."""
    exe = build_exe("popf")
    assert popf_model(exe, True)[1:] == (0, 0)
    ticks, inside, lost = popf_model(exe, False)
    assert ticks > inside > lost > 0


def test_popf_bare_is_right_and_as_modelled(tmp_path):
    elf, exe = build(tmp_path, "popf")
    assert run(elf, None) == popf_expected(exe, wrpsw_works=True)
    assert popf_expected(exe, True)[1] == 0


def test_popf_under_trap_loses_updates_as_modelled_every_time(tmp_path):
    elf, exe = build(tmp_path, "popf")
    first, second = run(elf, "trap"), run(elf, "trap")
    assert first == second                                   # the timer counts instructions
    assert first == popf_expected(exe, wrpsw_works=False)
    ticks, inside, lost = popf_model(exe, False)
    assert inside > 0 and lost > 0 and first[1] == 1
    assert first != run(elf, None)


@pytest.mark.parametrize("strategy", FIXED)
def test_popf_fixed_strategies_match_bare(tmp_path, strategy):
    elf, exe = build(tmp_path, "popf")
    assert run(elf, strategy) == run(elf, None) == popf_expected(exe, wrpsw_works=True)


def test_popf_para_with_the_unchanged_kernel_is_trap(tmp_path):
    elf, exe = build(tmp_path, "popf")
    assert run(elf, "para") == run(elf, "trap") == popf_expected(exe, wrpsw_works=False)


def test_popf_paravirtual_kernel_is_right_under_para(tmp_path):
    """HC_WRPSW for wrpsw: the monitor holds the tick back while the virtual IE is off; both builds
    run as many instructions, so it prints exactly the bare machine's result."""
    plain, _ = build(tmp_path, "popf")
    elf, exe = build(tmp_path, "popf", para=True)
    assert run(elf, "para") == popf_expected(exe, wrpsw_works=True) == run(plain, None)


# --- the documented commands ---------------------------------------------------------------------
@pytest.mark.parametrize("name", DEMOS)
@pytest.mark.parametrize("strategy", (None, "trap", "hw"))
def test_toyvm_run_prints_what_the_machine_does(tmp_path, name, strategy):
    """`toyvm run [--vmm --strategy S] IMAGE`, as docs/virtualizability.md shows it."""
    elf, _ = build(tmp_path, name)
    args = ["run", str(elf)] if strategy is None else ["run", "--vmm", "--strategy", strategy, str(elf)]
    r = subprocess.run([*TOYVM, *args], capture_output=True, timeout=120)
    text, status, _ = run(elf, strategy)
    assert (r.stdout.decode(), r.returncode) == (text, status), r.stderr.decode()
