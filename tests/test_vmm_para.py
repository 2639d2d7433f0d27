"""guestos-para, the paravirtual build of guestos (the same sources with PARAVIRT defined, as
`toyasm build --defsym PARAVIRT=1` / `make guestos-para`), under `toyvm run --vmm --strategy para`.

* It prints exactly what the plain guestos prints on the bare machine, and ends the same way.
* Anywhere else (bare machine, any other strategy) its first hypercall traps: a clear message and
  a failing status, at once.
* It enters the monitor fewer times. How many fewer is derived from the kernels, not recorded: a
  system call costs one monitor entry for the ecall plus one per privileged instruction or
  hypercall on the trap path (trap entry up to its dispatch, and the return to user), each of
  which the monitor must emulate or serve; the paths are read from the assembled kernels."""
from __future__ import annotations

import re

import pytest

from guestos_run import EXIT_PANIC, assemble_kernel, boot, build_all
from isa import decode

INPUT = b"one line\nand no newline at the end"
PARA = ("--vmm", "--strategy", "para")
NOT_PARA = "guestos-para: hypercall trapped (VIRTUALIZATION_TRAP): this kernel is paravirtualized"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    built = build_all(tmp_path_factory.mktemp("guestos-para"))
    built.para_exe = assemble_kernel(defsyms={"PARAVIRT": 1})
    built.plain_exe = assemble_kernel()
    built.para = built.dir / "guestos-para.elf"
    built.para.write_bytes(built.para_exe.to_elf())
    assert built.plain_exe.to_elf() == built.kernel.read_bytes()    # PARAVIRT undefined: unchanged
    return built


def panel(stderr: str) -> dict[str, int]:
    """The --stats trap panel: label -> number (the first row of each label)."""
    rows = {}
    for line in stderr.splitlines():
        m = re.fullmatch(r"(\S.*?|\s+\S.*?)\s{2,}([\d,]+)", line)
        if m:
            rows.setdefault(m.group(1).strip(), int(m.group(2).replace(",", "")))
    return rows


# --- the same output as the plain kernel on the bare machine ------------------------------------
COMBINATIONS = [("hello",), ("primes",), ("echo",), ("fault",), ("spin",), ("ticker", "ticker"),
                ("hello", "primes", "spin", "fault", "ticker", "ticker"), ("primes", "echo", "fault"),
                ("snoop", "priv", "hello"), ("hailstone", "echo")]


@pytest.mark.parametrize("names", COMBINATIONS, ids="+".join)
def test_para_under_para_prints_what_plain_prints_on_the_bare_machine(built, names):
    modules = [built[n] for n in names]
    bare = boot(built.kernel, *modules, input_bytes=INPUT)
    para = boot(built.para, *modules, input_bytes=INPUT, options=PARA + ("--stats",))
    assert bare.out and (para.out, para.status) == (bare.out, bare.status)
    stats = panel(para.err)
    # It really ran paravirtualized: every return to user was one HC_RTI, and the trap path's
    # mfsr and rti are gone (what is left is emulated: mtsr tvec/psw, stpmar, tlbflush).
    assert stats["HC_SET_VCPU"] == 1 and stats["HC_RTI"] > 0
    assert "mfsr" not in stats and "rti" not in stats


# --- anywhere else: a clear message and a failing status -----------------------------------------
@pytest.mark.parametrize("where", [(), ("--vmm",), ("--vmm", "--strategy", "trap"),
                                   ("--vmm", "--strategy", "hw"), ("--vmm", "--strategy", "bt")],
                         ids=["bare", "vmm", "trap", "hw", "bt"])
def test_para_elsewhere_says_why_and_fails(built, where):
    run = boot(built.para, built["hello"], options=where)
    assert run.status == EXIT_PANIC
    assert run.out.decode() == (NOT_PARA + " and runs only under the monitor: "
                                "toyvm run --vmm --strategy para ...\n")


def test_para_without_modules_still_says_why(built):
    run = boot(built.para)          # a0 = 0: the hypercall comes before the boot-info check
    assert run.status == EXIT_PANIC and run.out.decode().startswith(NOT_PARA)


# --- monitor entries: derived from the kernels, then measured -----------------------------------
def _word(exe, address: int) -> int:
    offset = address - exe.text_address
    return int.from_bytes(exe.text[offset:offset + 4], "little")


