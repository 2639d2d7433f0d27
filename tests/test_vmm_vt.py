"""Hardware assist as it really exists (SPEC §9): ``--strategy hw --paging nested`` and
``--strategy vt`` with nested paging and with shadow maps give what the bare machine gives --
guestos with its programs, one guest and several side by side; the hostile guests of
test_vmm_isolation.py stay in their memory; popf and redpill come out as bare under vt."""
from __future__ import annotations

import pytest

from test_demos import build
from test_vmm_isolation import HOSTILE_MEM, LIMIT, hostile
from guestos_run import build_all
from vmm_support import run_bare, run_vmm

MODES = {"hw-nested": dict(strategy="hw", paging="nested"), "vt": dict(strategy="vt"),
         "vt-shadow": dict(strategy="vt", paging="shadow")}
PROGRAMS = ("hello", "primes", "fault", "hailstone", "ticker")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos"))


@pytest.fixture(scope="module")
def bare(built):
    return run_bare(built.kernel, modules=[built[p] for p in PROGRAMS])


@pytest.mark.parametrize("mode", MODES)
def test_guestos_with_its_programs_is_as_on_bare(built, bare, mode):
    (out,), monitor = run_vmm([{"elf": built.kernel, "modules": [built[p] for p in PROGRAMS]}], **MODES[mode])
    assert out.observable() == bare.observable()
    stats = monitor.guests[0].stats
    if mode != "vt-shadow":
        assert stats.shadow_fills == 0 and stats.hidden_faults == 0 and stats.mmap_fills > 0
    if mode.startswith("vt"):       # mfsr, mtsr, rti and the system calls never enter the monitor
        assert stats.syscalls == 0 and set(stats.privileged) <= {"halt", "stpmar", "tlbflush"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["scan", "pagemap", "spin", "garbage"])
def test_hostile_guest_beside_guestos_guests(built, tmp_path, mode, name):
    elf, _ = hostile(tmp_path, name)
    neighbours = [{"elf": built.kernel, "modules": [built["primes"], built["ticker"]], "mem": 2 << 20},
                  {"elf": built.kernel, "modules": [built["hailstone"]], "mem": 3 << 20}]
    guests = [neighbours[0], {"elf": elf, "mem": HOSTILE_MEM}, neighbours[1]]
    outcomes, _ = run_vmm(guests, limit=LIMIT, slice_instructions=10_000, **MODES[mode])
    assert outcomes[1].observable() == run_bare(elf, mem=HOSTILE_MEM, limit=LIMIT).observable()
    for guest, outcome in zip(neighbours, (outcomes[0], outcomes[2])):
        solo = run_bare(guest["elf"], modules=guest["modules"], mem=guest["mem"])
        assert outcome.observable() == solo.observable()


@pytest.mark.parametrize("program", ["popf", "redpill"])
def test_the_demonstrations_come_out_as_on_bare_under_vt(tmp_path, program):
    elf = build(tmp_path, program)[0]
    (out,), monitor = run_vmm([{"elf": elf}], strategy="vt")
    assert out.observable() == run_bare(elf).observable()
    assert sum(monitor.guests[0].stats.sensitive.values()) == 0      # rdpsw/wrpsw never trapped


def test_bt_cannot_page_nested(tmp_path):
    with pytest.raises(ValueError, match="bt cannot run with --paging nested"):
        run_vmm([{"elf": build(tmp_path, "popf")[0]}], strategy="bt", paging="nested")
