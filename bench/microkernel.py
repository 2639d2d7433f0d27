"""What a microkernel costs, against the monolithic guestos: the same guestos programs on both
kernels (guestos/ and guestos/micro/, docs/microkernel.md), on the bare machine and under the
monitor with each strategy (para runs each kernel's --defsym PARAVIRT=1 build).

    python bench/microkernel.py

Per operation, as bench/guestos_costs.py does: the difference between a run doing it 2n times and
one doing it n times, divided by n, so boot and exit cancel out. Instructions (user + kernel,
all threads: under the microkernel the servers' too), traps and TLB flushes (stpmar and
tlbflush: page-map switches) are counted on the bare machine; the monitor runs the same guest
instructions and traps (checked), so its figure is the monitor entries per operation. Every
figure is an exact count: the timer counts instructions, so the runs are the same every time.
(Times are left out on purpose: a few hundred instructions per operation are lost in the noise
of a run that boots a kernel; bench/strategies.py times guestos's operations.)
  write        write(1, buf, 1)
  getpid       getpid()
  yield        sched_yield() with nobody else to run
  switch       two processes handing the processor to each other with sched_yield
Last, the size of what each kernel trusts: source lines and instruction statements.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from workloads import GETPID, GUESTOS, LOOP, YIELD, build_kernel, build_program, run_bare, run_vmm

from guestos.build import sources as guestos_sources         # noqa: E402 (workloads set sys.path)
from guestos.micro.build import build_microkernel, sources as micro_sources  # noqa: E402
from vmm.monitor.strategies import STRATEGY_NAMES                               # noqa: E402

STRATEGIES = STRATEGY_NAMES            # para runs each kernel's PARAVIRT build
WRITE = "    li a0, STDOUT\n    la a1, byte\n    li a2, 1\n    li a7, SYS_WRITE\n    ecall"
OPERATIONS = (   # name, loop body, n, processes
    ("write", WRITE, 100, 1),
    ("getpid", GETPID, 200, 1),
    ("yield", YIELD, 200, 1),
    ("switch", YIELD, 100, 2),
)
SERVERS = ("srv_console.s", "srv_pm.s")


def statements(path: Path) -> tuple[int, int]:
    """(lines, instruction statements) of an assembly file: a statement is a line that is not
    blank, a comment, a label alone or a directive (both sides of an .ifdef count)."""
    text = path.read_text()
    count = 0
    for line in text.splitlines():
        line = re.sub(r"#.*", "", line)
        line = re.sub(r"^\s*(\w+|\d+):", "", line).strip()
        if line and not line.startswith("."):
            count += 1
    return len(text.splitlines()), count


def size_table() -> None:
    """Lines and instruction statements of every source file of each kernel, the servers apart."""
    guestos = guestos_sources()
    micro = [p for p in micro_sources() if p.name not in SERVERS]
    servers = [p for p in micro_sources() if p.name in SERVERS]
    print(f"{'source file':<28}{'guestos':>18}{'microkernel':>18}")
    print(f"{'':<28}{'lines':>9}{'instr':>9}{'lines':>9}{'instr':>9}")
    totals = {"g": [0, 0], "m": [0, 0]}
    for path in sorted(set(guestos) | set(micro), key=lambda p: (p.parent != GUESTOS, p.name)):
        lines, count = statements(path)
        cells = []
        for key, kernel in (("g", guestos), ("m", micro)):
            if path in kernel:
                totals[key][0] += lines
                totals[key][1] += count
                cells.append(f"{lines:>9,}{count:>9,}")
            else:
                cells.append(f"{'-':>9}{'-':>9}")
        print(f"{str(path.relative_to(GUESTOS)):<28}" + "".join(cells))
    print(f"{'kernel (trusted, kernel mode)':<28}" + "".join(f"{t[0]:>9,}{t[1]:>9,}" for t in totals.values()))
    lines = sum(statements(p)[0] for p in servers)
    count = sum(statements(p)[1] for p in servers)
    print(f"{'servers (user mode)':<28}{'':>18}{lines:>9,}{count:>9,}")
    print("(instr: instruction statements in the source, both sides of an .ifdef; a pseudo-instruction "
          "such as li counts once)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kernels = {
            "guestos": {"plain": build_kernel(tmp), "para": build_kernel(tmp, "guestos-para", defsyms={"PARAVIRT": 1})},
            "micro": {"plain": build_microkernel(tmp / "micro.elf"),
                      "para": build_microkernel(tmp / "micro-para.elf", defsyms={"PARAVIRT": 1})},
        }

        def bare(kernel: str, modules: list[Path]):
            _, out, machine = run_bare(kernels[kernel]["plain"], modules)
            return sum(machine.stats.instructions), sum(machine.stats.traps.values()), machine.mmu.flushes, out

        def monitor(kernel: str, strategy: str, modules: list[Path]):
            image = kernels[kernel]["para" if strategy == "para" else "plain"]
            _, out, guest = run_vmm(image, modules, strategy=strategy)
            return guest.stats.entries, out

        print("per operation: instructions, traps and TLB flushes (page-map switches) on the bare machine;")
        print("monitor entries under each strategy of the monitor")
        print(f"{'':<9}{'kernel':<9}{'instr':>8}{'traps':>7}{'flushes':>9}"
              + "".join(f"{s:>8}" for s in STRATEGIES))
        for name, body, n, processes in OPERATIONS:
            few = [build_program(tmp, "few", LOOP.format(n=n, body=body))] * processes
            many = [build_program(tmp, "many", LOOP.format(n=2 * n, body=body))] * processes
            ops = n * processes
            for kernel in kernels:
                i0, r0, f0, out0 = bare(kernel, few)
                i1, r1, f1, out1 = bare(kernel, many)
                assert len(out1) - len(out0) == (n if name == "write" else 0), (name, kernel)
                cells = [f"{(i1 - i0) / ops:>8.1f}{(r1 - r0) / ops:>7.1f}{(f1 - f0) / ops:>9.1f}"]
                for strategy in STRATEGIES:
                    e0, vout0 = monitor(kernel, strategy, few)
                    e1, vout1 = monitor(kernel, strategy, many)
                    assert (vout0, vout1) == (out0, out1), (name, kernel, strategy)
                    cells.append(f"{(e1 - e0) / ops:>8.1f}")
                print(f"{name if kernel == 'guestos' else '':<9}{kernel:<9}" + "".join(cells), flush=True)
        print()
        size_table()


if __name__ == "__main__":
    main()
