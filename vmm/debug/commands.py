"""``monitor`` commands (gdb's qRcmd): what the machine and the monitor see beyond the registers.

Everywhere: ``break-on-trap [CAUSE ...|off]``, ``phys ADDR [LEN]`` (physical memory; under the
monitor the thread's guest-physical memory), ``traps`` (trap counters so far), ``maps`` (the page
maps), ``walk VA`` (one virtual address through the maps), ``history`` (reverse execution's
snapshots). Under the monitor also ``real`` (the real processor's state, which the guest never
sees). Commands apply to the thread that stopped last (gdb does not say which thread it has
selected), or to thread N with ``monitor thread N COMMAND``. Output is bounded: ``phys`` shows at most
MAX_PHYS bytes.
"""
from __future__ import annotations

from isa.machine import CAUSE_NAMES, PAGE_SHIFT, PMAR_ON, PSW_BITS, PTE_ADDR_MASK, PTE_V
from isa.privileged import READ, WalkFault, walk

from ..machine.errors import cause_name
from .threads import PMAR

MAX_PHYS = 4096
HELP = """toyvm monitor commands:
  break-on-trap [CAUSE ...|off]  stop at every trap entry, at those of the causes named, or no longer
  phys ADDR [LEN]                physical memory (guest-physical under the monitor), LEN <= 4096
  count                          instructions completed and traps entered so far
  traps                          trap counters of the current thread so far
  maps                           the page maps (under the monitor: guest map, machine map, shadows)
  walk VA                        VA through the page maps (under the monitor: guest map, machine map, shadow)
  real                           the real processor's state (under the monitor)
  thread N COMMAND               COMMAND for thread (guest) N instead of the one that stopped last
  history                        reverse execution's snapshots and their cost
"""


def run_command(debugger, text: str) -> str:
    words = text.split()
    if not words or words[0] == "help":
        return HELP
    thread = debugger.thread(debugger.stop_tid)
    if words[0] == "thread" and len(words) > 2 and words[1].isdigit():   # monitor thread N COMMAND
        if not 0 < int(words[1]) <= len(debugger.threads):
            return f"no thread {words[1]}\n"
        thread, words = debugger.threads[int(words[1]) - 1], words[2:]
    name, args = words[0], words[1:]
    thread.sync_copies()
    try:
        if name == "break-on-trap":
            return debugger.points.set_trap_stop(args)
        if name == "phys":
            return _phys(thread, int(args[0], 0), int(args[1], 0) if len(args) > 1 else 16)
        if name == "count":
            count, traps = thread.position()
            return f"{thread.name}: instructions completed {count}, traps entered {traps}\n"
        if name == "traps":
            return _traps(debugger, thread)
        if name == "maps":
            return _maps(debugger, thread)
        if name == "walk":
            return _walk(debugger, thread, int(args[0], 0) & 0xFFFFFFFF)
        if name == "real":
            return _real(debugger)
        if name == "history":
            return debugger.history.describe()
    except (IndexError, ValueError):
        return f"usage error in {text.strip()!r}; see 'monitor help'\n"
    except Exception as e:     # a report only reads state: its failure must not end the guest's run
        return f"monitor {name}: failed ({type(e).__name__}: {e}); the run is unchanged\n"
    return f"unknown monitor command {name!r}; see 'monitor help'\n"


def _phys(thread, addr: int, length: int) -> str:
    data = thread.read_physical(addr, max(0, min(length, MAX_PHYS)))
    if not data:
        return f"{addr:08x}: not RAM\n"
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        words = " ".join(chunk[j:j + 4][::-1].hex() for j in range(0, len(chunk), 4))
        lines.append(f"{addr + i:08x}: {words}")
    return "\n".join(lines) + "\n"


def _counts(title: str, counter) -> list[str]:
    return [f"  {title} {CAUSE_NAMES.get(c, hex(c))}: {n}" for c, n in sorted(counter.items()) if n]


def _traps(debugger, thread) -> str:
    if debugger.monitor is None:
        traps = debugger.machine.stats.traps
        lines = [f"traps taken: {sum(traps.values())}"] + _counts("", traps)
        return "\n".join(line.replace("   ", "  ") for line in lines) + "\n"
    s = thread.guest.stats
    lines = [f"{thread.name}: instructions {thread.guest.vcpu.count}, monitor entries {s.entries}",
             f"  hidden page faults {s.hidden_faults}, instructions emulated {s.emulated}",
             f"  system calls reflected {s.syscalls}"]
    lines += _counts("true fault", s.true_faults) + _counts("reflected", s.reflected)
    lines += _counts("interrupt", s.interrupts)
    control = getattr(thread.guest.strategy, "control", None)
    if control is not None:
        lines += _counts("delivered by the processor (guest mode)", control.delivered)
    return "\n".join(lines) + "\n"


