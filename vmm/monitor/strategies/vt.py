"""``--strategy vt``: the hardware guest mode (VT-x/AMD-V's non-root mode; SPEC §9), with nested
paging by default (``--paging shadow`` to compare). The guest kernel runs in a kernel mode the
processor knows, on its own copies of the privileged state in a control block
(vmm/machine/guestmode.py): mfsr, mtsr, rti, rdpsw, wrpsw, ldpmar -- and with nested paging
stpmar and tlbflush -- run at full speed; the guest's system calls, its own page faults and its
interrupts go to its tvec in hardware. rdpsw and wrpsw act on the guest's own psw, so the
popf and redpill demonstrations come out as on the bare machine with no help from the monitor.

The monitor is entered only on an exit: halt and hypercall (a hypercall the guest kernel makes is
reflected, as the bare machine traps it), MMAP_FAULT (backing guest RAM, device registers),
with shadow paging stpmar/tlbflush and the page faults, a guest stuck (SPEC §4), and its slice.
It handles them with the dispatcher's usual code on the block's copies; the guest's interrupts
(its virtual timer and console, which are the monitor's devices) are taken by the processor
whenever the guest's IE is 1, asking the block (virtual-interrupt delivery, as APICv's).

With shadow paging in the guest mode the processor checks the guest's kernel/user mode itself,
so one shadow per guest root serves both modes, its leaves carrying the guest leaf's PTE_U.
"""
from __future__ import annotations

from isa.machine import CAUSE_BY_NAME, EXIT_STUCK, PAGE_SHIFT, PTE_U

from ...machine.devices import RX_IRQ
from ...machine.guestmode import GuestControl
from ..nested import NestedDispatcher, NestedMaps
from ..shadow import PHYSICAL, Shadows
from .base import TrapAndEmulate

C = CAUSE_BY_NAME
TIMER, CONSOLE = C["TIMER"], C["CONSOLE"]


class AccountedControl(GuestControl):
    """The control block, crediting the guest's instructions to its kernel or user mode: the
    processor switches the guest's mode without the monitor, so between an entry and the next
    exit the split is the machine's own count by mode (the monitor credits the rest itself).
    Its interrupt line is the guest's virtual devices."""

    def __init__(self, guest, *, nested: bool):
        super().__init__(guest.vcpu, guest.progress, nested=nested)
        self.devices = guest.devices

    def interrupt_line(self) -> int:
        """Asked by the processor whenever the guest's IE is 1: what the bare machine's event
        check takes, from the guest's devices (the monitor ticks their timer at its deadline)."""
        devices = self.devices
        if devices.timer_pending:
            return TIMER
        if devices.console_ctrl & RX_IRQ and devices.console_irq(wait=not devices.console_in.interactive):
            return CONSOLE
        return 0

    def load(self, machine) -> None:
        super().load(machine)
        self.state.account()                    # what the monitor did since the last exit
        machine.stats_mark = self._split(machine)

    def save(self, machine) -> None:
        super().save(machine)
        now, before = self._split(machine), getattr(machine, "stats_mark", None)
        if before is not None:
            state = self.state
            state.instructions[0] += now[0] - before[0]
            state.instructions[1] += now[1] - before[1]
            state._mark = state.count
            machine.stats_mark = now

    @staticmethod
    def _split(machine) -> tuple[int, int]:
        machine._account()
        kernel, user = machine.stats.instructions
        return kernel, user


class GuestModeNested(NestedMaps):
    guest_mode = True


class GuestModeShadows(Shadows):
    """One shadow per guest root for both of the guest's modes: leaves keep the guest's PTE_U."""

    def activate(self, vpmar: int, user: bool):
        return super().activate(vpmar, False)

    def fill(self, shadow, va: int, gpa: int, root: int, leaf: int) -> None:
        super().fill(shadow, va, gpa, root, leaf)
        if shadow.key != PHYSICAL and not leaf & PTE_U:      # kernel-only: no PTE_U in the shadow
            vpn = va >> PAGE_SHIFT
            table = shadow.tables[vpn >> 10]
            self._write(table, vpn & 0x3FF, self._read(table, vpn & 0x3FF) & ~PTE_U)


class GuestModeDispatcher(NestedDispatcher):
    """Exits: the dispatcher's handling, plus EXIT_STUCK."""

    def handle(self, guest, machine, cause: int, tval: int) -> None:
        control = guest.strategy.control
        if control.exit_reason == EXIT_STUCK:
            control.exit_reason = 0
            return self.fail(guest, control.stuck, (cause, tval))
        return super().handle(guest, machine, cause, tval)

    def deliver(self, guest) -> None:
        """The timer comes due at its deadline; the processor takes what the guest's devices
        raise when the guest's IE allows (AccountedControl.interrupt_line)."""
        devices, vcpu = guest.devices, guest.vcpu
        limit = guest.config.max_instructions
        if limit is not None and vcpu.count >= limit:
            return
        if devices.timer_deadline is not None and vcpu.count >= devices.timer_deadline:
            devices.timer_tick(vcpu.count)


class GuestModeShadowDispatcher(GuestModeDispatcher):
    """(The same exits; MMAP_FAULT never comes with shadow paging.)"""


class HardwareGuestMode(TrapAndEmulate):
    """``--strategy vt``: the guest in the hardware guest mode, nested paging."""
    name = "vt"
    paging = "nested"
    shadows_class = GuestModeNested
    dispatcher_class = GuestModeDispatcher

    def __init__(self, guest):
        super().__init__(guest)
        self.control: GuestControl | None = None      # set up when the guest is first loaded

    def loaded(self, machine) -> None:
        """Guest.load: the guest goes on the processor in the guest mode."""
        if self.control is None:
            guest = self.guest
            self.control = AccountedControl(guest, nested=self.paging == "nested")
        machine.enter_guest(self.control)


class HardwareGuestModeShadow(HardwareGuestMode):
    """``--strategy vt --paging shadow``: the guest mode over shadow maps."""
    paging = "shadow"
    shadows_class = GuestModeShadows
    dispatcher_class = GuestModeShadowDispatcher


HardwareGuestMode.paging_variants = {"nested": HardwareGuestMode, "shadow": HardwareGuestModeShadow}
HardwareGuestModeShadow.paging_variants = HardwareGuestMode.paging_variants
