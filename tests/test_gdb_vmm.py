"""A real gdb-multiarch against ``toyvm run --vmm --gdb``: each guest a thread, registers of the
guest's virtual CPU, stepping into a trap the monitor reflects, the monitor's view through
``monitor`` commands, and a debugged run printing and counting exactly as an undebugged one."""
from __future__ import annotations

import re

import pytest

from gdb_session import (TRAPPER, TRAPPER_OUTPUT, build_guestos, build_kernel, needs_gdb, plain_run, run_gdb,
                         values)

pytestmark = needs_gdb


@pytest.fixture(scope="module")
def trapper(tmp_path_factory):
    return build_kernel(tmp_path_factory.mktemp("gdbvmm"), "trapper", TRAPPER)


@pytest.fixture(scope="module")
def guestos(tmp_path_factory):
    return build_guestos(tmp_path_factory.mktemp("gdbguestos"))


def two_guests(kernel):
    return ["--vmm", "--guest", str(kernel.path), "--guest", str(kernel.path)]


def test_guests_are_threads_with_their_virtual_cpu(trapper):
    s = run_gdb(trapper.path, ["break *watched_store", "continue", "info threads", "info registers pc psw",
                               "monitor real", "thread 2", "info registers pc", "continue", "info registers pc psw",
                               "monitor thread 2 count", "delete", "continue"], two_guests(trapper))
    sym = trapper.symbols
    assert "Thread 1 hit Breakpoint 1" in s.gdb and "Thread 2 hit Breakpoint 1" in s.gdb
    assert re.search(r"\* 1\s+Thread 1 \(guest1 .*on the processor\)", s.gdb)
    assert re.search(r"  2\s+Thread 2 \(guest2 .*waiting\)", s.gdb)
    pcs = values(s.gdb, "pc")
    assert pcs[0] == sym["watched_store"] and pcs[-1] == sym["watched_store"]
    # the guest's own psw (user mode as the guest sees it); the real one is the monitor's
    assert values(s.gdb, "psw") == [0xF, 0xF]
    real = re.search(r"real processor: psw ([0-9a-f]+)", s.gdb)
    assert int(real.group(1), 16) & 1
    assert re.search(r"guest2: instructions completed \d+, traps entered 3", s.gdb)
    plain = plain_run(two_guests(trapper))
    assert s.stdout == plain.stdout and s.status == plain.returncode
    assert s.stdout.count(b"|") == 2 and b"IFJIT" in s.stdout


def test_stepi_into_a_reflected_trap(trapper):
    s = run_gdb(trapper.path, ["break *faulting_load", "continue", "stepi", "info registers pc cause epc tval psw",
                               "monitor traps"], ["--vmm", trapper.path])
    sym = trapper.symbols
    assert values(s.gdb, "pc") == [sym["handler"]]
    assert values(s.gdb, "cause") == [5] and values(s.gdb, "tval") == [0xF0000000]
    assert values(s.gdb, "epc") == [sym["faulting_load"]] and values(s.gdb, "psw") == [0xC]
    assert "true fault PAGE_FAULT_LOAD: 1" in s.gdb
    assert s.stdout == TRAPPER_OUTPUT


def test_the_hardware_guest_mode_under_gdb(trapper):
    """--strategy vt: the guest's special registers are the processor's while it runs in the
    guest mode; gdb sees them, steps into a trap, counts the traps the processor delivered
    without the monitor, and goes back over the trap."""
    args = ["--vmm", "--strategy", "vt", trapper.path]
    s = run_gdb(trapper.path, ["break *faulting_load", "continue", "stepi", "info registers pc cause epc tval psw",
                               "monitor traps", "monitor real", "reverse-stepi", "info registers pc",
                               "delete", "continue"], args)
    sym = trapper.symbols
    assert values(s.gdb, "pc") == [sym["handler"], sym["faulting_load"]]
    assert values(s.gdb, "cause") == [5] and values(s.gdb, "tval") == [0xF0000000]
    assert values(s.gdb, "epc") == [sym["faulting_load"]] and values(s.gdb, "psw") == [0xC]
    # a user-mode load of the device page leaves the guest mode (no machine-map entry there), and
    # the monitor reflects the fault; the earlier ecall went to the handler in hardware
    assert "true fault PAGE_FAULT_LOAD: 1" in s.gdb
    assert "delivered by the processor (guest mode) SVC: 1" in s.gdb
    assert "the guest runs in the hardware guest mode" in s.gdb
    plain = plain_run(args)
    assert s.stdout == plain.stdout == TRAPPER_OUTPUT and s.status == plain.returncode


