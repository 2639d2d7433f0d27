"""guestos under the monitor (SPEC §8): every program of programs/ prints the same bytes and
ends with the same status as on the bare machine, its whole architectural state included;
several guests at once each print what they print alone; a user program reading a guest
kernel page is killed by its own guest kernel, as on the bare machine."""
from __future__ import annotations

import subprocess
import sys

import pytest

from guestos_run import EXIT_KILLED, PROGRAMS, ROOT, build_all, kill_line, primes_lines
from vmm_support import run_bare, run_vmm

TOYVM = [sys.executable, "-m", "vmm.cli"]
NAMES = sorted({p.stem for p in PROGRAMS.glob("*.s")} | {p.stem for p in PROGRAMS.glob("*.c")})
INPUT = b"one line\nand no newline at the end"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos"))


@pytest.mark.parametrize("name", NAMES)
def test_program_under_guestos_is_the_same_under_the_monitor(built, name):
    bare = run_bare(built.kernel, modules=[built[name]], stdin=INPUT)
    (vmm,), monitor = run_vmm([{"elf": built.kernel, "modules": [built[name]], "stdin": INPUT}])
    assert bare.kind == "power_off" and bare.output
    assert vmm.observable() == bare.observable()
    kernel, user = monitor.guests[0].stats.direct
    assert user > 0 and kernel > 0


def test_every_program_at_once_under_one_guest_kernel(built):
    modules = [built[n] for n in NAMES]
    bare = run_bare(built.kernel, modules=modules, stdin=INPUT)
    (vmm,), _ = run_vmm([{"elf": built.kernel, "modules": modules, "stdin": INPUT}])
    assert vmm.observable() == bare.observable()
    assert bare.status == EXIT_KILLED          # fault, priv and snoop are killed


def test_the_command_line_prints_the_same_bytes_and_status(built, tmp_path):
    modules = [built["primes"], built["echo"], built["fault"]]
    args = [str(built.kernel)] + [a for m in modules for a in ("--module", str(m))]
    bare = subprocess.run(TOYVM + ["run", *args], input=INPUT, capture_output=True, timeout=120, cwd=ROOT)
    vmm = subprocess.run(TOYVM + ["run", "--vmm", *args], input=INPUT, capture_output=True, timeout=120,
                         cwd=ROOT)
    assert (vmm.stdout, vmm.returncode) == (bare.stdout, bare.returncode)
    assert vmm.returncode == EXIT_KILLED and b"primes: 2 3 5" in vmm.stdout and b"one line" in vmm.stdout


def alone(built, name: str, mem: int):
    """The program under guestos alone on a bare machine with that much memory."""
    return run_bare(built.kernel, modules=[built[name]], mem=mem, stdin=INPUT)


@pytest.mark.parametrize("programs", [("primes", "echo"), ("hailstone", "ticker", "spin", "fault")])
def test_guests_side_by_side_each_print_what_they_print_alone(built, programs):
    mems = [(2 << 20) * (i + 1) for i in range(len(programs))]      # 2, 4, 6, 8 MiB
    guests = [{"elf": built.kernel, "modules": [built[n]], "mem": m, "stdin": INPUT}
              for n, m in zip(programs, mems)]
    together, monitor = run_vmm(guests, slice_instructions=20_000)
    for name, mem, guest, stats in zip(programs, mems, together, (g.stats for g in monitor.guests)):
        assert guest.observable() == alone(built, name, mem).observable(), name
        assert stats.world_switches > 1          # they really took turns


def test_guest_output_files_and_exit_status_through_the_command_line(built, tmp_path):
    out = tmp_path / "out"
    r = subprocess.run(TOYVM + ["run", "--vmm",
                                "--guest", f"{built.kernel} --module {built['hello']} --mem 2M",
                                "--guest", f"{built.kernel} --module {built['snoop']} --mem 1M",
                                "--guest", f"{built.kernel} --module {built['primes']}",
                                "--guest-output", str(out)],
                       capture_output=True, timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert r.stdout == b""
    assert (out / "guestos-1.out").read_bytes() == b"Hello, world!\n"
    snoop = built.symbols["snoop"]
    assert (out / "guestos-2.out").read_text().splitlines()[-1] == kill_line(
        1, "snoop", "PAGE_FAULT_LOAD", snoop["bad_load"], 0x80010000)
    assert (out / "guestos-3.out").read_text().splitlines() == primes_lines()
    assert r.returncode == 0b010              # guest 2's kernel powered off with status 1
    assert "guest2" in r.stderr.decode() and "Traceback" not in r.stderr.decode()


def test_user_program_reading_guest_kernel_memory_is_killed_by_its_guest_kernel(built):
    """snoop, in virtual user mode, loads from a page of its guest kernel (no PTE_U): the
    monitor's user-mode shadow has no entry for it, the fault is a true fault, and the guest
    kernel -- not the monitor -- kills the program, exactly as on the bare machine."""
    (vmm,), monitor = run_vmm([{"elf": built.kernel, "modules": [built["snoop"], built["hello"]]}])
    snoop = built.symbols["snoop"]
    lines = vmm.output.decode().splitlines()
    assert kill_line(1, "snoop", "PAGE_FAULT_LOAD", snoop["bad_load"], 0x80010000) in lines
    assert "Hello, world!" in lines and vmm.status == EXIT_KILLED
    stats = monitor.guests[0].stats
    assert stats.true_faults == {5: 1}        # the one PAGE_FAULT_LOAD, reflected to the guest
