"""Check functions of the labs' grading suites (tests.toml ``check = "../checks.py:NAME"``).

The reference for a monitor lab is the bare machine: a guest must not be able to tell the
monitor is there, so a run under the student's monitor is compared with the same kernel and
programs run bare (``same_as_bare``), and the first difference is named with a hint at the part
of the lab that usually causes it. Each function gets the run's toyvm GuestResult and what was
run, and returns None (pass) or the message a student reads."""
from __future__ import annotations

import toyvm

HINTS = {   # a line of the bare run the student's run lacks -> what it usually means
    "killed: PAGE_FAULT_STORE": "a store the guest's page map forbids went through: a shadow leaf may carry "
                                "only the R/W/X of the guest's leaf (leaf & RWX), narrowed by leaf_flags",
    "killed: PRIVILEGED_INSTRUCTION": "a privileged instruction in the guest's virtual USER mode was not "
                                      "reflected: only virtual kernel mode gets its privileged instructions "
                                      "emulated; the bare machine traps them to the guest kernel",
    "killed: PAGE_FAULT_LOAD": "a load the guest's page map forbids was not reflected to the guest kernel "
                               "as a true fault",
}

LATE_HINTS = {   # a line this run prints and the bare machine does not -> what it usually means
    "is not zero": "a translation outlived the guest's tlbflush: after stpmar or tlbflush no shadow leaf may "
                   "survive a change of the guest's page maps -- flush must make every cached shadow stale, "
                   "and resync must drop each leaf whose guest entries changed since its fill",
    "unexpected trap": "the guest kernel got a trap the bare machine never raises there: with hardware assist "
                       "its rdpsw/wrpsw raise VIRTUALIZATION_TRAP, which goes to virtualization_trap (the "
                       "strategy emulates them)",
}


def _first_difference(want: list[str], got: list[str]) -> str:
    if not got:
        return f"this run prints nothing; the bare machine prints {want[0]!r} first"
    for number, (a, b) in enumerate(zip(want, got), 1):
        if a != b:
            return f"line {number}: the bare machine prints {a!r}, this run {b!r}"
    if len(want) > len(got):
        return f"the output stops after line {len(got)}; the bare machine goes on with {want[len(got)]!r}"
    return f"line {len(want) + 1}: this run goes on with {got[len(want)]!r}; the bare machine had stopped"


def same_as_bare(result, run) -> str | None:
    """The run under the monitor must print what the bare machine prints and end as it ends."""
    bare = toyvm.run(run.image, run.modules, input=run.input, max_instructions=run.max_instructions,
                     **({"mem": run.mem} if run.mem else {}))
    if (result.output, result.stopped, result.status) == (bare.output, bare.stopped, bare.status):
        return None
    want, got = bare.text.splitlines(), result.text.splitlines()
    why = [f"the guest can tell it is not on the bare machine: {_first_difference(want, got)}"
           if want != got else "the output is the bare machine's"]
    if (result.stopped, result.status) != (bare.stopped, bare.status):
        why.append(f"it ended: {result.summary().split(': ', 1)[1]}; on the bare machine: "
                   f"{bare.guests[0].summary().split(': ', 1)[1]}")
        if result.stopped in ("crash", "limit") and result.report:
            why += result.report.splitlines()[:3]
    if "did not resolve" in result.report:
        why.append("hint: after a fill the access must succeed: the fill writes a leaf with PTE_V, PTE_U and "
                   "the allowed R/W/X for va's page (and a second-level table first where there is none)")
    elif "trap loop" in result.report and "tvec=00000000" in result.report:
        why.append("hint: the monitor passed the guest a trap before the guest kernel had a trap handler (tvec 0): "
                   "a hidden page fault (page_fault fills the shadow) and a privileged instruction of the "
                   "virtual kernel mode (emulate it) are the monitor's own business, not the guest's")
    else:
        for line in want:
            for needle, hint in HINTS.items():
                if needle in line and line not in got:
                    why.append(f"hint: {hint}")
        for line in got:
            for needle, hint in LATE_HINTS.items():
                if needle in line and line not in want and f"hint: {hint}" not in why:
                    why.append(f"hint: {hint}")
    return "\n".join(why)


def sleep(result) -> str | None:
    """Two tickers must take turns, each sleeping between its ticks."""
    want = [f"ticker {pid}: tick {n}" for n in (1, 2, 3) for pid in (1, 2)]
    got = result.text.splitlines()
    if got == want and result.ok:
        return None
    if got[:2] == ["ticker 1: tick 1", "ticker 1: tick 2"]:
        return ("ticker 1 did not sleep between its ticks, so the two did not take turns: sleep_ticks must make the "
                "caller P_SLEEPING until TIMER_NOW + n * TICK and give the processor away (schedule); is it in "
                "syscall_table?\n" + "\n".join(got[:3]))
    return f"expected the tickers to take turns:\n{chr(10).join(want)}\ngot:\n{result.text}{result.report}"


def heap(result) -> str | None:
    """heap.s says what went wrong itself; a kill line means the fault handler did not help."""
    lines = result.text.splitlines()
    if "heap: ok" in lines and result.ok:
        return None
    killed = [line for line in lines if "killed" in line]
    if killed:
        return (f"{killed[0]}\nhint: a page fault on the heap or the stack must be served by demand_zero: a fresh "
                "zeroed page (page_alloc) mapped at the page of the address with PTE_U | PTE_R | PTE_W "
                "(map_page), then tlbflush, and a0 = 0")
    return "\n".join(lines) or f"no output; {result.summary()}"
