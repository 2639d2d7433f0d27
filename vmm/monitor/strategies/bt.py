"""``--strategy bt``: binary translation by scan-and-patch, as VMware's first monitor and xvisor do.

``rdpsw``/``wrpsw`` never trap, so before guest-kernel code runs the monitor rewrites them: each
code page is scanned on its first execution in virtual kernel mode, and every rdpsw/wrpsw word in
it is replaced by the ``hypercall`` word, which raises VIRTUALIZATION_TRAP in every mode. The
monitor keeps the original; when the patched word traps it emulates the original on the virtual
psw (``emulate_sensitive``), exactly as the bare machine would execute it. A genuine hypercall of
the guest sits at an offset that was never patched and is reflected, as on the bare machine.

The patches must be invisible, so the state is kept per *guest-physical* page (a page mapped at
two addresses, or shared by two processes, is scanned and patched once) and enforced through the
flags of the shadow leaves (``leaf_flags``), so that every access that could tell goes through
``page_fault``:

  unscanned page:  no X in the kernel view (virtual kernel mode, or guest translation off, where
                   kernel and user share one shadow), so its first fetch there faults and scans
                   it. Virtual user mode needs no scan: rdpsw/wrpsw behave alike on the bare
                   machine and under the monitor there (the real psw has U = 1 either way).
  scanned page:    no W in any view: a store into it is emulated (with the original words put
                   back first) and the page becomes unscanned again, so the next kernel fetch
                   rescans the new code. The store is emulated, not retried: a store in a page
                   to that same page would otherwise livelock in the kernel view (the fetch wants
                   the page scanned, the store wants it unscanned).
  patched page:    no R either: a load from it is emulated and reads the original bytes.

Every state change is followed by ``Shadows.forget_page``, which removes each shadow leaf of the
page in every cached shadow (the cache resyncs leaves only against the guest's own entries, so a
leaf filled under the old state would otherwise keep flags it may no longer have). Changes are
rare -- one per kernel code page, plus writes to scanned pages -- so a targeted drop is plenty.

A first fetch costs one monitor entry: the page is scanned and ``page_fault`` answers False, so
the dispatcher's ordinary fill maps it at once with X, and the fetch is retried (not counted).
Emulated loads and stores count as one completed guest instruction, as rdpsw/wrpsw do.
Misaligned accesses never get here: the machine raises MISALIGNED before it translates.
"""
from __future__ import annotations

from isa import BY_MNEMONIC, INSTRUCTIONS, decode, sign_extend
from isa.machine import PAGE_SHIFT, PAGE_SIZE, PMAR_ON
from isa.privileged import EXEC, READ, WRITE, WalkFault

from .base import TrapAndEmulate, emulate_sensitive

MASK = 0xFFFFFFFF
OFFSET = PAGE_SIZE - 1
WORDS = PAGE_SIZE // 4
TRAPPING_WORD = BY_MNEMONIC["hypercall"].match          # all-fixed word: traps in every mode
SENSITIVE = tuple((i.mask, i.match) for i in INSTRUCTIONS if i.kind == "sensitive")   # rdpsw, wrpsw
SENSITIVE_OPCODES = {match & 0x7F for _, match in SENSITIVE}


def is_sensitive(word: int) -> bool:
    return word & 0x7F in SENSITIVE_OPCODES and any(word & mask == match for mask, match in SENSITIVE)


