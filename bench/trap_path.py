"""What one monitor entry costs, by kind: a guest kernel that loops over one privileged
operation, run bare and as the monitor's only guest, side by side in one run.

    python bench/trap_path.py [--repeat N] [--profile KIND]

Per iteration the bare machine runs the loop (in translated code: kernel-mode mfsr/mtsr stay in
the region), the monitor runs the same instructions and enters itself for the privileged one.
The cost of an entry is (monitor time - bare time) / entries, from runs of N and of 1 iteration
(start-up cancels); the four runs take turns, --repeat rounds, and the median round counts (the
shared machine's speed varies by 2x over seconds). Kinds:
  mfsr        a privileged read the monitor emulates on the virtual CPU (the quiet path: the
              mode and the maps stay, the machine goes straight on to the next region)
  mtsr psw    a psw write that changes nothing (kernel mode kept, IE = 0: performed in line too,
              as a trap handler's return path does; one that may change the mode or let an
              interrupt in takes the trap path)
  ecall+rti   a system call from virtual user mode: the ecall is reflected into the guest
              kernel (virtual trap entry, a shadow switch), whose handler runs mfsr, mtsr and
              rti (a shadow switch back): 5 entries per iteration
``--profile KIND`` prints cProfile's view of the monitor run, per entry (the profiler's own
overhead roughly doubles every figure; the proportions are what it is for).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path

from asm.api import assemble_source
from vmm.machine import ConsoleInput, ConsoleOutput, Machine, load_executable
from vmm.monitor import GuestConfig, Monitor
from workloads import in_turns, median

N = 100_000
KERNELS = {
    "mfsr": """
    li s0, {n}
1:  mfsr t0, epc
    addi s0, s0, -1
    bnez s0, 1b
    halt
""",
    "mtsr psw": """
    li s0, {n}
1:  mtsr psw, zero
    addi s0, s0, -1
    bnez s0, 1b
    halt
""",
    "ecall+rti": """
    la t0, handler
    mtsr tvec, t0
    la t0, user
    mtsr epc, t0
    li t0, PSW_PU
    mtsr psw, t0
    li s0, {n}
    rti
user:
    ecall
    addi s0, s0, -1
    bnez s0, user
    ebreak
handler:
    mfsr t0, cause
    li t1, CAUSE_BREAKPOINT
    beq t0, t1, done
    mfsr t0, epc
    addi t0, t0, 4
    mtsr epc, t0
    rti
done:
    halt
""",
}


def build(tmp: Path, kind: str, n: int) -> Path:
    elf = tmp / f"{kind.replace(' ', '_').replace('+', '_')}_{n}.elf"
    source = ".text\n.globl _start\n_start:\n" + KERNELS[kind].format(n=n)
    elf.write_bytes(assemble_source(source).to_elf())
    return elf


def run_bare(elf: Path) -> tuple[float]:
    machine = Machine(console_in=ConsoleInput(None), console_out=ConsoleOutput(io.BytesIO()))
    machine.pc = load_executable(machine, str(elf)).entry
    started = time.perf_counter()
    machine.run()
    return (time.perf_counter() - started,)


def run_vmm(elf: Path) -> tuple[float, int]:
    monitor = Monitor([GuestConfig(str(elf))], [(ConsoleInput(None), ConsoleOutput(io.BytesIO()))])
    monitor.boot()
    started = time.perf_counter()
    monitor.run()
    return time.perf_counter() - started, monitor.guests[0].stats.entries


def profile(elf: Path) -> None:
    profiler = cProfile.Profile()
    _, entries = profiler.runcall(run_vmm, elf)
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:14]   # by own time
    print(f"{'function':<58}{'calls/entry':>12}{'own us/entry':>14}")
    for (path, line, name), (_, calls, own, _, _) in rows:
        where = f"{Path(path).name}:{line}({name})" if line else name
        print(f"{where[:57]:<58}{calls / entries:>12.2f}{own / entries * 1e6:>14.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the runs compared (the median counts)")
    parser.add_argument("--profile", choices=list(KERNELS), help="profile the monitor run of this kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.profile:
            profile(build(tmp, args.profile, N))
            return
        print(f"{'kind':<12}{'bare us/iter':>14}{'vmm us/iter':>13}{'entries/iter':>14}{'us/entry':>10}")
        for kind in KERNELS:
            one, many = build(tmp, kind, 1), build(tmp, kind, N)
            rounds, (_, _, (_, e_one), (_, e_many)) = in_turns(
                args.repeat, lambda: run_bare(one), lambda: run_bare(many), lambda: run_vmm(one), lambda: run_vmm(many))
            entries = e_many - e_one
            bare = median(b_many - b_one for b_one, b_many, _, _ in rounds)
            vmm = median(v_many - v_one for _, _, v_one, v_many in rounds)
            per_entry = median((v_many - v_one) - (b_many - b_one) for b_one, b_many, v_one, v_many in rounds)
            print(f"{kind:<12}{bare / N * 1e6:>14.2f}{vmm / N * 1e6:>13.2f}{entries / N:>14.1f}"
                  f"{per_entry / entries * 1e6:>10.2f}")


if __name__ == "__main__":
    main()
