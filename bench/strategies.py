"""The four ways to virtualize TOY32 side by side, in the manner of Adams and Agesen's comparison
of software and hardware virtualization for x86 (ASPLOS 2006): the same guest operations under
``--strategy trap``, ``bt``, ``hw`` and ``para``, with the bare machine as the baseline.

    python bench/strategies.py [--repeat N]

The guest is guestos (for para: guestos built with --defsym PARAVIRT=1, the paravirtual variant
from the same sources) running one small user program. Each operation's cost is the difference
between a run doing it 2n times and a run doing it n times, divided by n, so boot and exit cancel
out -- and so do one-time costs such as translating the code of the path measured, which is why
the baseline does it n times too: the cost is (run with 2n - run with n) / n. Monitor entries per
operation are exact counts, times are the best of --repeat runs.
  system call      getpid in a loop
  process switch   two processes handing the processor to each other with sched_yield
  page fault       one new heap page touched per iteration (guestos maps it, demand-zero)
Last, the overall overhead ratio (monitor time / bare time) on primes + hello.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from asm.api import assemble_files
from workloads import (GETPID, GUESTOS, HEAP_PAGE, HEAP_START, LOOP, ROOT, YIELD, best, build_kernel,
                       build_program, run_bare, run_vmm)

STRATEGIES = ("trap", "bt", "hw", "para")
OPERATIONS = (   # name, loop body, prologue, n, processes
    ("system call", GETPID, "", 1000, 1),
    ("process switch", YIELD, "", 500, 2),
    ("page fault", HEAP_PAGE, HEAP_START, 100, 1),      # 2 x 100 pages: within guestos's heap limit
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best counts)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kernels = {"plain": build_kernel(tmp), "para": build_kernel(tmp, "guestos-para", defsyms={"PARAVIRT": 1})}

        def kernel_for(strategy: str | None) -> Path:
            return kernels["para" if strategy == "para" else "plain"]

        def measure(strategy: str | None, modules: list[Path]):
            if strategy is None:
                seconds, (_, out, machine) = best(repeat, run_bare, kernel_for(None), modules)
                return seconds, out, 0, machine.count
            seconds, (_, out, guest) = best(repeat, run_vmm, kernel_for(strategy), modules, strategy=strategy)
            return seconds, out, guest.stats.entries, sum(guest.stats.instructions)

        header = f"{'':<16}{'bare':>10}" + "".join(f"{s:>22}" for s in STRATEGIES)
        print(header)
        print(f"{'per operation':<16}{'us':>10}" + f"{'entries':>12}{'us':>10}" * len(STRATEGIES))
        for name, body, prologue, n, processes in OPERATIONS:
            none = [build_program(tmp, "none", LOOP.format(n=n, body=body), prologue.format(pages=n))] * processes
            some = [build_program(tmp, "some", LOOP.format(n=2 * n, body=body), prologue.format(pages=2 * n))] * processes
            ops = n * processes
            cells = []
            for strategy in (None, *STRATEGIES):
                t0, out0, e0, _ = measure(strategy, none)
                t1, out1, e1, _ = measure(strategy, some)
                per_us = 1e6 * (t1 - t0) / ops
                cells.append(f"{per_us:>10.1f}" if strategy is None else f"{(e1 - e0) / ops:>12.1f}{per_us:>10.1f}")
            print(f"{name:<16}" + "".join(cells))

        programs = [tmp / "primes.elf", tmp / "hello.elf"]
        for path in programs:
            path.write_bytes(assemble_files([str(ROOT / "programs" / f"{path.stem}.s")],
                                            include_dirs=[str(GUESTOS)]).to_elf())
        t_bare, out_bare, _, count = measure(None, programs)
        cells = [f"{t_bare:>9.3f}s"]
        same = []
        for strategy in STRATEGIES:
            seconds, out, entries, instructions = measure(strategy, programs)
            cells.append(f"{entries:>12,}{seconds / t_bare:>9.2f}x")
            same.append(f"{strategy}: {'same output' if out == out_bare else 'OUTPUT DIFFERS'}")
        print()
        print(f"{'primes + hello':<16}" + "".join(cells))
        print(f"({count:,} guest instructions; entries = monitor entries in the whole run; "
              f"ratio = monitor time / bare time; {', '.join(same)})")


if __name__ == "__main__":
    main()
