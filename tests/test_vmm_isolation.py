"""Isolation (SPEC §8, allocate): hostile guests (tests/guests/) beside guestos guests. Each
hostile guest behaves exactly as it would alone on a bare machine of its memory size -- its
world ends where its memory ends -- the other guests print what they print alone, and the
monitor survives them all."""
from __future__ import annotations

from pathlib import Path

import pytest

from asm.api import assemble_files
from guestos_run import build_all
from isa.machine import PAGE_SHIFT
from vmm_support import GUESTS, run_bare, run_vmm

HOSTILE_MEM = 1 << 20
LIMIT = 3_000_000


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos"))


def hostile(tmp_path: Path, name: str) -> tuple[Path, dict[str, int]]:
    """The guest's ELF file and its symbols."""
    elf = tmp_path / f"{name}.elf"
    exe = assemble_files([str(GUESTS / f"{name}.s"), str(GUESTS / "lib.s")])
    elf.write_bytes(exe.to_elf())
    return elf, exe.symbols


@pytest.mark.parametrize("name", ["scan", "pagemap", "spin", "garbage"])
def test_hostile_guest_beside_guestos_guests(built, tmp_path, name):
    elf, _ = hostile(tmp_path, name)
    neighbours = [{"elf": built.kernel, "modules": [built["primes"], built["ticker"]], "mem": 2 << 20},
                  {"elf": built.kernel, "modules": [built["hailstone"]], "mem": 3 << 20}]
    guests = [neighbours[0], {"elf": elf, "mem": HOSTILE_MEM}, neighbours[1]]
    outcomes, monitor = run_vmm(guests, limit=LIMIT, slice_instructions=10_000)
    assert outcomes[1].observable() == run_bare(elf, mem=HOSTILE_MEM, limit=LIMIT).observable()
    for guest, outcome in zip(neighbours, (outcomes[0], outcomes[2])):
        solo = run_bare(guest["elf"], modules=guest["modules"], mem=guest["mem"])
        assert outcome.observable() == solo.observable()
        assert outcome.kind == "power_off" and outcome.status == 0


def test_scan_finds_its_memory_end_and_nothing_beyond(tmp_path):
    (out,), _ = run_vmm([{"elf": hostile(tmp_path, "scan")[0], "mem": HOSTILE_MEM}], limit=LIMIT)
    lines = out.output.decode().splitlines()
    assert lines[0] == f"memory ends at {HOSTILE_MEM:08x}"
    assert lines[1] == "words not read back: 00000000"
    assert all(line.endswith(" 0000000a 0000000a") for line in lines[2:])   # BUS_ERROR, both ways
    assert len(lines) == 15 and out.status == 0


def test_scan_writes_land_in_its_own_host_pages_only(built, tmp_path):
    """After the scan filled its memory with its pattern, the pattern is in exactly the host
    pages of its machine map: not in the other guest's pages, not in the monitor's."""
    scan_elf, symbols = hostile(tmp_path, "scan")
    guests = [{"elf": built.kernel, "modules": [built["hello"]], "mem": 2 << 20},
              {"elf": scan_elf, "mem": HOSTILE_MEM}]
    outcomes, monitor = run_vmm(guests, limit=LIMIT, slice_instructions=10_000)
    words = monitor.machine.mem.u32
    pattern = 0x5CA77E44
    per_page = 1 << (PAGE_SHIFT - 2)
    with_pattern = {i // per_page for i in range(len(words)) if words[i] == pattern}
    scan, other = monitor.guests[1].mmap.pages, monitor.guests[0].mmap.pages
    image_end = symbols["image_end"] >> PAGE_SHIFT
    assert with_pattern == {scan[g] for g in range(image_end, HOSTILE_MEM >> PAGE_SHIFT)}
    assert not with_pattern & set(other.values())
    first, end = monitor.allocator.monitor_region
    assert not any(first <= p < end for p in with_pattern)
    assert outcomes[0].output == b"Hello, world!\n"


def test_pagemap_sees_bus_errors_beyond_its_memory(tmp_path):
    (out,), _ = run_vmm([{"elf": hostile(tmp_path, "pagemap")[0], "mem": HOSTILE_MEM}], limit=LIMIT)
    lines = out.output.decode().splitlines()
    bus, load_fault, store_fault = "0000000a", "00000005", "00000007"
    assert lines[0].split()[2] == bus and lines[1].split()[2] == bus and lines[2].split()[2] == bus
    assert lines[4].split()[2:] == ["00000000", "0000c0de", store_fault]   # its own page 0, read-only
    assert lines[5].split()[2] == load_fault                              # unmapped
    assert lines[6].split()[2] == bus and lines[7].split()[2] == bus     # second-level maps beyond
    assert out.kind == "crash" and out.status == 125                      # root map beyond: trap loop


def test_a_spinning_guest_is_preempted_and_stopped_at_its_limit(built, tmp_path):
    guests = [{"elf": hostile(tmp_path, "spin")[0], "mem": HOSTILE_MEM},
              {"elf": built.kernel, "modules": [built["hello"]], "mem": 2 << 20}]
    outcomes, monitor = run_vmm(guests, limit=LIMIT, slice_instructions=10_000)
    assert outcomes[1].output == b"Hello, world!\n"
    assert (outcomes[0].kind, outcomes[0].status, outcomes[0].state["count"]) == ("limit", 124, LIMIT)
    assert monitor.guests[0].stats.interrupts == {}          # its timer never got through IE = 0
