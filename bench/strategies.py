"""The ways to virtualize TOY32 side by side, in the manner of Adams and Agesen's comparison of
software and hardware virtualization for x86 (ASPLOS 2006): the same guest operations under
``--strategy trap``, ``bt``, ``hw`` and ``para`` (shadow paging), ``hw --paging nested``
(hw+nested), ``vt`` (the hardware guest mode with nested paging) and ``vt --paging shadow``
(vt+shadow), with the bare machine as the baseline.

    python bench/strategies.py [--repeat N]

The guest is guestos (for para: guestos built with --defsym PARAVIRT=1, the paravirtual variant
from the same sources) running one small user program. Each operation's cost is the difference
between a run doing it 2n times and a run doing it n times, divided by n, so boot and exit cancel
out -- and so do one-time costs such as translating the code of the path measured, which is why
the baseline does it n times too: the cost is (run with 2n - run with n) / n. Monitor entries per
operation are exact counts. The runs compared (n and 2n, bare and under the mode) take turns,
--repeat rounds of them, and a figure is the median over the rounds of what one round measured:
the shared machine's speed varies too much for the best of each run alone to be compared. Per
operation this prints microseconds (which move with the machine's speed) and the operation's
cost under the mode as a multiple of its cost on the bare machine in the same round (which does
not, as long as a round's speed holds).
  system call      getpid in a loop
  process switch   two processes handing the processor to each other with sched_yield
  page fault       one new heap page touched per iteration (guestos maps it, demand-zero)
Last, the whole run of primes + hello: monitor entries, and monitor time / bare time.
The price of nested paging itself (walks, TLB misses) is bench/nested_paging.py's.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from asm.api import assemble_files
from workloads import (GETPID, GUESTOS, HEAP_PAGE, HEAP_START, LOOP, MODES, ROOT, YIELD, build_kernel,
                       build_program, in_turns, median, run_bare, run_vmm)

STRATEGIES = tuple(MODES)          # every configuration of the monitor (vmm/monitor/config.py)
OPERATIONS = (   # name, loop body, prologue, n, processes
    ("system call", GETPID, "", 1000, 1),
    ("process switch", YIELD, "", 500, 2),
    ("page fault", HEAP_PAGE, HEAP_START, 100, 1),      # 2 x 100 pages: within guestos's heap limit
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # best of 5: per-operation times are differences of two runs, and one slow run in 3 is common
    # on a shared 2-core machine
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (the best counts)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kernels = {"plain": build_kernel(tmp), "para": build_kernel(tmp, "guestos-para", defsyms={"PARAVIRT": 1})}

        def kernel_for(mode: str | None) -> Path:
            return kernels["para" if mode == "para" else "plain"]

        def run(mode: str | None, modules: list[Path]):
            """A no-argument run: (seconds, output, monitor entries, instructions)."""
            def once():
                if mode is None:
                    seconds, out, machine = run_bare(kernel_for(None), modules)
                    return seconds, out, 0, machine.count
                strategy, paging = MODES[mode]
                seconds, out, guest = run_vmm(kernel_for(mode), modules, strategy=strategy, paging=paging)
                return seconds, out, guest.stats.entries, sum(guest.stats.instructions)
            return once

        programs = {}
        for name, body, prologue, n, processes in OPERATIONS:
            none = build_program(tmp, f"{name}-n", LOOP.format(n=n, body=body), prologue.format(pages=n))
            some = build_program(tmp, f"{name}-2n", LOOP.format(n=2 * n, body=body), prologue.format(pages=2 * n))
            programs[name] = ([none] * processes, [some] * processes, n * processes)
        whole = [tmp / "primes.elf", tmp / "hello.elf"]
        for path in whole:
            path.write_bytes(assemble_files([str(ROOT / "programs" / f"{path.stem}.s")],
                                            include_dirs=[str(GUESTOS)]).to_elf())

        print(f"{'':<12}" + "".join(f"{name:>27}" for name, *_ in OPERATIONS) + f"{'primes + hello':>22}")
        print(f"{'':<12}" + f"{'entries':>12}{'us':>8}{'xbare':>7}" * len(OPERATIONS) + f"{'entries':>12}{'time':>10}")
        _, (bare_whole,) = in_turns(1, run(None, whole))
        _, out_bare, _, count = bare_whole
        same = []
        for mode in (None, *STRATEGIES):
            cells = []
            for name, *_ in OPERATIONS:
                none, some, ops = programs[name]
                # the mode's runs of n and 2n, after bare's in the same round (the bare row: bare's only)
                runs = [run(mode, none), run(mode, some)]
                if mode is not None:
                    runs = [run(None, none), run(None, some), *runs]
                rounds, (*_, (_, _, e0, _), (_, _, e1, _)) = in_turns(repeat, *runs)
                entries = "-" if mode is None else f"{(e1 - e0) / ops:.1f}"
                seconds = median(r[-1] - r[-2] for r in rounds)
                times_bare = "-" if mode is None else f"{median((t1 - t0) / (b1 - b0) for b0, b1, t0, t1 in rounds):.2f}"
                cells.append(f"{entries:>12}{1e6 * seconds / ops:>8.1f}{times_bare:>7}")
            if mode is None:
                rounds, _ = in_turns(repeat, run(None, whole))
                cells.append(f"{'-':>12}{median(t for t, in rounds):>9.3f}s")
            else:
                rounds, (_, (_, out, entries, _)) = in_turns(repeat, run(None, whole), run(mode, whole))
                cells.append(f"{entries:>12,}{median(t / t0 for t0, t in rounds):>9.2f}x")
                if out != out_bare:
                    same.append(mode)
            print(f"{mode or 'bare':<12}" + "".join(cells), flush=True)
        print(f"(entries: monitor entries per operation, and in the whole run; us: microseconds per "
              f"operation; xbare: its time under the mode / on bare, in the same round; time: bare seconds, "
              f"then monitor time / bare time; {count:,} guest instructions "
              f"in the whole run; output as bare's: {'every mode' if not same else 'NOT ' + ', '.join(same)})")


if __name__ == "__main__":
    main()
