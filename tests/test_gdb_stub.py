"""A real gdb-multiarch against ``toyvm run --gdb`` on the bare machine: registers and the TOY32
target description, breakpoints by label, stepping into each kind of trap, watchpoints, trap
stops, reverse execution landing on the exact state of a plain run, and a debugged run's output
and counts equal to an undebugged one's."""
from __future__ import annotations

import re

import pytest

from vmm.machine import ConsoleOutput, Machine
from vmm.machine.boot import boot

from gdb_session import (TRAPPER, TRAPPER_OUTPUT, TRAPPER_STATUS, build_guestos, build_kernel, needs_gdb, plain_run,
                         run_gdb, values)

pytestmark = needs_gdb


@pytest.fixture(scope="module")
def trapper(tmp_path_factory):
    return build_kernel(tmp_path_factory.mktemp("gdb"), "trapper", TRAPPER)


def plain_state(kernel, count: int) -> dict:
    """The machine of a plain (undebugged) run stopped after ``count`` instructions."""
    import io
    machine = Machine(console_out=ConsoleOutput(io.BytesIO()))
    boot(machine, str(kernel.path), [])
    machine.run(max_instructions=count)
    counter = kernel.symbols["counter"]
    return {"regs": list(machine.regs), "pc": machine.pc, "psw": machine.psw, "cause": machine.cause,
            "epc": machine.epc, "counter": machine.mem.read_word(counter)}


def test_registers_breakpoint_and_target_description(trapper):
    s = run_gdb(trapper.path, ["info registers pc", "p $psw", "break watched_store", "continue",
                               "info registers pc t3 psw", "p/x $cause", "info registers epc tval tvec scratch pmar",
                               "x/wx &counter"], [trapper.path])
    sym = trapper.symbols
    assert values(s.gdb, "pc") == [sym["_start"], sym["watched_store"]]
    assert "Breakpoint 1, " in s.gdb and "in watched_store ()" in s.gdb
    assert values(s.gdb, "t3") == [5]
    assert re.search(r"^psw\s+0xf\s+\[ U IE PU PIE \]", s.gdb, re.M)   # user mode, interrupts on
    assert values(s.gdb, "tvec") == [sym["handler"]]
    assert values(s.gdb, "epc") == [sym["privileged"] + 4]           # the last trap's, as the handler left it
    assert re.search(rf"{sym['counter']:#x}:\s+0x00000000", s.gdb)
    # breakpoints leave guest memory alone: the kernel runs on to its end, output unchanged
    assert s.stdout == TRAPPER_OUTPUT and s.status == TRAPPER_STATUS, s.stderr


@pytest.mark.parametrize("label, cause, tval", [
    ("do_ecall", 8, lambda sym: 0),
    ("faulting_load", 5, lambda sym: 0xF0000000),
    ("privileged", 9, lambda sym: None),             # the instruction word
])
def test_stepi_into_a_trap_stops_at_the_handler(trapper, label, cause, tval):
    s = run_gdb(trapper.path, [f"break *{label}", "continue", "info registers pc psw", "stepi",
                               "info registers pc cause epc tval psw", "x/wx $epc"], [trapper.path])
    sym = trapper.symbols
    assert values(s.gdb, "pc") == [sym[label], sym["handler"]]
    assert values(s.gdb, "cause") == [cause]
    assert values(s.gdb, "epc") == [sym[label]]
    word = int(re.search(r"<\w+>:\s+0x([0-9a-f]+)", s.gdb).group(1), 16)
    assert values(s.gdb, "tval") == [word if tval(sym) is None else tval(sym)]
    assert values(s.gdb, "psw")[1] == 0xC                            # kernel mode, PU and PIE saved
    assert s.stdout == TRAPPER_OUTPUT and s.status == TRAPPER_STATUS


def test_break_on_trap_and_stepping_into_the_timer_interrupt(trapper):
    s = run_gdb(trapper.path, ["monitor break-on-trap TIMER", "continue", "info registers pc cause epc",
                               "reverse-stepi", "info registers pc cause", "stepi", "info registers pc cause epc",
                               "monitor count"], [trapper.path])
    sym = trapper.symbols
    assert "stopping at trap entries for TIMER" in s.gdb
    pcs = values(s.gdb, "pc")
    assert pcs[0] == sym["handler"] and pcs[2] == sym["handler"]
    assert pcs[1] in (sym["spin"], sym["spin"] + 4)                  # where the interrupt was taken
    assert values(s.gdb, "cause") == [0x80000001, 8, 0x80000001]     # TIMER; before it, the last SVC
    after = {sym["spin"]: sym["spin"] + 4, sym["spin"] + 4: sym["spin"]}[pcs[1]]
    # stepi ran the instruction and the interrupt came due: epc is the one after it
    assert values(s.gdb, "epc") == [after, after]
    assert s.stdout == TRAPPER_OUTPUT and s.status == TRAPPER_STATUS


