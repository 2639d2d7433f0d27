"""``toyvm run --vmm --trace``: each guest instruction, as the bare machine's trace prints it, and
one line per monitor event (vmm/monitor/events.py), every line starting with the guest's name.

    guest1         12 K 00010010 <_start+16>  mtsr    tvec, t0           tvec=00010040
    guest1          - K 00010018 <_start+24>  trap PRIVILEGED_INSTRUCTION tval=00b02073 (virtual K, real U)
    guest1          - K 00010018 <_start+24>  emulate rti: psw=00000001 pc=00010030

An instruction line shows the guest's own count and *virtual* mode, and the guest-visible
registers it changed (the virtual special registers, not the real ones the monitor uses). An
event line has ``-`` in the count column, the guest's virtual mode and pc when it happened, the
kind, and what the monitor did. Filters (``--trace-guest``, ``--trace-from``/``--trace-until``
with a window per guest, ``--trace=events``) choose lines; they never change the run.
"""
from __future__ import annotations

from operator import attrgetter

from isa.disasm import disassemble
from isa.machine import PAGE_SHIFT

from ..machine.errors import cause_name
from ..machine.trace import _SRS, Tracer
from ..monitor.shadow import PHYSICAL

_read_virtual_srs = attrgetter(*_SRS)


def shadow_name(shadow) -> str:
    if shadow.key == PHYSICAL:
        return f"shadow (translation off) at host {shadow.root << PAGE_SHIFT:08x}"
    root, user = shadow.key
    return f"shadow of guest root {root:08x} ({'user' if user else 'kernel'}) at host {shadow.root << PAGE_SHIFT:08x}"


def _flags(entry: int) -> str:
    return "".join(c if entry & (1 << bit) else "-" for c, bit in (("R", 1), ("W", 2), ("X", 3), ("U", 4)))


class GuestInstructions(Tracer):
    """The machine's tracer under the monitor: the guest on the processor's instructions."""

    def __init__(self, out, monitor, streams: dict, instructions: bool):
        super().__init__(out, instructions=instructions, traps=False)
        self.dispatcher = monitor.dispatcher
        self.streams = streams          # guest name -> Stream (absent: not traced)

    def snapshot(self, machine) -> tuple:
        guest = self.dispatcher.guest
        vcpu = guest.vcpu
        return machine.regs[:], _read_virtual_srs(vcpu), vcpu.psw & 1

    def trap(self, machine, cause: int, tval: int) -> None:
        """The monitor's "trap" event says it, with the virtual and the real mode."""

    def instruction(self, machine, before: tuple, pc: int, word: int | None) -> None:
        guest = self.dispatcher.guest
        stream = self.streams.get(guest.name)
        if stream is None:
            return
        count = guest.vcpu.count
        if stream.window is not None and not stream.window.sees(count, pc):
            return
        if self.instructions:
            self.symbols = stream.symbols
            self.out.write(f"{guest.name:<8}" + self._guest_line(count, before, pc, word, machine, guest))

    def _guest_line(self, count, before, pc, word, machine, guest) -> str:
        """The line's register diff reads the virtual special registers, not the real ones."""
        return self.line(count, before, pc, word, _VirtualView(machine, guest.vcpu))


class _VirtualView:
    """The machine as the guest sees it, for ``Tracer.line``: real registers, virtual specials."""

    def __init__(self, machine, vcpu):
        self.regs = machine.regs
        for name in _SRS:
            setattr(self, name, getattr(vcpu, name))


class Stream:
    """One traced guest: its symbols and its window."""

    def __init__(self, symbols, window):
        self.symbols = symbols
        self.window = window


class EventTrace:
    """The observer (events.py) that writes an event's line."""

    def __init__(self, out, streams: dict):
        self.out = out
        self.streams = streams
        self._where = Tracer(out)       # pc and symbol, as instruction lines print them

    def on_event(self, guest, kind: str, fields: dict) -> None:
        stream = self.streams.get(guest.name)
        if stream is None:
            return
        vcpu = guest.vcpu
        pc = fields.get("pc")
        if pc is None:
            pc = guest.machine.pc if vcpu.attached else vcpu.pc
        if stream.window is not None and not stream.window.sees(vcpu.count + 1, pc, instruction=False):
            return
        self._where.symbols = stream.symbols
        text = describe(guest, kind, fields)
        self.out.write(f"{guest.name:<8}{'-':>10} {'U' if vcpu.user else 'K'} {self._where.where(pc)}  "
                       f"{kind} {text}".rstrip() + "\n")


def describe(guest, kind: str, f: dict) -> str:
    """What the monitor did, in words and numbers (the event line after its kind)."""
    if kind == "trap":
        real = "U" if guest.machine.psw & 1 else "K"
        return (f"{cause_name(f['cause'])} tval={f['tval'] & 0xFFFFFFFF:08x} "
                f"(virtual {'U' if guest.vcpu.user else 'K'}, real {real})")
    if kind in ("emulate", "sensitive"):
        return f"{disassemble(f['word'], f['pc'])}: {f['effect']}"
    if kind == "hypercall":
        return f"{f['name']}: {f['effect']}"
    if kind == "device":
        arrow = "<-" if f["store"] else "->"
        return f"{'store' if f['store'] else 'load'} {f['register']} {arrow} {f['value']:08x}"
    if kind == "bt-access":
        arrow = "<-" if f["store"] else "->"
        return f"{'store' if f['store'] else 'load'} [{f['va']:08x}] {arrow} {f['value']:08x} (original words)"
    if kind == "scan":
        return f"guest-physical page {f['gpa']:08x}: {len(f['patched'])} rdpsw/wrpsw patched"
    if kind == "fill":
        shadow = f["shadow"]
        page = f["gpa"] >> PAGE_SHIFT << PAGE_SHIFT
        source = ("translation off: guest-physical = guest-virtual" if shadow.key == PHYSICAL else
                  f"guest root entry {f['root']:08x}, leaf {f['leaf']:08x} -> guest-physical {page:08x}")
        return (f"va {f['va'] >> PAGE_SHIFT << PAGE_SHIFT:08x} from {source}; machine map {page:08x} -> host "
                f"{f['host']:08x}; leaf {f['entry']:08x} {_flags(f['entry'])} in the {shadow_name(shadow)}")
    if kind == "mmap-fill":
        return (f"guest-physical {f['gpa']:08x} -> host {f['host']:08x} in the machine map "
                f"(its table at host {f['table']:08x})")
    if kind in ("reflect", "inject"):
        what = ("interrupt" if kind == "inject" else "system call" if cause_name(f["cause"]) == "SVC" and f["user"]
                else "exception")
        return (f"{cause_name(f['cause'])} tval={f['tval'] & 0xFFFFFFFF:08x} -> guest tvec {f['tvec']:08x} "
                f"({what}, epc {f['pc']:08x})")
    if kind in ("build", "reuse", "evict"):
        return shadow_name(f["shadow"])
    if kind == "resync":
        return f"{shadow_name(f['shadow'])}: {f['dropped']} stale leaves dropped"
    if kind == "pmar":
        return f"guest pmar {f['old']:08x} -> {f['new']:08x}"
    if kind == "switch":
        return f"{guest.name} loaded onto the processor"
    if kind == "slice":
        return f"time slice of up to {f['budget']:,} instructions"
    if kind == "resume":
        return f"guest runs on at {f['pc']:08x}"
    if kind == "exit":
        stop = f["stop"]
        return f"{stop.kind} (status {stop.exit_status})"
    return ""
