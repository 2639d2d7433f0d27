"""One guest: its virtual CPU, machine map, shadow maps, devices and statistics, and the state
changes that involve more than one of them (a psw write that switches the virtual mode installs
the other shadow; a pmar write or flush discards cached translations)."""
from __future__ import annotations

from isa.machine import (PAGE_SHIFT, PMAR_ON, PMAR_ROOT_MASK, PSW_U, PSW_WRITABLE, PTE_ADDR_MASK, PTE_V,
                         SR_NAMES, SR_NUMBERS)
from isa.privileged import (EXEC, FAULT_OF_ACCESS, ProgressWatch, WalkFault, leaf_allows, translate, walk,
                            write_pmar_value)

from ..machine import ConsoleInput, ConsoleOutput, Devices, Stop, crash_report
from ..machine.boot import boot
from .allocator import HostAllocator
from .config import GuestConfig
from .machine_map import GuestPhysicalMemory, MachineMap
from .shadow import PHYSICAL, Shadows
from .stats import GuestStats
from .strategies.base import TrapAndEmulate
from .vcpu import VirtualCPU

SR_PSW = SR_NUMBERS["psw"]


class Guest:
    events = None       # who hears this guest's monitor events (events.py), or None

    def __init__(self, index: int, config: GuestConfig, machine, allocator: HostAllocator,
                 console_in: ConsoleInput, console_out: ConsoleOutput, shadow_cache: bool = True,
                 strategy: type = TrapAndEmulate):
        self.index = index
        self.name = f"guest{index + 1}"
        self.config = config
        self.machine = machine
        self.stats = GuestStats()
        self.vcpu = VirtualCPU(self.stats.instructions)
        self.mmap = MachineMap(machine, allocator, index, config.mem)
        self.strategy = strategy(self)
        shadows = getattr(strategy, "shadows_class", Shadows)    # a lab's own (strategies/plugin.py)
        self.shadows = shadows(machine, allocator, self.mmap, index, self.stats, shadow_cache,
                               self.strategy.leaf_flags, self.read_word)
        self.progress = ProgressWatch(config.repeat_limit)
        self.devices = Devices(console_in, console_out)
        self.exit: Stop | None = None         # how the guest ended, once it has
        self.last_fill: tuple | None = None   # the last hidden fault (a fill must resolve it)

    def boot(self) -> None:
        """Load the image (and modules, with the boot-info table's address in a0) into
        guest-physical memory and reset the virtual CPU at the entry point, with the bare
        machine's ``boot`` (``toyvm run IMAGE --module ...``). LoadError when it does not fit."""
        boot(GuestPhysicalMemory(self.mmap), self.config.image, self.config.modules, cpu=self.vcpu)

    # --- the guest's memory as the guest sees it ----------------------------------------------------
    def read_word(self, gpa: int) -> int:
        """The aligned word at guest-physical gpa (< size) as the guest wrote it."""
        return self.strategy.original_word(gpa)

    def translate(self, va: int, access: int) -> tuple[int, int, int]:
        """va as the processor translates it for the guest: (guest-physical address, root entry,
        leaf entry), or WalkFault. Through the guest entry the installed shadow's leaf was filled
        from when there is one -- the translation the processor holds, like a TLB entry, which
        stays until the guest flushes even if the guest edits its map in place -- else through a
        walk of the guest's own maps, as the bare machine's MMU walks them."""
        vcpu = self.vcpu
        cached = self._cached_entries(va)
        if cached is None:
            return translate(self.read_word, self.mmap.size, vcpu.pmar, va, access, vcpu.user)
        root, leaf = cached
        if not leaf_allows(leaf, access, vcpu.user):
            raise WalkFault(FAULT_OF_ACCESS[access])
        return (leaf & PTE_ADDR_MASK) | (va & 0xFFF), root, leaf

    def _cached_entries(self, va: int) -> tuple[int, int] | None:
        """(root entry, leaf entry) the installed shadow's leaf for va was filled from, if any."""
        shadow = self.shadows.installed
        if shadow is None or shadow.key == PHYSICAL or not self.vcpu.pmar & PMAR_ON:
            return None
        return shadow.sources.get(va >> PAGE_SHIFT)

    # --- the virtual processor (the Processor of isa/privileged.py) --------------------------------
    def read_sr(self, number: int) -> int:
        return getattr(self.vcpu, SR_NAMES[number])

    def write_sr(self, number: int, value: int) -> None:
        if number == SR_PSW:
            self.set_psw(value)
        else:
            setattr(self.vcpu, SR_NAMES[number], value & 0xFFFFFFFF)

    def read_pmar(self) -> int:
        return self.vcpu.pmar

    def write_pmar(self, value: int) -> None:
        vcpu = self.vcpu
        if (value ^ vcpu.pmar) & PMAR_ROOT_MASK:
            self.stats.pmar_switches += 1
            if self.events is not None:
                self.events.emit("pmar", old=vcpu.pmar, new=value)
        vcpu.pmar = write_pmar_value(value)
        self.flush_translations()

    def flush_translations(self) -> None:
        self.shadows.flush()
        self.shadows.activate(self.vcpu.pmar, self.vcpu.user)

    def halt(self) -> None:
        self.end(Stop("halt", 0))

    def set_psw(self, value: int) -> None:
        vcpu = self.vcpu
        vcpu.account()
        was_user = vcpu.psw & PSW_U
        vcpu.psw = value & PSW_WRITABLE
        self.machine.set_psw(vcpu.psw | PSW_U)     # the guest always runs in real user mode
        if vcpu.psw & PSW_U != was_user:
            self.shadows.activate(vcpu.pmar, vcpu.user)

    def load(self) -> None:
        """Put this guest on the processor (the monitor's half of a world switch)."""
        if self.events is not None:
            self.events.emit("switch")
        self.vcpu.attach(self.machine)
        self.machine.set_psw(self.vcpu.psw | PSW_U)
        if self.shadows.installed is None:
            self.shadows.activate(self.vcpu.pmar, self.vcpu.user)
        else:
            self.shadows.reload()
        self.strategy.loaded(self.machine)
        self.stats.world_switches += 1

    def end(self, stop: Stop) -> None:
        """The guest is finished (halt, power-off, crash, limit); the others run on."""
        if self.exit is None:
            self.exit = stop
            self.vcpu.account()
            self.devices.console_out.flush()
            if self.events is not None:
                self.events.emit("exit", stop=stop)
        self.machine.stop(Stop("guest"))

    # --- reports ------------------------------------------------------------------------------
    def report(self, headline: str, fault: tuple[int, int] | None = None) -> str:
        """The bare machine's crash report, of the guest's virtual state."""
        return crash_report(_GuestView(self), f"{self.name}: {headline}", fault)

    def peek_instruction(self, va: int) -> int | None:
        """The word the guest fetches at va, as the bare machine's ``peek_instruction``: through
        the translation the processor holds for it (the guest entry its shadow leaf was filled
        from, which may be stale until tlbflush, as a TLB entry is), else through a walk of the
        guest's maps; a valid leaf is enough (its flags may refuse the fetch). None: no word."""
        if va & 3:
            return None
        vcpu, gpa = self.vcpu, va
        if vcpu.pmar & PMAR_ON:
            cached = self._cached_entries(va)
            if cached is not None:
                leaf = cached[1]
            else:
                try:
                    _, leaf = walk(self.read_word, self.mmap.size, vcpu.pmar, va, EXEC)
                except WalkFault:
                    return None
            if not leaf & PTE_V:
                return None
            gpa = (leaf & PTE_ADDR_MASK) | (va & 0xFFF)
        return self.read_word(gpa) if gpa < self.mmap.size else None


class _GuestView:
    """The guest's virtual machine state in the shape ``crash_report`` reads."""

    def __init__(self, guest: Guest):
        vcpu, machine = guest.vcpu, guest.machine
        self.regs = list(machine.regs if vcpu.attached else vcpu.regs)
        self.pc = machine.pc if vcpu.attached else vcpu.pc
        self.count = vcpu.count
        for name in ("psw", "pmar", "epc", "cause", "tval", "tvec", "scratch"):
            setattr(self, name, getattr(vcpu, name))
        self.peek_instruction = guest.peek_instruction
        self._memory = (guest.read_word, guest.mmap.size)

    def page_map_reader(self):
        return self._memory