def monitor_calls_on_trap_path(exe) -> dict[str, int]:
    """Instructions that enter the monitor on every trap from user mode and return to it:
    trap_entry straight on to its first branch (the dispatch), and user_return up to the
    instruction that leaves (rti, or the HC_RTI hypercall). Privileged ones trap and are
    emulated; a hypercall is served. (Device accesses would count too; there are none here.)"""
    counts: dict[str, int] = {}

    def walk(symbol: str, stop) -> None:
        address = exe.symbols[symbol]
        while True:
            d = decode(_word(exe, address))
            assert d is not None, f"{symbol}: no instruction at {address:#x}"
            if d.instr.kind in ("priv", "hypercall"):
                counts[d.mnemonic] = counts.get(d.mnemonic, 0) + 1
            if stop(d):
                return
            address += 4

    walk("trap_entry", lambda d: d.instr.kind == "branch")
    walk("user_return", lambda d: d.mnemonic in ("rti", "hypercall"))
    return counts


def test_the_trap_paths_as_the_kernels_are_written(built):
    """The plain path is trap.s's mtsr scratch, five mfsr, mtsr epc, mtsr psw, rti; the para
    path is one hypercall (HC_RTI)."""
    assert monitor_calls_on_trap_path(built.plain_exe) == {"mtsr": 3, "mfsr": 5, "rti": 1}
    assert monitor_calls_on_trap_path(built.para_exe) == {"hypercall": 1}


def _run_stats(built, kernel, strategy: str, program) -> dict[str, int]:
    run = boot(kernel, program, options=("--vmm", "--strategy", strategy, "--stats"))
    assert run.status == 0, run.out + run.err.encode()
    return panel(run.err)


GETPID = "    li a7, SYS_GETPID\n    ecall\n"
EXIT = "    li a0, 0\n    li a7, SYS_EXIT\n    ecall\n"


def getpid_loop(n: int) -> str:
    # One getpid first, so both runs have touched every page the loop touches (no shadow fills
    # in the difference); n is small enough that no timer tick falls in the loop.
    return (f'.include "syscalls.inc"\n.globl _start\n_start:\n{GETPID}    li s0, {n}\n'
            f"1:  beqz s0, 2f\n{GETPID}    addi s0, s0, -1\n    j 1b\n2:\n{EXIT}")


def test_para_enters_the_monitor_fewer_times_per_system_call(built):
    n = 40
    programs = {k: built.add(f"getpid{k}", getpid_loop(k)) for k in (0, n)}
    per_call = {}
    for variant, kernel, exe, strategy in (("plain", built.kernel, built.plain_exe, "trap"),
                                           ("para", built.para, built.para_exe, "para")):
        runs = {k: _run_stats(built, kernel, strategy, programs[k]) for k in (0, n)}
        delta = {label: runs[n].get(label, 0) - runs[0].get(label, 0)
                 for label in ("monitor entries (traps)", "privileged instructions", "hypercalls",
                               "system calls reflected", "hidden page faults", "TIMER",
                               "device accesses emulated")}
        assert delta["TIMER"] == delta["hidden page faults"] == delta["device accesses emulated"] == 0
        path = monitor_calls_on_trap_path(exe)
        hypercalls = path.get("hypercall", 0)
        assert delta["system calls reflected"] == n
        assert delta["privileged instructions"] == n * (sum(path.values()) - hypercalls)
        assert delta["hypercalls"] == n * hypercalls
        expected = 1 + sum(path.values())       # the ecall, and each monitor call on the path
        assert delta["monitor entries (traps)"] == n * expected, (variant, delta, path)
        per_call[variant] = expected
    saving = sum(monitor_calls_on_trap_path(built.plain_exe).values()) - \
        sum(monitor_calls_on_trap_path(built.para_exe).values())
    assert per_call["para"] < per_call["plain"]
    assert per_call["plain"] - per_call["para"] == saving


def test_para_enters_the_monitor_fewer_times_per_timer_tick(built):
    """A preempted process pays the same trap path, plus the scheduler's own monitor entries
    (the timer devices), which both variants share: the saving per tick is the same."""
    loop = ('.include "syscalls.inc"\n.globl _start\n_start:\n    li s0, {n}\n'
            "1:  addi s0, s0, -1\n    bgtz s0, 1b\n" + EXIT)
    programs = {k: built.add(f"spin{k}", loop.format(n=k)) for k in (1, 100_000)}
    per_tick = {}
    for variant, kernel, strategy in (("plain", built.kernel, "trap"), ("para", built.para, "para")):
        runs = {k: _run_stats(built, kernel, strategy, programs[k]) for k in programs}
        ticks = runs[100_000].get("TIMER", 0) - runs[1].get("TIMER", 0)
        entries = runs[100_000]["monitor entries (traps)"] - runs[1]["monitor entries (traps)"]
        assert ticks >= 10 and entries % ticks == 0, (variant, entries, ticks)
        per_tick[variant] = entries // ticks
    saving = sum(monitor_calls_on_trap_path(built.plain_exe).values()) - \
        sum(monitor_calls_on_trap_path(built.para_exe).values())
    assert per_tick["plain"] - per_tick["para"] == saving
