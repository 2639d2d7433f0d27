"""programs/kernels/first-kernel.s, the kernel of docs/first-kernel.md: each step of the tutorial
builds and prints what its design says, on the bare machine and under every strategy of the
monitor alike; the timer's dots are the machine's TIMER traps; the user program really runs in
user mode; and the five mistakes of the tutorial fail the way the doc says. (The doc's own
commands and outputs are run by tests/test_doc_commands.py.)"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from asm.api import assemble_source

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "programs/kernels/first-kernel.s"
TOYVM = [sys.executable, "-m", "vmm.cli"]
EXIT_CRASH = 125

# What each step prints, from the kernel's design (its messages), before any timer dots.
HELLO, PAGING = "kernel: hello", "kernel: paging on"
USER = ["user: hello from user mode"] + ["user: working"] * 3 + ["kernel: user exited with status 00000000"]
STEPS = {
    1: ([HELLO], 0),
    2: ([HELLO, "kernel: fatal trap, cause 00000003 at epc ..."], 3),   # the ebreak: BREAKPOINT = 3
    3: ([HELLO, PAGING], 0),
    4: ([HELLO, PAGING] + USER, 0),
    5: ([HELLO, PAGING] + USER, 0),
}


def build(tmp_path: Path, source: str, name: str, step: int | None = None) -> tuple[Path, dict]:
    exe = assemble_source(source, f"{name}.s", defsyms={"STEP": step} if step else None)
    elf = tmp_path / f"{name}.elf"
    elf.write_bytes(exe.to_elf())
    return elf, exe.symbols


def toyvm(*args) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + [str(a) for a in args], capture_output=True, timeout=120)


def test_the_kernel_is_about_150_lines():
    code = [line for line in SOURCE.read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")]
    assert 100 <= len(code) <= 200


@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_step_prints_its_lines_bare_and_under_the_monitor(tmp_path, step):
    elf, symbols = build(tmp_path, SOURCE.read_text(), f"step{step}", step)
    lines, status = STEPS[step]
    bare = toyvm("run", elf)
    assert bare.returncode == status
    printed = bare.stdout.decode().replace(".", "").splitlines()   # the timer's dots (step 5)
    if step == 2:       # the epc is the ebreak's address, which only the kernel's layout says
        m = re.fullmatch(r"kernel: fatal trap, cause 00000003 at epc ([0-9a-f]{8})", printed[1])
        assert m and symbols["_start"] < int(m[1], 16) < symbols["trap_entry"]
        assert printed[0] == HELLO and len(printed) == 2
    else:
        assert printed == lines
    for strategy in ("trap", "bt", "hw", "para"):
        vmm = toyvm("run", "--vmm", "--strategy", strategy, elf)
        assert (vmm.returncode, vmm.stdout) == (bare.returncode, bare.stdout), strategy


def test_the_whole_kernel_ticks_and_runs_its_program_in_user_mode(tmp_path):
    elf, _ = build(tmp_path, SOURCE.read_text(), "first")
    r = toyvm("run", "--json", "--stats-file", tmp_path / "bare.json", elf)
    stats = json.loads((tmp_path / "bare.json").read_text())
    dots = r.stdout.count(b".")
    assert dots > 0 and dots == stats["traps"]["TIMER"]            # one dot per timer interrupt
    assert stats["traps"]["SVC"] == 5                             # puts, 3 x working, exit
    assert stats["instructions"]["user"] >= 3 * 2000 * 2          # the three busy loops, in user mode
    v = toyvm("run", "--vmm", "--json", "--stats-file", tmp_path / "vmm.json", "--trace=events",
              "--trace-file", tmp_path / "events.txt", elf)
    guest = json.loads((tmp_path / "vmm.json").read_text())["guests"][0]
    assert v.stdout == r.stdout and guest["instructions"]["completed"] == stats["instructions"]["completed"]
    assert guest["reflected"]["system_calls"] == 5 and guest["interrupts_injected"]["TIMER"] == dots
    events = (tmp_path / "events.txt").read_text()
    assert len(re.findall(r" reflect SVC .*\(system call", events)) == 5


MISTAKES = {   # name: (the line as written, as mistaken)
    "no-tvec": ("    mtsr    tvec, t0\n", "    nop\n"),
    "no-u": ("USER_CODE | PTE_V | PTE_R | PTE_X | PTE_U", "USER_CODE | PTE_V | PTE_R | PTE_X"),
    "no-flush": ("    tlbflush", "    nop     "),
    "odd-sp": ("li      sp, KSTACK_TOP\n", "li      sp, KSTACK_TOP - 2\n"),
    "no-pu": ("li      t0, PSW_PU | PSW_PIE ", "li      t0, PSW_PIE "),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_the_five_mistakes_fail_as_the_tutorial_says(tmp_path, name):
    right, wrong = MISTAKES[name]
    source = SOURCE.read_text()
    assert source.count(right) == 1
    elf, symbols = build(tmp_path, source.replace(right, wrong), name)
    r = toyvm("run", "--stats", elf)
    out, err = r.stdout.decode(), r.stderr.decode()
    if name == "no-tvec":
        assert r.returncode == EXIT_CRASH and "trap loop" in err and "tvec is 0" in err
    elif name in ("no-u", "no-flush"):      # the user's first fetch: PAGE_FAULT_FETCH (1) at USER_CODE
        assert r.returncode == 3 and "kernel: fatal trap, cause 00000001 at epc 00100000" in out
    elif name == "odd-sp":
        assert r.returncode == EXIT_CRASH and "no progress: MISALIGNED_STORE" in err
        assert f"pc={symbols['trap_entry'] + 16:08x}" in err       # the handler's first sw
    else:                                   # runs to the end, but never in user mode
        assert r.returncode == 0 and out.replace(".", "").splitlines() == [HELLO, PAGING] + USER
        assert re.search(r"user mode\s+0\n", err)
