"""The TOY32 processor: architectural state, the one trap path, the system instructions, and the
dispatch loop that runs translated regions (the slow memory paths: memory_paths.py; translated
code: codecache.py, regions.py, translate.py).

Monitor interface (what a VMM attaches with ``machine.monitor = obj``)
----------------------------------------------------------------------
Every trap, exception or interrupt, goes through ``Machine.trap(cause, tval)``. With no monitor
it performs SPEC §4 trap entry (vector to ``tvec``). With a monitor it instead calls
``monitor.on_trap(machine, cause, tval)`` and changes nothing itself: at that moment
``machine.pc`` is the pc trap entry would save as ``epc`` (the faulting instruction, or for an
interrupt the next one), ``regs``/``psw``/``pmar`` and the special registers are as after the
last completed instruction, and the faulting instruction has had no effect and is not counted.
The monitor may then change anything -- ``regs[i]`` (the list object is fixed: assign elements,
never rebind it), ``pc``, ``psw``, ``pmar`` (call ``tlb_flush()`` when the maps change), the
special registers, RAM through ``write_bytes``/``write_word`` -- and return: the machine resumes
at ``pc`` in the state left. It may count an instruction it emulated with ``retire()``, and end
the run with ``stop(Stop(...))``.

``run(max_instructions=N)`` returns after exactly N more completed instructions (a time slice)
with ``Stop("limit")``, or earlier on halt/power-off/stop. ``devices`` is the device page
model; a monitor may substitute an object with the same ``read``/``write``/interrupt-line
members. A user-mode access to the device page faults (the page is kernel-only), so a monitor
running a guest kernel in user mode sees each device access as a PAGE_FAULT_LOAD/STORE with
the address in tval and the instruction at pc. ``tlb_flush()`` drops cached translations;
``switch_space(pmar)``/``forget_space(pmar)`` keep them per page-map root instead (a tagged TLB). Interrupts are level-triggered: TIMER stays pending until a TIMER_LOAD
write, CONSOLE while input waits and CONSOLE_RX_IRQ is set.
"""
from __future__ import annotations

import time

from isa import decode
from isa.machine import (CAUSE_BY_NAME, DEFAULT_RAM_SIZE, DEVICE_BASE, EXIT_INSTRUCTION, MMAP_GUEST_KERNEL,
                         MMAP_ON, MMAP_ROOT_MASK, PAGE_SHIFT, PMAR_ON, PMAR_ROOT_MASK, PSW_IE, PSW_U,
                         PSW_WRITABLE, PTE_ADDR_MASK, PTE_V, SR_NAMES)
from isa.privileged import (DEFAULT_REPEAT_LIMIT, ProgressWatch, enter_trap, execute_privileged,
                            execute_sensitive, instruction_exits, write_pmar_value)
from isa.semantics import HELPERS

from .codecache import CodeCache
from .debug_hooks import DebugHooks
from .devices import RX_IRQ, ConsoleInput, ConsoleOutput, Devices
from .errors import EXIT_CRASH, EXIT_LIMIT, Stop, crash_report
from .guestmode import GuestMode
from .memory import PhysicalMemory
from .memory_paths import MemoryPaths
from .mmu import EXEC, MMU, TranslationFault
from .regions import MAX_BLOCK, find_region
from .stats import Stats
from .translate import RegionBail, RegionCompiler, RegionExit, compile_region

MASK = 0xFFFFFFFF
DEVICE_PAGE = DEVICE_BASE >> PAGE_SHIFT
C = CAUSE_BY_NAME
ILLEGAL, SVC, BREAKPOINT = C["ILLEGAL_INSTRUCTION"], C["SVC"], C["BREAKPOINT"]
PRIVILEGED_INSTRUCTION, VIRTUALIZATION_TRAP = C["PRIVILEGED_INSTRUCTION"], C["VIRTUALIZATION_TRAP"]
CONSOLE_POLL = 10_000   # instructions between polls of an interactive console for CONSOLE
# Instructions between two looks at ``interrupt_requested`` (about 10 ms): a translated loop runs
# until its budget is spent, so the budget is what bounds the wait for a Ctrl-C.
INTERRUPT_POLL = 200_000


def _declined(*_):
    """No monitor performs mfsr/mtsr in line (Machine.emulate_in_line): they trap."""
    return None