def _maps(debugger, thread) -> str:
    from ..monitor.dump import bare_maps_report, dump_guest
    if debugger.monitor is None:
        return bare_maps_report(debugger.machine)
    return dump_guest(thread.guest)


def _walk_lines(read_word, size: int, pmar: int, va: int, what: str) -> tuple[list[str], int | None]:
    """The steps of a walk of ``what`` for va, and the address it ends at (None: no leaf)."""
    if not pmar & PMAR_ON:
        return [f"{what}: translation off (pmar {pmar:08x}): {va:08x} -> {va:08x}"], va
    try:
        root, leaf = walk(read_word, size, pmar, va, READ)
    except WalkFault as fault:
        return [f"{what} at {pmar & ~0xFFF:08x}: {va:08x} -> {cause_name(fault.cause)} (no leaf)"], None
    if not leaf & PTE_V:
        return [f"{what} at {pmar & ~0xFFF:08x}: root entry {root:08x}, leaf {leaf:08x}: not valid"], None
    pa = (leaf & PTE_ADDR_MASK) | (va & 0xFFF)
    flags = "".join(c for c, bit in zip("VRWXU", (1, 2, 4, 8, 16)) if leaf & bit)
    return [f"{what} at {pmar & ~0xFFF:08x}: root entry {root:08x} -> leaf {leaf:08x} ({flags}): "
            f"{va:08x} -> {pa:08x}"], pa


def _walk(debugger, thread, va: int) -> str:
    from ..monitor.nested import NestedMaps
    if debugger.monitor is None:
        m = debugger.machine
        lines, _ = _walk_lines(m.mmu.read_word, m.mem.size, m.pmar, va, "page map")
        return "\n".join(lines) + "\n"
    guest = thread.guest
    lines, gpa = _walk_lines(guest.read_word, guest.mmap.size, thread.read_register(PMAR), va,
                             "guest page map (guest-virtual -> guest-physical)")
    host = None
    if gpa is not None:
        if gpa >= guest.mmap.size:
            lines.append(f"machine map: guest-physical {gpa:08x} is beyond the guest's RAM")
        else:
            hppn = guest.mmap.pages.get(gpa >> PAGE_SHIFT)
            if hppn is None:
                lines.append(f"machine map: guest page {gpa >> PAGE_SHIFT:#x} not backed yet (first use allocates it)")
            else:
                host = (hppn << PAGE_SHIFT) | (gpa & 0xFFF)
                lines.append(f"machine map (guest-physical -> host-physical): {gpa:08x} -> {host:08x}")
    shadow = guest.shadows.installed
    if isinstance(shadow, NestedMaps):
        lines.append(f"no shadow: nested paging, the processor walks the guest map and the machine map "
                     f"(its root at host {shadow.root << PAGE_SHIFT:08x})")
    elif shadow is None:
        lines.append("shadow: none installed")
    else:
        m = debugger.machine
        slines, shost = _walk_lines(m.mmu.read_word, m.mem.size, shadow.pmar, va,
                                    "installed shadow (guest-virtual -> host-physical)" if guest.vcpu.attached
                                    else "shadow (guest off the processor)")
        lines += slines
        if shost is None and gpa is not None:
            lines.append("  (no shadow leaf yet: the first access takes a hidden page fault that fills it)")
        elif shost is not None and host is not None and shost != host:
            lines.append("  (the shadow disagrees with guest map + machine map: a stale entry until the guest flushes)")
    return "\n".join(lines) + "\n"


def _real(debugger) -> str:
    m = debugger.machine
    if debugger.monitor is None:
        return "the bare machine: the registers gdb shows are the real ones\n"
    bits = " ".join(name for name, (mask, _) in PSW_BITS.items() if m.psw & mask) or "none"
    guest = debugger.monitor.dispatcher.guest
    how = ("in the hardware guest mode, on its own psw and special registers" if m.guest_control is not None
           else "in real user mode")
    how += (f", nested paging (mmap {m.mmap:08x}: the processor walks the guest map and the machine map)"
            if m.mmap else ", through a shadow map")
    return (f"real processor: psw {m.psw:08x} ({bits}), pmar {m.pmar:08x}, pc {m.pc:08x}, "
            f"instructions {m.count}\n"
            f"on the processor: {guest.name if guest is not None else 'nobody'} (the guest runs {how})\n")
