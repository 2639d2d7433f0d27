"""Virtualization overhead, measured side by side in one run: the same guest -- guestos running
one workload -- on the bare machine and as the only guest of the monitor.

    python bench/vmm_overhead.py [--repeat N] [--profile]

Workloads (guestos user programs):
  cpu-bound     Collatz steps of 1..30000 in registers: almost every instruction runs directly;
                the monitor only sees the guest's timer ticks.
  syscalls      getpid in a loop: each call traps to the monitor, is reflected to the guest
                kernel, whose handler's privileged instructions trap again.
  page-map switching  two processes handing the processor to each other with sched_yield (guestos
                has no fork; each yield is a process switch: the guest kernel stores the other
                process's root in its pmar), run with the shadow cache and without it.
The runs compared (bare and monitor; n and none) take turns, --repeat rounds of them; times are
the best of their rounds, a ratio or difference is the median over the rounds of what one round
measured (the shared machine's speed varies by 2x over seconds). The monitor's counters are exact.
Per-operation figures are differences between a run with n operations and one with none.

``--profile``: where one getpid's time goes, bare and under the monitor: cProfile's calls and own
time per call, the difference of a run of 2000 calls and one of none, in groups (the translated
guest code, the monitor's in-line mfsr/mtsr, the trap path, the shadow switch at a virtual mode
change, the dispatcher's loop and events). The profiler adds a cost to every Python call, so the
shares, not the microseconds, are what it is for; the calls are exact. Then the Python lines
executed per getpid, by file (sys.settrace; runs of 200 and 400 calls, both with the path
translated): a count no slow spell of the machine changes, for comparing two versions of the code.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from collections import Counter
from pathlib import Path

from workloads import GETPID, LOOP, YIELD, build_kernel, build_program, in_turns, median
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

# Profile groups: (name, what a function's "file(name)" contains). First match wins.
GROUPS = [
    ("guest code (translated regions)", ("<region",)),
    ("monitor: in-line mfsr/mtsr", ("in_line.py", "guest.py(read_sr)", "guest.py(write_sr)", "vcpu.py(count)")),
    ("monitor: shadow switch", ("shadow.py(activate)", "(switch_space)")),
    ("trap path (machine and monitor)", ("(trap)", "(_system)", "(execute_system)", "dispatch.py", "emulate.py",
                                         "privileged.py", "(set_psw)", "vcpu.py(account)", "(enter_trap)",
                                         "cpu.py(read_sr)", "cpu.py(write_sr)")),
    ("dispatch loop and events", ("(_run_fast)", "(_events)", "(_context)", "(_account)")),
]
PROFILED_CALLS = 2000


def profile_getpid(tmp: Path, kernel: Path) -> None:
    def per_call(run, program: Path) -> dict:
        run(kernel, [program])      # translated once, so the profile sees steady state
        profiler = cProfile.Profile()
        profiler.runcall(run, kernel, [program])
        per_function: Counter = Counter()
        for (path, _, name), (_, calls, own, _, _) in pstats.Stats(profiler).stats.items():
            per_function[f"{Path(path).name}({name})", "calls"] += calls
            per_function[f"{Path(path).name}({name})", "own"] += own
        return {where: (per_function[where, "calls"], per_function[where, "own"])
                for where, kind in per_function if kind == "calls"}

    none = build_program(tmp, "p0", LOOP.format(n=0, body=GETPID))
    some = build_program(tmp, "pn", LOOP.format(n=PROFILED_CALLS, body=GETPID))
    columns = []
    for run in (bare, run_vmm):
        before, after = per_call(run, none), per_call(run, some)
        groups = {name: [0.0, 0.0] for name, _ in GROUPS + [("other (TLB lookups, builtins)", ())]}
        for where, (calls, own) in after.items():
            calls0, own0 = before.get(where, (0, 0.0))
            group = next((name for name, parts in GROUPS if any(p in where for p in parts)),
                         "other (TLB lookups, builtins)")
            groups[group][0] += (calls - calls0) / PROFILED_CALLS
            groups[group][1] += (own - own0) / PROFILED_CALLS * 1e6
        columns.append(groups)
    totals = [sum(own for _, own in groups.values()) for groups in columns]
    print(f"per getpid, profiled       {'bare calls':>12}{'share':>8}{'monitor calls':>16}{'share':>8}")
    for name in columns[0]:
        (c0, t0), (c1, t1) = columns[0][name], columns[1][name]
        print(f"{name:<32}{c0:>7.1f}{100 * t0 / totals[0]:>7.0f}%{c1:>15.1f}{100 * t1 / totals[1]:>7.0f}%")
    print(f"{'total (profiled us)':<32}{totals[0]:>7.1f}{'':>8}{totals[1]:>15.1f}")

    def lines(run, program: Path) -> Counter:
        run(kernel, [program])
        counts: Counter = Counter()

        def count_lines(frame, event, _arg):
            if event == "line":
                counts[Path(frame.f_code.co_filename).name] += 1
            return count_lines

        sys.settrace(lambda frame, event, arg: count_lines)
        try:
            run(kernel, [program])
        finally:
            sys.settrace(None)
        return counts

    n = 200
    fewer = build_program(tmp, "l1", LOOP.format(n=n, body=GETPID))
    more = build_program(tmp, "l2", LOOP.format(n=2 * n, body=GETPID))
    per_call = [{name: (b[name] - a[name]) / n for name in b if b[name] != a[name]}
                for a, b in ((lines(run, fewer), lines(run, more)) for run in (bare, run_vmm))]
    print()
    print(f"per getpid, Python lines executed: bare {sum(per_call[0].values()):,.0f}, "
          f"monitor {sum(per_call[1].values()):,.0f}")
    names = sorted(set(per_call[0]) | set(per_call[1]), key=lambda name: -per_call[1].get(name, 0))
    for name in names[:14]:
        print(f"  {name:<30}{per_call[0].get(name, 0):>8.1f}{per_call[1].get(name, 0):>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the runs compared (the median counts)")
    parser.add_argument("--profile", action="store_true", help="where one getpid's time goes, bare and monitor")
    args = parser.parse_args()
    repeat = args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kernel = build_kernel(tmp)
        if args.profile:
            profile_getpid(tmp, kernel)
            return

        def program(name: str, body: str) -> Path:
            return build_program(tmp, name, body)

        workloads = [("cpu-bound", [program("cpu", CPU.format(n=30000))]),
                     ("syscalls (5000 getpid)", [program("sys", LOOP.format(n=5000, body=GETPID))]),
                     ("page-map switching (2 x 1000 yields)", [program("yield", LOOP.format(n=1000, body=YIELD))] * 2)]
        print(f"{'workload':<40}{'instructions':>14}{'bare s':>9}{'vmm s':>9}{'vmm/bare':>10}"
              f"{'direct':>9}  same output")
        for name, modules in workloads:
            rounds, ((_, out_bare, machine), (_, out_vmm, guest)) = in_turns(
                repeat, lambda: bare(kernel, modules), lambda: run_vmm(kernel, modules))
            t_bare, t_vmm = min(r[0] for r in rounds), min(r[1] for r in rounds)
            count = machine.count
            kernel_direct, user_direct = guest.stats.direct
            share = 100 * (kernel_direct + user_direct) / count
            print(f"{name:<40}{count:>14,}{t_bare:>9.3f}{t_vmm:>9.3f}{median(v / b for b, v in rounds):>10.2f}"
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
            rounds, ((_, _, a), (_, _, b)) = in_turns(
                repeat, lambda: run_vmm(kernel, [none] * 2, shadow_cache=cache),
                lambda: run_vmm(kernel, [some] * 2, shadow_cache=cache))
            a, b = a.stats, b.stats
            switches = b.pmar_switches - a.pmar_switches
            built, fills = b.shadow_builds - a.shadow_builds, b.shadow_fills - a.shadow_fills
            entries = b.entries - a.entries
            print(f"{'on' if cache else 'off':<14}{switches:>10,}{built:>12,}{fills:>8,}"
                  f"{b.shadow_resyncs - a.shadow_resyncs:>9,}{entries:>9,}{median(t1 - t0 for t0, t1 in rounds):>8.3f}   "
                  f"{built / switches:.2f}, {fills / switches:.2f}, {entries / switches:.1f}")


if __name__ == "__main__":
    main()