def test_monitor_walk_and_maps_of_a_paging_guest(guestos):
    args = ["--vmm", guestos.kernel, "--module", guestos.hello]
    s = run_gdb(guestos.kernel, ["break trap_entry", "continue", "monitor walk 0x10000", "monitor maps"], args)
    assert "guest page map (guest-virtual -> guest-physical) at" in s.gdb
    assert re.search(r"machine map \(guest-physical -> host-physical\): [0-9a-f]{8} -> [0-9a-f]{8}", s.gdb)
    assert "installed shadow (guest-virtual -> host-physical)" in s.gdb
    assert "=== guest1: machine map" in s.gdb and "=== guest1: shadow maps" in s.gdb


def test_debugged_guests_print_and_count_as_undebugged(guestos):
    args = ["--vmm", "--stats", "--guest", f"{guestos.kernel} --module {guestos.hello}",
            "--guest", f"{guestos.kernel} --module {guestos.primes}"]
    plain = plain_run(args)
    s = run_gdb(guestos.kernel, ["break trap_entry", "continue", "thread 2", "stepi", "stepi", "continue",
                                 "delete", "continue"], args)
    assert s.gdb.count("hit Breakpoint 1") >= 2
    assert s.stdout == plain.stdout and s.status == plain.returncode
    panel = [line for line in s.stderr.splitlines() if not line.startswith("toyvm: gdb")]
    numbers = [line for line in panel if re.search(r"\d", line) and "wall" not in line and "MIPS" not in line]
    plain_numbers = [line for line in plain.stderr.decode().splitlines()
                     if re.search(r"\d", line) and "wall" not in line and "MIPS" not in line]
    assert numbers == plain_numbers and len(numbers) > 10


@pytest.mark.parametrize("strategy", ["trap", "vt"])
def test_reverse_execution_under_the_monitor(trapper, strategy):
    """Going back within a guest across time slices of both guests (one every 7 instructions) lands
    on the state the guest had; back to the start and forward again gives the same stop; and the
    run then ends as an undebugged one, every counter of the panel equal."""
    args = ["--vmm", "--strategy", strategy, "--stats", "--slice", "7", "--guest", trapper.path,
            "--guest", trapper.path]
    regs = "pc t2 t3 sp psw epc cause"
    s = run_gdb(trapper.path, ["break *watched_store", "continue", f"info registers {regs}", "monitor count",
                               "stepi", "stepi", "stepi", "stepi", "info registers pc cause",
                               "reverse-stepi", "reverse-stepi", "reverse-stepi", "reverse-stepi",
                               f"info registers {regs}", "monitor count", "reverse-continue", "info registers pc",
                               "continue", f"info registers {regs}", "monitor count", "thread 2", "continue",
                               "info registers pc", "delete", "continue"], args)
    sym = trapper.symbols
    assert values(s.gdb, "pc")[:2] == [sym["watched_store"], sym["handler"]]   # 4 steps: into the SVC
    assert values(s.gdb, "cause")[1] == 8
    counts = re.findall(r"guest1: instructions completed (\d+), traps entered (\d+)", s.gdb)
    assert len(counts) == 3 and len(set(counts)) == 1
    for name in regs.split():
        seen = values(s.gdb, name)
        if name != "pc":
            assert len(set(seen if name != "cause" else [seen[0], seen[2], seen[3]])) == 1, name
    assert "No more reverse-execution history." in s.gdb
    pcs = values(s.gdb, "pc")
    assert pcs[2:] == [sym["watched_store"], sym["_start"], sym["watched_store"], sym["watched_store"]]
    assert "Thread 2 hit Breakpoint 1" in s.gdb
    plain = plain_run(args)
    assert s.stdout == plain.stdout and s.status == plain.returncode
    strip = [line for line in s.stderr.splitlines()
             if not line.startswith("toyvm: gdb:") and "wall" not in line and "MIPS" not in line]
    plain_strip = [line for line in plain.stderr.decode().splitlines() if "wall" not in line and "MIPS" not in line]
    assert strip == plain_strip
