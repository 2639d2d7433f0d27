"""Virtualization overhead, measured side by side in one run: the same guest -- guestos running
one workload -- on the bare machine and as the only guest of the monitor.

    python bench/vmm_overhead.py [--repeat N]

Workloads (guestos user programs):
  cpu-bound     Collatz steps of 1..30000 in registers: almost every instruction runs directly;
                the monitor only sees the guest's timer ticks.
  syscalls      getpid in a loop: each call traps to the monitor, is reflected to the guest
                kernel, whose handler's privileged instructions trap again.
  page-map switching  two processes handing the processor to each other with sched_yield (guestos
                has no fork; each yield is a process switch: the guest kernel stores the other
                process's root in its pmar), run with the shadow cache and without it.
Times are the best of --repeat runs (the machine is shared); the monitor's counters are exact.
Per-operation figures are differences between a run with n operations and one with none.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from asm.api import assemble_files, assemble_source
from isa.machine import REGISTERS
from vmm.machine import ConsoleInput, ConsoleOutput, Machine, load_executable
from vmm.machine.boot import load_modules
from vmm.monitor import GuestConfig, Monitor

ROOT = Path(__file__).resolve().parents[1]
GUESTOS = ROOT / "guestos"
EXIT = "    li a0, 0\n    li a7, SYS_EXIT\n    ecall\n"
LOOP = """
    li s0, {n}
1:  beqz s0, 2f
{body}
    addi s0, s0, -1
    j 1b
2:"""
CPU = """
    li s0, 0
    li s1, 1
    li s3, {n}
1:  mv t0, s1
2:  li t1, 1
    beq t0, t1, 4f
    andi t2, t0, 1
    beqz t2, 3f
    slli t3, t0, 1
    add t0, t0, t3
    addi t0, t0, 1
    addi s0, s0, 1
    j 2b
3:  srli t0, t0, 1
    addi s0, s0, 1
    j 2b
4:  addi s1, s1, 1
    blt s1, s3, 1b
"""
GETPID = "    li a7, SYS_GETPID\n    ecall"
YIELD = "    li a7, SYS_SCHED_YIELD\n    ecall"


def bare(kernel: Path, modules: list[Path]) -> tuple[float, bytes, int]:
    out = io.BytesIO()
    m = Machine(console_in=ConsoleInput(None), console_out=ConsoleOutput(out))
    image = load_executable(m, str(kernel))
    m.regs[REGISTERS["a0"]] = load_modules(m, [str(p) for p in modules], image.end)
    m.pc = image.entry
    started = time.perf_counter()
    m.run()
    return time.perf_counter() - started, out.getvalue(), m.count


def vmm(kernel: Path, modules: list[Path], cache: bool = True):
    out = io.BytesIO()
    monitor = Monitor([GuestConfig(str(kernel), [str(p) for p in modules])],
                      [(ConsoleInput(None), ConsoleOutput(out))], shadow_cache=cache)
    monitor.boot()
    started = time.perf_counter()
    monitor.run()
    return time.perf_counter() - started, out.getvalue(), monitor.guests[0]


def best(repeat: int, run, *args):
    results = [run(*args) for _ in range(repeat)]
    return min(r[0] for r in results), results[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best counts)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sources = [GUESTOS / "boot.s"] + sorted(set(GUESTOS.glob("*.s")) - {GUESTOS / "boot.s"})
        kernel = tmp / "guestos.elf"
        kernel.write_bytes(assemble_files([str(s) for s in sources], text_base=0x80010000,
                                          phys_base=0x10000).to_elf())

        def program(name: str, body: str) -> Path:
            text = f'.include "syscalls.inc"\n.globl _start\n_start:\n{body}\n{EXIT}\n'
            path = tmp / f"{name}.elf"
            path.write_bytes(assemble_source(text, include_dirs=[str(GUESTOS)]).to_elf())
            return path

        workloads = [("cpu-bound", [program("cpu", CPU.format(n=30000))]),
                     ("syscalls (5000 getpid)", [program("sys", LOOP.format(n=5000, body=GETPID))]),
                     ("page-map switching (2 x 1000 yields)", [program("yield", LOOP.format(n=1000, body=YIELD))] * 2)]
        print(f"{'workload':<40}{'instructions':>14}{'bare s':>9}{'vmm s':>9}{'vmm/bare':>10}"
              f"{'direct':>9}  same output")
        for name, modules in workloads:
            t_bare, (_, out_bare, count) = best(repeat, bare, kernel, modules)
            t_vmm, (_, out_vmm, guest) = best(repeat, vmm, kernel, modules)
            kernel_direct, user_direct = guest.stats.direct
            share = 100 * (kernel_direct + user_direct) / count
            print(f"{name:<40}{count:>14,}{t_bare:>9.3f}{t_vmm:>9.3f}{t_vmm / t_bare:>10.2f}"
                  f"{share:>8.2f}%  {'yes' if out_vmm == out_bare else 'NO'}")

        print()
        n = 1000
        none, some = program("sys0", LOOP.format(n=0, body=GETPID)), program("sysn", LOOP.format(n=n, body=GETPID))
        g0, g1 = vmm(kernel, [none])[2].stats, vmm(kernel, [some])[2].stats
        print(f"per system call (getpid): {(g1.entries - g0.entries) / n:.1f} monitor entries "
              f"({(g1.syscalls - g0.syscalls) / n:.0f} reflected ecall, "
              f"{(sum(g1.privileged.values()) - sum(g0.privileged.values())) / n:.1f} privileged instructions "
              f"emulated, {(sum(g1.devices.values()) - sum(g0.devices.values())) / n:.1f} device accesses)")
        for mnemonic in sorted(g1.privileged):
            print(f"    {mnemonic:<10}{(g1.privileged[mnemonic] - g0.privileged[mnemonic]) / n:6.2f}")

        print()
        n = 500
        none, some = program("y0", LOOP.format(n=0, body=YIELD)), program("yn", LOOP.format(n=n, body=YIELD))
        print(f"per process switch (sched_yield between two processes), {n} yields each:")
        print(f"{'shadow cache':<14}{'switches':>10}{'maps built':>12}{'fills':>8}{'resyncs':>9}"
              f"{'entries':>9}{'vmm s':>8}   per switch: built, fills, monitor entries")
        for cache in (True, False):
            t0, (_, _, a) = best(repeat, vmm, kernel, [none] * 2, cache)
            t1, (_, _, b) = best(repeat, vmm, kernel, [some] * 2, cache)
            a, b = a.stats, b.stats
            switches = b.pmar_switches - a.pmar_switches
            built, fills = b.shadow_builds - a.shadow_builds, b.shadow_fills - a.shadow_fills
            entries = b.entries - a.entries
            print(f"{'on' if cache else 'off':<14}{switches:>10,}{built:>12,}{fills:>8,}"
                  f"{b.shadow_resyncs - a.shadow_resyncs:>9,}{entries:>9,}{t1 - t0:>8.3f}   "
                  f"{built / switches:.2f}, {fills / switches:.2f}, {entries / switches:.1f}")


if __name__ == "__main__":
    main()