class Machine(MemoryPaths, DebugHooks, GuestMode):
    def __init__(self, mem_size: int = DEFAULT_RAM_SIZE, *, hw_assist: bool = False,
                 repeat_limit: int = DEFAULT_REPEAT_LIMIT, console_in: ConsoleInput | None = None, console_out: ConsoleOutput | None = None):
        self.mem = PhysicalMemory(mem_size)
        self.mmu = MMU(self.mem)
        self.devices = Devices(console_in or ConsoleInput(None), console_out or ConsoleOutput())
        self.hw_assist = hw_assist
        self.regs = [0] * 32
        self.pc = 0
        self.psw = 0
        self.pmar = 0
        self.mmap = 0                        # the machine-map register: nested paging (SPEC §9) when on
        self.guest_control = None            # the guest mode's control block while it is on (guestmode.py)
        self.epc = self.cause = self.tval = self.tvec = self.scratch = 0
        self.count = 0                       # instructions completed since reset
        self.monitor = None
        self.tracer = None
        self.debugger = None                 # vmm/debug's hook (debug_hooks.py): None runs fast
        self.stats = Stats()
        self.stopped: Stop | None = None
        self.interrupt_requested = False     # set asynchronously (Ctrl-C): stop at the next boundary
        self._stop_at: int | None = None
        self._limit = 0                      # the dispatcher's next event (instruction count)
        self._accounted = 0
        self.progress = ProgressWatch(repeat_limit)   # the trap-loop and no-progress rules
        self._bailed = False                 # a region left an instruction for single-stepping
        self.code = CodeCache(self.mem.plain, self.mmu.forget_writable)
        self.mmu.on_overflow = self.code.unbind_translated
        self._namespaces = [self._namespace(ctx) for ctx in range(4)]

    # --- state access (the Processor of isa/privileged.py) ----------------------------------------
    def read_sr(self, number: int) -> int:
        return getattr(self, SR_NAMES[number])

    def write_sr(self, number: int, value: int) -> None:
        name = SR_NAMES[number]
        if name == "psw":
            self.set_psw(value)
        else:
            setattr(self, name, value & MASK)

    def set_psw(self, value: int) -> None:
        self._account()
        self.psw = value & PSW_WRITABLE

    def read_pmar(self) -> int:
        control = self.guest_control     # the guest mode with shadow paging: pmar holds the shadow
        return self.pmar if control is None or control.nested else control.state.pmar

    def write_pmar(self, value: int) -> None:
        self.pmar = write_pmar_value(value)
        self.tlb_flush()

    set_pmar = write_pmar

    def set_nested(self, mmap: int, pmar: int) -> None:
        """Install a machine map in the mmap register (0: nested paging off) and the guest's
        pmar it translates, discarding cached translations when either changes (SPEC §9)."""
        mmap = mmap & (MMAP_ROOT_MASK | MMAP_ON | MMAP_GUEST_KERNEL) if mmap & MMAP_ON else 0
        pmar = write_pmar_value(pmar)
        if (mmap, pmar) != (self.mmap, self.pmar):
            self.mmap = self.mmu.mmap = mmap
            self.pmar = pmar
            self.tlb_flush()

    @property
    def fault_gpa(self) -> tuple[int, int]:
        """The gpa and gpainfo registers: where the last MMAP_FAULT happened."""
        return self.mmu.gpa, self.mmu.gpainfo

    def flush_translations(self) -> None:
        self.tlb_flush()

    def halt(self) -> None:
        self.stopped = Stop("halt", 0)

    def retire(self, n: int = 1) -> None:
        """Count n instructions as completed (an instruction a monitor emulated)."""
        self.count += n

    def stop(self, stop: Stop) -> None:
        self.stopped = stop

    def request_interrupt(self) -> None:
        """Ask the run to end with Stop("interrupted") at the next instruction boundary it looks
        at (within INTERRUPT_POLL instructions), with the state exact: safe from a signal handler."""
        self.interrupt_requested = True

    def _context(self) -> int:
        return ((self.pmar | self.mmap) & PMAR_ON) << 1 | (self.psw & PSW_U)

    def _account(self) -> None:
        self.stats.instructions[self.psw & PSW_U] += self.count - self._accounted
        self._accounted = self.count

    # --- memory as the loader and monitors see it ------------------------------------------
    def write_bytes(self, paddr: int, data: bytes) -> None:
        """Write RAM at a physical address, dropping translated code it overwrites."""
        if not self.mem.contains(paddr, len(data)):
            raise ValueError(f"{paddr:#x}+{len(data)} is outside RAM")
        for ppn in range(paddr >> PAGE_SHIFT, (paddr + max(len(data), 1) - 1 >> PAGE_SHIFT) + 1):
            if self.code.holds_code(ppn):
                self.code.invalidate_page(ppn)
        self.mem.write_raw(paddr, data)

    def write_word(self, paddr: int, value: int) -> None:
        self.write_bytes(paddr, (value & MASK).to_bytes(4, "little"))

    def peek_instruction(self, vaddr: int) -> int | None:
        """The word the processor fetches at vaddr, without side effects: through the TLB (which
        may hold a stale translation until tlbflush) or a walk; a valid leaf is enough (its flags
        may refuse the fetch). None when there is no word there."""
        if vaddr & 3:
            return None
        paddr = vaddr
        if (self.pmar | self.mmap) & PMAR_ON:
            entry = self.mmu.tlb.get(vaddr >> PAGE_SHIFT)
            if entry is None:
                try:
                    entry = (self.mmu.translate(self.pmar, vaddr, EXEC, False) & PTE_ADDR_MASK | PTE_V
                             if self.mmap else self.mmu.walk(self.pmar, vaddr, EXEC))
                except TranslationFault:
                    return None
            if not entry & PTE_V:
                return None
            paddr = (entry & PTE_ADDR_MASK) | (vaddr & 0xFFF)
        return self.mem.read_word(paddr) if self.mem.contains(paddr, 4) else None

    def page_map_reader(self):
        """(read_word(physical address), RAM size): what a walk of the page maps reads."""
        return self.mmu.read_word, self.mem.size

    # --- cached translations --------------------------------------------------------------------
    def tlb_flush(self) -> None:
        self.mmu.flush()
        self.code.unbind_translated()

    def switch_space(self, pmar: int) -> None:
        """Install ``pmar`` keeping the cached user-mode translations of the address space it
        replaces, tagged by its pmar, and bringing back those of ``pmar`` if it was installed
        before (kernel-mode ones are dropped: a monitor's guests run in user mode).

        For a monitor switching among page maps it keeps consistent itself: a map's existing
        leaves may change only while it is installed followed by ``tlb_flush``, or after
        ``forget_space`` of it; adding leaves needs neither, as the TLB only holds valid entries.
        (``set_pmar``, the architectural stpmar, flushes instead.)"""
        pmar &= PMAR_ROOT_MASK | PMAR_ON
        if pmar == self.pmar:
            return
        self.mmu.switch_space(self.pmar, pmar)
        self.code.switch_space(self.pmar, pmar)
        self.pmar = pmar

    def forget_space(self, pmar: int) -> None:
        """The page map at ``pmar`` changed or went: drop what was saved for it."""
        self.mmu.forget_space(pmar)
        self.code.forget_space(pmar)

    def _namespace(self, ctx: int) -> dict:
        mem, user = self.mem, ctx & 1
        return dict(M=self, R=self.regs, W=mem.u32, H=mem.u16, Hs=mem.s16, B=mem.u8, Bs=mem.s8, PG=mem.plain,
                    TR=self.mmu.read_fast[user], TW=self.mmu.write_fast[user],
                    LD=self._load_or_bail, ST=self._store_or_bail, LDX=self._load_slow,
                    STX=self._store_slow, SYS=self._system, BAIL=RegionBail, VRD=_declined, VWR=_declined,
                    **HELPERS)

    def emulate_in_line(self, read_sr=None, write_sr=None) -> None:
        """Let a monitor perform user-mode ``mfsr``/``mtsr`` without a trap:
        translated user-mode code calls ``read_sr(number)`` (the value, or None) or
        ``write_sr(number, value)`` (True, or False) and takes the trap only when they decline.
        The monitor does for its guest's virtual kernel what handling the trap would, counted
        the same: nothing differs for the guest but time. Call it before the first run: code
        translated earlier keeps the functions it was made with. No arguments: they trap."""
        for namespace in self._namespaces:
            namespace["VRD"] = read_sr or _declined
            namespace["VWR"] = write_sr or _declined

    def _code_for(self, ctx: int, vpc: int, single: bool):
        """The translated function at vpc in context ctx (fetch faults trap and raise)."""
        if vpc & 3:
            self._fetch_fault(C["MISALIGNED_FETCH"], vpc)
        user = ctx & 1
        ppc = vpc
        if ctx & 2:
            try:
                ppc = self.mmu.translate(self.pmar, vpc, EXEC, bool(user))
            except TranslationFault as fault:
                self._fetch_fault(fault.cause, vpc)
        if not self.mem.contains(ppc, 4):
            self._fetch_fault(C["PAGE_FAULT_FETCH"] if user and ppc >> PAGE_SHIFT == DEVICE_PAGE
                              else C["BUS_ERROR"], vpc)
        key = (ctx, vpc, ppc >> PAGE_SHIFT, single)
        fn = self.code.get(key)
        if fn is None:
            delta = ppc - vpc
            u32 = self.mem.u32
            blocks = find_region(lambda va: u32[(va + delta) >> 2], vpc, single, kernel=not user)
            source = RegionCompiler(bool(ctx & 2), self.mem.size, single).source(blocks)
            fn = compile_region(source, self._namespaces[ctx], f"<region {vpc:08x}>")
            if single:
                fn.word = blocks[0].insns[0][1]
            self.code.add(key, fn, [pc for block in blocks for pc, _, _ in block.insns])
        self.code.bind(key, fn)
        return fn

    def _fetch_fault(self, cause: int, vaddr: int) -> None:
        self.trap(cause, vaddr)
        raise RegionExit

    # --- the one trap path -----------------------------------------------------------------
    def trap(self, cause: int, tval: int) -> None:
        """Every trap comes here: to the monitor if one is attached, else SPEC §4 trap entry."""
        traps = self.stats.traps
        traps[cause] = traps.get(cause, 0) + 1
        if self.tracer is not None:
            self.tracer.trap(self, cause, tval)
        if self.guest_control is not None:
            self._guest_trap(cause, tval)
            return
        if self.monitor is not None:
            self.monitor.on_trap(self, cause, tval)
            return
        stuck = self.progress.on_exception(self.count, self.pc, cause, tval, self.tvec)
        if stuck is not None:
            self.stopped = Stop("crash", EXIT_CRASH, crash_report(self, stuck, fault=(cause, tval)))
            return
        self.enter_trap(cause, tval)

    def enter_trap(self, cause: int, tval: int) -> None:
        self.pc = enter_trap(self, self.pc, cause, tval)
        self.progress.entered(self.count)

    def _system(self, pc: int, word: int, done: int, budget: int) -> tuple[int, int]:
        """ecall, ebreak, hypercall, the privileged and sensitive instructions, illegal words.

        Returns the region's result, (next pc, instructions completed since it was entered), when
        the instruction left the mode, the maps, the cached translations, the translated code and
        the run's course alone -- a monitor emulating mfsr for its guest, a trap entry that keeps
        psw as it was: the dispatcher then goes straight on to the next region, as no event can
        be due before its limit. Otherwise raises RegionExit, and the dispatcher looks at events
        first."""
        entered = self._limit - budget
        before = entered + done
        self.count = before
        self.pc = pc
        psw, pmar, flushes, dropped = self.psw, self.pmar, self.mmu.flushes, self.code.invalidations
        self.execute_system(word)
        if (self.psw != psw or self.pmar != pmar or self.stopped is not None
                or self.mmu.flushes != flushes or self.code.invalidations != dropped):
            raise RegionExit
        return self.pc, self.count - entered

    def execute_system(self, word: int) -> None:
        """Execute the system instruction ``word`` at ``pc`` (trapping if it must)."""
        d = decode(word)
        if d is None:
            return self.trap(ILLEGAL, word)
        kind = d.instr.kind
        user = self.psw & PSW_U
        if kind == "priv":
            if user:
                return self.trap(PRIVILEGED_INSTRUCTION, word)
            if self.guest_control is not None and instruction_exits(d.instr.mnemonic, self.guest_control.nested):
                self._vm_exit(EXIT_INSTRUCTION, PRIVILEGED_INSTRUCTION, word)
                raise RegionExit
        elif kind == "ecall":
            return self.trap(SVC, 0)
        elif kind == "ebreak":
            return self.trap(BREAKPOINT, 0)
        elif kind == "hypercall" or (user and self.hw_assist):   # (the rest are sensitive)
            if self.guest_control is not None and not user:
                self._vm_exit(EXIT_INSTRUCTION, VIRTUALIZATION_TRAP, word)
                raise RegionExit
            return self.trap(VIRTUALIZATION_TRAP, word)
        if kind == "sensitive":
            self.pc = execute_sensitive(self, d, self.regs, self.pc)
        else:
            self.pc = execute_privileged(self, d, self.regs, self.pc)
        self.count += 1

    # --- running -----------------------------------------------------------------------------
    def run(self, max_instructions: int | None = None) -> Stop:
        """Run until halt, power-off, a monitor's stop, a crash, or max_instructions more."""
        self.stopped = None
        self._stop_at = None if max_instructions is None else self.count + max_instructions
        started = time.perf_counter()
        control = self.guest_control
        if control is not None:
            control.load(self)
        try:
            if self.debugger is not None:
                self._run_debug()
            elif self.tracer is None:
                self._run_fast()
            else:
                self._run_traced()
        finally:
            if control is not None and self.guest_control is control:
                control.save(self)
            self._account()
            self.stats.wall += time.perf_counter() - started
            self.devices.console_out.flush()
        return self.stopped

    def _events(self) -> None:
        """Between instructions: stop conditions, the timer, interrupt delivery, the next limit."""
        self._account()
        dev = self.devices
        if dev.power_off is not None:
            self.stopped, dev.power_off = Stop("power_off", dev.power_off), None
        if self.stopped is not None:
            return
        if self.interrupt_requested:
            self.stopped = Stop("interrupted")
            return
        count = self.count
        if self._stop_at is not None and count >= self._stop_at:
            self.stopped = Stop("limit", EXIT_LIMIT)   # status as the monitor and toyvm run give it
            return
        if dev.timer_deadline is not None and count >= dev.timer_deadline:
            dev.timer_tick(count)
        console_irq = self.psw & PSW_IE and dev.console_ctrl & RX_IRQ
        if self.psw & PSW_IE:
            if dev.timer_pending:
                self.trap(C["TIMER"], 0)
            elif console_irq and dev.console_irq(wait=not dev.console_in.interactive):
                self.trap(C["CONSOLE"], 0)
            elif self.guest_control is not None:
                line = self.guest_control.interrupt_line()   # the guest's own, to its tvec
                if line:
                    self.trap(line, 0)
        limit = count + INTERRUPT_POLL if self._stop_at is None else min(self._stop_at, count + INTERRUPT_POLL)
        if dev.timer_deadline is not None:
            limit = min(limit, dev.timer_deadline)
        if console_irq and self.psw & PSW_IE and dev.console_in.interactive and not dev.console_in.at_eof():
            limit = min(limit, count + CONSOLE_POLL)   # a terminal can get input at any time
        self._limit = max(limit, count + 1) if self.stopped is None else count

    def _run_fast(self) -> None:
        while True:
            self._events()
            if self.stopped is not None:
                return
            ctx = self._context()
            if self._bailed:       # the instruction a region left: run it alone, precisely
                self._bailed = False
                try:
                    fn = self.code.steps[ctx].get(self.pc) or self._code_for(ctx, self.pc, True)
                    self.pc, k = fn(self._limit - self.count)
                    self.count += k
                except RegionExit:
                    pass
                continue
            regions = self.code.regions[ctx]
            count, limit, pc = self.count, self._limit, self.pc
            try:
                while count < limit:
                    fn = regions.get(pc)
                    if fn is None:
                        break
                    pc, k = fn(limit - count)
                    if not k:
                        break
                    count += k
                self.count, self.pc = count, pc
                if count < limit:
                    # One instruction when the next region does not fit in what is left before the
                    # limit, or when so little is left that a region translated now would most
                    # likely be entered this once (near a timer deadline a long block would be
                    # translated again from each of its instructions).
                    single = pc in regions or limit - count < MAX_BLOCK
                    fn = self.code.steps[ctx].get(pc) if single else None
                    fn = fn or self._code_for(ctx, pc, single)
                    if single:
                        self.pc, k = fn(limit - count)
                        self.count = count + k
            except (RegionExit, RegionBail):
                pass

    def _run_traced(self) -> None:
        tracer = self.tracer
        while True:
            self._events()
            if self.stopped is not None:
                return
            steps, ctx, limit = self.code.steps[self._context()], self._context(), self._limit
            try:
                while self.count < limit:
                    count, pc = self.count, self.pc
                    before = tracer.snapshot(self)
                    fn = steps.get(pc) or self._code_for(ctx, pc, True)
                    try:
                        self.pc, k = fn(limit - count)
                        self.count = count + k
                    except RegionExit:
                        if self.count > count:
                            tracer.instruction(self, before, pc, fn.word)
                        raise
                    tracer.instruction(self, before, pc, fn.word)
            except RegionExit:
                pass

