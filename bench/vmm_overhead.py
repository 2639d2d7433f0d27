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
import tempfile
from pathlib import Path

from workloads import GETPID, LOOP, YIELD, best, build_kernel, build_program
from workloads import run_bare as bare
from workloads import run_vmm

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

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best counts)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kernel = build_kernel(tmp)

        def program(name: str, body: str) -> Path:
            return build_program(tmp, name, body)

        workloads = [("cpu-bound", [program("cpu", CPU.format(n=30000))]),
                     ("syscalls (5000 getpid)", [program("sys", LOOP.format(n=5000, body=GETPID))]),
                     ("page-map switching (2 x 1000 yields)", [program("yield", LOOP.format(n=1000, body=YIELD))] * 2)]
        print(f"{'workload':<40}{'instructions':>14}{'bare s':>9}{'vmm s':>9}{'vmm/bare':>10}"
              f"{'direct':>9}  same output")
        for name, modules in workloads:
            t_bare, (_, out_bare, machine) = best(repeat, bare, kernel, modules)
            count = machine.count
            t_vmm, (_, out_vmm, guest) = best(repeat, run_vmm, kernel, modules)
            kernel_direct, user_direct = guest.stats.direct
            share = 100 * (kernel_direct + user_direct) / count
            print(f"{name:<40}{count:>14,}{t_bare:>9.3f}{t_vmm:>9.3f}{t_vmm / t_bare:>10.2f}"
                  f"{share:>8.2f}%  {'yes' if out_vmm == out_bare else 'NO'}")

        print()
        n = 1000
        none, some = program("sys0", LOOP.format(n=0, body=GETPID)), program("sysn", LOOP.format(n=n, body=GETPID))
        g0, g1 = run_vmm(kernel, [none])[2].stats, run_vmm(kernel, [some])[2].stats
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
            t0, (_, _, a) = best(repeat, run_vmm, kernel, [none] * 2, shadow_cache=cache)
            t1, (_, _, b) = best(repeat, run_vmm, kernel, [some] * 2, shadow_cache=cache)
            a, b = a.stats, b.stats
            switches = b.pmar_switches - a.pmar_switches
            built, fills = b.shadow_builds - a.shadow_builds, b.shadow_fills - a.shadow_fills
            entries = b.entries - a.entries
            print(f"{'on' if cache else 'off':<14}{switches:>10,}{built:>12,}{fills:>8,}"
                  f"{b.shadow_resyncs - a.shadow_resyncs:>9,}{entries:>9,}{t1 - t0:>8.3f}   "
                  f"{built / switches:.2f}, {fills / switches:.2f}, {entries / switches:.1f}")


if __name__ == "__main__":
    main()
