"""The host side of the boot contract (docs/boot.md): `toyvm run --module` places every module's
segments and the boot-info table in RAM; checked against llvm-readelf's view of the same files."""
from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess

import pytest

from guestos_run import boot, build_all
from isa import PREDEFINED_VALUES as SYM
from isa.boot import BOOTINFO_MAGIC
from isa.machine import PAGE_SIZE
from vmm.machine import ConsoleInput, ConsoleOutput, LoadError, Machine, load_executable
from vmm.machine.boot import boot as boot_image
from vmm.machine.boot import load_modules
from vmm.monitor import GuestConfig, Monitor


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos-boot"))


def readelf_segments(path) -> tuple[int, list[tuple[int, int, int, str, bytes]]]:
    """(entry, [(vaddr, memsz, filesz, flags 'RWE', file bytes)]) of the PT_LOAD segments."""
    text = subprocess.run(["llvm-readelf", "-hl", str(path)], capture_output=True, text=True,
                          check=True).stdout
    entry = int(re.search(r"Entry point address:\s+(0x[0-9a-fA-F]+)", text).group(1), 16)
    data = path.read_bytes()
    segments = []
    for m in re.finditer(r"^\s+LOAD\s+(0x\S+)\s+(0x\S+)\s+0x\S+\s+(0x\S+)\s+(0x\S+)\s+([RWE ]+?)\s+0x",
                         text, re.M):
        offset, vaddr, filesz, memsz = (int(g, 16) for g in m.groups()[:4])
        if memsz:
            segments.append((vaddr, memsz, filesz, m.group(5).replace(" ", ""),
                             data[offset:offset + filesz]))
    return entry, segments


def word(machine, addr: int) -> int:
    return struct.unpack("<I", machine.mem.read(addr, 4))[0]


@pytest.mark.parametrize("names", [["hello"], ["primes", "echo", "hello"], ["hailstone", "hello"]])
def test_table_lists_each_module_and_its_bytes_are_in_place(built, names):
    if shutil.which("llvm-readelf") is None:
        pytest.skip("llvm-readelf not installed")
    machine = Machine(4 << 20)
    kernel = load_executable(machine, str(built.kernel))
    paths = [built[n] for n in names]
    table = load_modules(machine, [str(p) for p in paths], kernel.end)

    assert word(machine, table + SYM["BI_MAGIC"]) == BOOTINFO_MAGIC
    assert word(machine, table + SYM["BI_RAM_SIZE"]) == 4 << 20
    assert word(machine, table + SYM["BI_NMODULES"]) == len(names)
    free = word(machine, table + SYM["BI_FREE"])
    assert free % PAGE_SIZE == 0
    assert free >= table + SYM["BI_HEADER_SIZE"] + len(names) * SYM["BI_MOD_SIZE"]
    used = []    # physical ranges of the segments
    for i, (name, path) in enumerate(zip(names, paths)):
        record = table + SYM["BI_HEADER_SIZE"] + i * SYM["BI_MOD_SIZE"]
        entry, segments = readelf_segments(path)
        assert word(machine, record + SYM["BI_MOD_ENTRY"]) == entry
        assert word(machine, record + SYM["BI_MOD_NSEGS"]) == len(segments)
        raw_name = machine.mem.read(record + SYM["BI_MOD_NAME"], SYM["BI_MOD_NAME_SIZE"])
        assert raw_name.rstrip(b"\0") == name.encode()
        for j, (vaddr, memsz, filesz, flags, data) in enumerate(segments):
            seg = record + SYM["BI_MOD_SEGS"] + j * SYM["BI_SEG_SIZE"]
            paddr = word(machine, seg + SYM["BI_SEG_PADDR"])
            assert word(machine, seg + SYM["BI_SEG_VADDR"]) == vaddr
            assert word(machine, seg + SYM["BI_SEG_MEMSZ"]) == memsz
            assert word(machine, seg + SYM["BI_SEG_FILESZ"]) == filesz
            want = (SYM["BI_SEG_R"] * ("R" in flags) | SYM["BI_SEG_W"] * ("W" in flags)
                    | SYM["BI_SEG_X"] * ("E" in flags))
            assert word(machine, seg + SYM["BI_SEG_FLAGS"]) == want
            assert paddr % PAGE_SIZE == vaddr % PAGE_SIZE, "mappable in place"
            assert machine.mem.read(paddr, filesz) == data
            assert machine.mem.read(paddr + filesz, memsz - filesz) == bytes(memsz - filesz)
            used.append((paddr, paddr + memsz))
    used.sort()
    assert used[0][0] >= kernel.end, "after the kernel image"
    assert all(a[1] <= b[0] for a, b in zip(used, used[1:])), "no two segments share bytes"
    assert used[-1][1] <= table


def test_modules_that_do_not_fit_are_a_clear_error(built):
    run = boot(built.kernel, built["primes"], built["hello"], options=["--mem", "96K"])
    assert run.status == 1 and run.out == b""
    assert run.err.startswith("toyvm: error: ") and "--mem" in run.err


def test_a_module_that_is_not_an_elf_file_is_a_clear_error(built, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a program\n")
    run = boot(built.kernel, bogus)
    assert run.status == 1 and run.out == b""
    assert run.err.startswith("toyvm: error: ") and "notes.txt" in run.err


def test_load_modules_raises_load_error_when_ram_is_short(built):
    machine = Machine(128 << 10)
    kernel = load_executable(machine, str(built.kernel))
    with pytest.raises(LoadError, match="--mem"):
        load_modules(machine, [str(built["primes"])] * 8, kernel.end)


def test_one_boot_path_for_the_bare_machine_and_a_guest(built):
    """``boot``: the image at its entry point; a0 and the table only when there are modules; the
    same bytes in a guest's physical memory as in the bare machine's RAM."""
    bare = Machine(1 << 20)
    image = boot_image(bare, str(built.kernel))
    assert bare.pc == image.entry and bare.regs[10] == 0
    assert word(bare, image.end) == 0                   # no table without modules
    with_modules = Machine(1 << 20)
    boot_image(with_modules, str(built.kernel), [str(built["hello"])])
    table = with_modules.regs[10]
    assert table and word(with_modules, table + SYM["BI_MAGIC"]) == BOOTINFO_MAGIC
    monitor = Monitor([GuestConfig(str(built.kernel), [str(built["hello"])], 1 << 20)],
                      [(ConsoleInput(None), ConsoleOutput(io.BytesIO()))])
    monitor.boot()
    guest = monitor.guests[0]
    assert (guest.vcpu.pc, guest.vcpu.regs[10]) == (with_modules.pc, table)
    host = monitor.machine.mem
    for addr in range(0, with_modules.mem.size, PAGE_SIZE):
        hppn = guest.mmap.pages.get(addr // PAGE_SIZE)
        page = host.read(hppn * PAGE_SIZE, PAGE_SIZE) if hppn is not None else bytes(PAGE_SIZE)
        assert page == with_modules.mem.read(addr, PAGE_SIZE), hex(addr)