class BinaryTranslation(TrapAndEmulate):
    name = "bt"

    def __init__(self, guest):
        super().__init__(guest)
        # guest ppn -> {page offset: original word} of each patched word; a page absent is
        # unscanned, one with an empty dict was scanned and held nothing sensitive
        self.scanned: dict[int, dict[int, int]] = {}

    # --- the strategy's say over shadow leaves ---------------------------------------------------
    def leaf_flags(self, gppn: int, flags: int, kernel_view: bool) -> int:
        patches = self.scanned.get(gppn)
        if patches is None:
            return flags & ~EXEC if kernel_view else flags
        flags &= ~WRITE
        return flags & ~READ if patches else flags

    # --- a patched word traps ----------------------------------------------------------------------
    def virtualization_trap(self, machine, word: int) -> bool:
        if word != TRAPPING_WORD:
            return False
        gpa = self._pc_gpa(machine)
        patches = self.scanned.get(gpa >> PAGE_SHIFT) if gpa is not None else None
        original = patches.get(gpa & OFFSET) if patches else None
        if original is None:
            return False                         # the guest's own hypercall
        emulate_sensitive(self.guest, machine, original)
        return True

    # --- faults the leaf flags provoked ---------------------------------------------------------
    def page_fault(self, machine, access: int, va: int, gpa: int) -> bool:
        gppn = gpa >> PAGE_SHIFT
        patches = self.scanned.get(gppn)
        if access == EXEC:
            if patches is None and self._kernel_view():
                self._scan(gppn)
                self.guest.stats.bt_faults += 1
            return False                         # the ordinary fill now maps it with X
        if access == WRITE and patches is not None:
            return self._emulate_access(machine, va, gpa, store=True)
        if access == READ and patches:
            return self._emulate_access(machine, va, gpa, store=False)
        return False

    # --- the page state ---------------------------------------------------------------------------
    def _scan(self, gppn: int) -> None:
        guest = self.guest
        mmap = guest.mmap
        patches: dict[int, int] = {}
        hppn = mmap.pages.get(gppn)
        if hppn is not None:                     # a page never used is all zero: nothing to patch
            first = hppn << (PAGE_SHIFT - 2)
            for index, word in enumerate(guest.machine.mem.u32[first:first + WORDS].tolist()):
                if is_sensitive(word):
                    patches[index << 2] = word
        for offset in patches:
            mmap.write_bytes((gppn << PAGE_SHIFT) | offset, TRAPPING_WORD.to_bytes(4, "little"))
        self.scanned[gppn] = patches
        guest.stats.bt_scans += 1
        guest.stats.bt_patches += len(patches)
        if guest.events is not None:
            guest.events.emit("scan", gpa=gppn << PAGE_SHIFT, patched=sorted(patches))
        guest.shadows.forget_page(gppn)

    def _unscan(self, gppn: int) -> None:
        """Put the original words back; the page's next fetch in the kernel view rescans it."""
        mmap = self.guest.mmap
        for offset, word in self.scanned.pop(gppn).items():
            mmap.write_bytes((gppn << PAGE_SHIFT) | offset, word.to_bytes(4, "little"))
        self.guest.shadows.forget_page(gppn)

    def original_word(self, gpa: int) -> int:
        """The aligned word at gpa as the guest wrote it (patches undone)."""
        patches = self.scanned.get(gpa >> PAGE_SHIFT)
        original = patches.get(gpa & OFFSET & ~3) if patches else None
        return self.guest.mmap.read_word(gpa & ~3) if original is None else original

    # --- emulated loads and stores ----------------------------------------------------------------
    def _emulate_access(self, machine, va: int, gpa: int, store: bool) -> bool:
        """The load or store at machine.pc, on the original contents of a scanned page."""
        guest = self.guest
        word = guest.peek_instruction(machine.pc)
        d = decode(word) if word is not None else None
        if d is None or d.instr.kind != ("store" if store else "load"):
            return False
        regs = machine.regs
        if (regs[d.rs1] + d.imm) & MASK != va:   # (cannot happen: the fault was this access)
            return False
        width = d.instr.width
        if store:
            self._unscan(gpa >> PAGE_SHIFT)
            value = regs[d.rs2] & ((1 << 8 * width) - 1)
            guest.mmap.write_bytes(gpa, value.to_bytes(width, "little"))
        else:
            value = (self.original_word(gpa) >> (gpa & 3) * 8) & ((1 << 8 * width) - 1)
            if d.instr.signed:
                value = sign_extend(value, 8 * width) & MASK
            if d.rd:
                regs[d.rd] = value
        guest.stats.bt_faults += 1
        guest.stats.count_emulated(guest.vcpu.user)
        if guest.events is not None:
            guest.events.emit("bt-access", pc=machine.pc, va=va, store=store, value=value)
        machine.retire()
        machine.pc = (machine.pc + 4) & MASK
        return True

    # --- helpers ------------------------------------------------------------------------------------
    def _kernel_view(self) -> bool:
        """Does the installed shadow serve virtual kernel mode (or translation off)?"""
        vcpu = self.guest.vcpu
        return not vcpu.pmar & PMAR_ON or not vcpu.user

    def _pc_gpa(self, machine) -> int | None:
        """The guest-physical address of the instruction at machine.pc (it was just fetched)."""
        try:
            gpa, _, _ = self.guest.translate(machine.pc, EXEC)
        except WalkFault:
            return None
        return gpa if gpa < self.guest.mmap.size else None
