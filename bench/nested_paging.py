"""The price of nested paging, and where it pays (issue 14), in the spirit of Adams and Agesen
(ASPLOS 2006) and Bhargava et al. (ASPLOS 2008): two small kernels, run bare, under shadow paging
(``--strategy hw``, ``vt --paging shadow``) and under nested paging (``hw --paging nested``,
``vt``).

    python bench/nested_paging.py [--repeat N]

  sweep  bench/paging_kernel.s: 1024 pages swept 40 times, one touch of each page per sweep,
         tlbflush after every sweep -- every touch is a TLB miss, so the walks dominate. Nested
         paging should lose: each of its misses reads up to 8 words where the bare machine's
         reads 2, while a shadow map survives the guest's flush (the monitor checks its leaves
         against the guest's map once per flush and keeps them).
  remap  bench/remap_kernel.s: 300 rounds of rewriting 32 entries of the live page map, tlbflush,
         and touching the 32 pages -- every round invalidates every translation a shadow holds.
         Nested paging should win: shadow paging pays a monitor entry per flush and a hidden
         page fault per page per round; nested paging pays nothing (vt) or the flush's trap (hw).

Then the same counts per guestos operation of bench/strategies.py (system call, process switch,
demand-zero page fault; (run with 2n - run with n) / n), whose times and monitor entries that
benchmark gives.

Counted, per run, from the machine's MMU (``machine.mmu``): TLB misses and the memory references
the processor's walks made (2 per walk of a §5 map, shadow maps included; up to 8 per nested
walk). Under shadow paging the monitor reads the guest's page map too -- a software walk on every
hidden or true page fault that no shadow leaf explains, and the check of every shadow leaf
against the guest's map when a flushed shadow is installed again -- and those words are counted
separately (the guest's ``read_word``, the monitor's only way to the guest's page-map words under
hw and vt). Total = both. Monitor entries and fills come from the guest's statistics. Counts are
exact and the same every run; times are the best of --repeat runs, noisy to about +-15%.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from asm.api import assemble_files
from vmm.machine import ConsoleInput, ConsoleOutput
from vmm.monitor import GuestConfig, Monitor
from workloads import (GETPID, HEAP_PAGE, HEAP_START, LOOP, MODES, ROOT, YIELD, best, build_kernel, build_program,
                       run_bare)

WORKLOADS = (   # name, kernel, what it shows
    ("sweep", "paging_kernel.s", "1024 pages x 40 sweeps, tlbflush between sweeps: walks dominate"),
    ("remap", "remap_kernel.s", "300 x (rewrite 32 live map entries, tlbflush, touch the 32 pages)"),
)
PAGING_MODES = ("hw", "vt+shadow", "hw+nested", "vt")
OPERATIONS = (   # as bench/strategies.py: name, loop body, prologue, n, processes
    ("system call", GETPID, "", 200, 1),
    ("process switch", YIELD, "", 100, 2),
    ("page fault", HEAP_PAGE, HEAP_START, 100, 1),
)


def run_counted(kernel: Path, mode: str, modules: tuple[Path, ...] = ()):
    """(seconds, console output, the guest, page-map words the monitor read) of one monitor run."""
    strategy, paging = MODES[mode]
    out = io.BytesIO()
    monitor = Monitor([GuestConfig(str(kernel), [str(m) for m in modules])],
                      [(ConsoleInput(None), ConsoleOutput(out))], strategy=strategy, paging=paging)
    guest = monitor.guests[0]
    reads = [0]
    plain = guest.read_word

    def counted(gpa: int) -> int:
        reads[0] += 1
        return plain(gpa)
    # the fault path walks through guest.read_word, the shadow resync through its own reference to it
    guest.read_word = counted
    guest.shadows.read_word = counted
    monitor.boot()
    started = time.perf_counter()
    monitor.run()
    return time.perf_counter() - started, out.getvalue(), guest, reads[0]


def row(name: str, seconds: float, bare_seconds: float, mmu, entries, fills, monitor_reads) -> str:
    per_miss = mmu.walk_refs / mmu.misses if mmu.misses else 0.0
    total = mmu.walk_refs + (monitor_reads or 0)
    dash = lambda v: "-" if v is None else f"{v:,}"      # noqa: E731
    return (f"{name:<11}{seconds:>8.3f}{seconds / bare_seconds:>7.2f}x{dash(entries):>9}{dash(fills):>8}"
            f"{mmu.misses:>9,}{per_miss:>6.2f}{mmu.walk_refs:>10,}{dash(monitor_reads):>10}{total:>10,}")


def guestos_operations(tmp: Path) -> None:
    kernel = build_kernel(tmp)
    print("guestos operations, per operation (bench/strategies.py has their times and monitor entries)")
    print(f"{'':<16}" + "".join(f"{mode:>20}" for mode in ("bare", *PAGING_MODES)))
    print(f"{'':<16}" + f"{'TLB miss':>10}{'refs':>10}" * (1 + len(PAGING_MODES)))
    for name, body, prologue, n, processes in OPERATIONS:
        runs = []
        for count in (n, 2 * n):
            program = build_program(tmp, f"op{count}", LOOP.format(n=count, body=body), prologue.format(pages=count))
            modules = (program,) * processes
            machine = run_bare(kernel, list(modules))[2]
            counts = [(machine.mmu.misses, machine.mmu.walk_refs)]
            for mode in PAGING_MODES:
                _, _, guest, reads = run_counted(kernel, mode, modules)
                counts.append((guest.machine.mmu.misses, guest.machine.mmu.walk_refs + reads))
            runs.append(counts)
        ops = n * processes
        cells = [f"{(b[0] - a[0]) / ops:>10.1f}{(b[1] - a[1]) / ops:>10.1f}" for a, b in zip(*runs)]
        print(f"{name:<16}" + "".join(cells), flush=True)
    print("(refs: walk refs + mon reads, as above)")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best counts)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        for name, source, what in WORKLOADS:
            kernel = Path(tmp) / f"{name}.elf"
            kernel.write_bytes(assemble_files([str(ROOT / "bench" / source)]).to_elf())
            print(f"{name}: bench/{source}, {what}")
            print(f"{'':<11}{'time s':>8}{'/bare':>8}{'entries':>9}{'fills':>8}{'TLB miss':>9}{'ref/m':>6}"
                  f"{'walk refs':>10}{'mon reads':>10}{'total':>10}")
            bare_seconds, (_, bare_out, machine) = best(repeat, run_bare, kernel, [])
            print(row("bare", bare_seconds, bare_seconds, machine.mmu, None, None, None))
            for mode in PAGING_MODES:
                seconds, (_, out, guest, reads) = best(repeat, run_counted, kernel, mode)
                s = guest.stats
                nested = getattr(guest.strategy, "paging", "shadow") == "nested"
                line = row(mode, seconds, bare_seconds, guest.machine.mmu, s.entries,
                           s.mmap_fills if nested else s.hidden_faults, None if nested else reads)
                print(line + ("" if out == bare_out else "  OUTPUT DIFFERS"), flush=True)
            print()
        guestos_operations(Path(tmp))
    print("entries: monitor entries; fills: hidden page faults (shadow) or machine-map fills (nested);\n"
          "TLB miss, ref/m, walk refs: the processor's TLB misses, references per miss, references in\n"
          "all its walks; mon reads: guest page-map words the monitor read (shadow paging only);\n"
          "total: walk refs + mon reads.")


if __name__ == "__main__":
    main()