def test_watchpoints_write_read_and_access(trapper):
    s = run_gdb(trapper.path, ["watch *(int *) &counter", "continue", "info registers pc", "delete",
                               "rwatch *(int *) &counter", "continue", "info registers pc t4", "delete",
                               "awatch *(int *) &counter", "continue", "info registers pc"], [trapper.path])
    sym = trapper.symbols
    assert re.search(r"Old value = 0\s+New value = 5", s.gdb), s.gdb
    assert "Value = 5" in s.gdb
    pcs = values(s.gdb, "pc")
    # a watchpoint stops after the access, as hardware watchpoints do
    assert pcs[:2] == [sym["watched_store"] + 4, sym["watched_load"] + 4]
    assert values(s.gdb, "t4") == [5]
    assert s.stdout == TRAPPER_OUTPUT and s.status == TRAPPER_STATUS


def test_reverse_execution_lands_on_the_state_of_a_plain_run(trapper):
    regs = "pc ra sp t0 t1 t2 t3 a0 s1 s2 s3 psw cause epc"
    s = run_gdb(trapper.path, ["break *arm_timer", "continue", "stepi", "monitor count",
                               "reverse-stepi", "monitor count", f"info registers {regs}", "x/wx &counter",
                               "break *user_main", "reverse-continue", "monitor count", f"info registers {regs}",
                               "x/wx &counter", "delete", "continue"], [trapper.path])
    sym = trapper.symbols
    counts = [tuple(map(int, m)) for m in re.findall(r"instructions completed (\d+), traps entered (\d+)", s.gdb)]
    (after, traps_after), (back, traps_back), (start, _) = counts
    assert (back, traps_back) == (after, traps_after - 1)            # stepped back over the SVC trap entry
    assert values(s.gdb, "pc") == [sym["arm_timer"], sym["user_main"]]
    for i, count in enumerate((back, start)):
        plain = plain_state(trapper, count)
        for name in regs.split():
            got = values(s.gdb, name)[i]
            want = plain[name] if name in plain else plain["regs"][_REG[name]]
            assert got == want, (name, count)
    counters = [int(v, 16) for v in re.findall(rf"{sym['counter']:#x}:\s+0x([0-9a-f]+)", s.gdb)]
    assert counters == [plain_state(trapper, back)["counter"], plain_state(trapper, start)["counter"]] == [5, 0]
    # the output printed before going back is not printed again
    assert s.stdout == TRAPPER_OUTPUT and s.status == TRAPPER_STATUS


_REG = {"ra": 1, "sp": 2, "t0": 5, "t1": 6, "t2": 7, "t3": 28, "a0": 10, "s1": 9, "s2": 18, "s3": 19}


def test_reverse_watchpoint_finds_the_store(trapper):
    s = run_gdb(trapper.path, ["break *spin", "continue", "watch *(int *) &counter", "reverse-continue", "info registers pc",
                               "x/wx &counter"], [trapper.path])
    sym = trapper.symbols
    assert values(s.gdb, "pc")[-1] == sym["watched_store"]            # just before the store
    assert re.search(rf"{sym['counter']:#x}:\s+0x00000000", s.gdb)
    assert s.stdout == TRAPPER_OUTPUT


def test_debugged_run_prints_and_counts_as_an_undebugged_one(tmp_path):
    built = build_guestos(tmp_path)
    guestos = [built.kernel, "--module", built.hello, "--stats"]
    plain = plain_run(guestos)
    s = run_gdb(built.kernel, ["break trap_entry", "continue", "continue", "delete", "continue"], guestos)
    assert s.gdb.count("Breakpoint 1, ") == 2
    assert s.stdout == plain.stdout and s.status == plain.returncode
    counted = [line for line in s.stderr.splitlines() if "mode" in line or "traps" in line or "  " in line[:3]]
    plain_counted = [line for line in plain.stderr.decode().splitlines()
                     if "mode" in line or "traps" in line or "  " in line[:3]]
    assert counted == plain_counted and counted


def test_kill_and_detach(trapper):
    killed = run_gdb(trapper.path, ["break *privileged", "continue", "kill"], [trapper.path])
    assert killed.status == 137 and killed.stdout == b"IF" and "Traceback" not in killed.stderr
    detached = run_gdb(trapper.path, ["break *privileged", "continue", "detach"], [trapper.path])
    assert detached.stdout == TRAPPER_OUTPUT and detached.status == TRAPPER_STATUS
