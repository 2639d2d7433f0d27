"""One guest: its virtual CPU, machine map, shadow maps, devices and statistics, and the state
changes that involve more than one of them (a psw write that switches the virtual mode installs
the other shadow; a pmar write or flush discards cached translations)."""
from __future__ import annotations

from dataclasses import dataclass, field

from isa.machine import DEFAULT_RAM_SIZE, PMAR_ON, PMAR_ROOT_MASK, PSW_U, PSW_WRITABLE, REGISTERS

from ..machine import ConsoleInput, ConsoleOutput, Devices, Stop, crash_report, load_executable
from ..machine.boot import load_modules
from .allocator import HostAllocator
from .machine_map import GuestPhysicalMemory, MachineMap
from .shadow import EXEC, GuestFault, Shadows, walk
from .stats import GuestStats
from .strategy import TrapAndEmulate
from .vcpu import VirtualCPU

A0 = REGISTERS["a0"]


@dataclass
class GuestConfig:
    """What a user gives for one guest: ``--guest "IMAGE --module M --mem 2M --input F"``."""
    image: str
    modules: list[str] = field(default_factory=list)
    mem: int = DEFAULT_RAM_SIZE
    input: str | None = None              # console input file (None: see the CLI)
    max_instructions: int | None = None


class Guest:
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
        self.shadows = Shadows(machine, allocator, self.mmap, index, self.stats, shadow_cache,
                               self.strategy.leaf_flags)
        self.devices = Devices(console_in, console_out)
        self.exit: Stop | None = None         # how the guest ended, once it has
        self.last_fill: tuple | None = None   # the last hidden fault (a fill must resolve it)

    def boot(self) -> None:
        """Load the image (and modules, with the boot-info table's address in a0) into
        guest-physical memory and reset the virtual CPU at the entry point, as the bare machine's
        ``toyvm run IMAGE --module ...`` does. LoadError when it does not fit."""
        memory = GuestPhysicalMemory(self.mmap)
        image = load_executable(memory, self.config.image)
        self.vcpu.pc = image.entry
        if self.config.modules:
            self.vcpu.regs[A0] = load_modules(memory, self.config.modules, image.end)

    # --- changes of virtual state the monitor makes while the guest is on the processor ------
    def set_psw(self, value: int) -> None:
        vcpu = self.vcpu
        vcpu.account()
        was_user = vcpu.psw & PSW_U
        vcpu.psw = value & PSW_WRITABLE
        self.machine.set_psw(vcpu.psw | PSW_U)     # the guest always runs in real user mode
        if vcpu.psw & PSW_U != was_user:
            self.shadows.activate(vcpu.pmar, vcpu.user)

    def set_pmar(self, value: int) -> None:
        vcpu = self.vcpu
        if (value ^ vcpu.pmar) & PMAR_ROOT_MASK:
            self.stats.pmar_switches += 1
        vcpu.pmar = value & (PMAR_ROOT_MASK | PMAR_ON)
        self.flush_translations()

    def flush_translations(self) -> None:
        self.shadows.flush()
        self.shadows.activate(self.vcpu.pmar, self.vcpu.user)

    def load(self) -> None:
        """Put this guest on the processor (the monitor's half of a world switch)."""
        self.vcpu.attach(self.machine)
        self.machine.set_psw(self.vcpu.psw | PSW_U)
        if self.shadows.installed is None:
            self.shadows.activate(self.vcpu.pmar, self.vcpu.user)
        else:
            self.shadows.reload()
        self.stats.world_switches += 1

    def end(self, stop: Stop) -> None:
        """The guest is finished (halt, power-off, crash, limit); the others run on."""
        if self.exit is None:
            self.exit = stop
            self.vcpu.account()
            self.devices.console_out.flush()
        self.machine.stop(Stop("guest"))

    # --- reports ------------------------------------------------------------------------------
    def report(self, headline: str) -> str:
        """The bare machine's crash report, of the guest's virtual state."""
        return crash_report(_GuestView(self), f"{self.name}: {headline}")

    def peek_instruction(self, va: int) -> int | None:
        """The word at guest-virtual va as the guest's current mode would fetch it, or None."""
        if va & 3:
            return None
        try:
            gpa, _, _ = walk(self.mmap, self.vcpu.pmar, va, EXEC, self.vcpu.user)
        except GuestFault:
            return None
        return self.strategy.original_word(gpa) if gpa < self.mmap.size else None


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

