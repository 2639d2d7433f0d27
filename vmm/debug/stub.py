"""The gdb session: the machine's debugger hook (``before_instruction``, vmm/machine/debug_hooks.py)
and the remote protocol's commands.

All-stop: while gdb looks, nothing runs. The hook is called at every instruction boundary of
whichever thread (bare processor, or guest on the processor) runs; it decides whether to stop
there -- a breakpoint, a watchpoint hit by the instruction just completed, the end of a single
step, a trap entry asked for with ``monitor break-on-trap``, gdb's Ctrl-C -- and if so serves
gdb's packets right there, inside the run, until gdb resumes. So the monitor's scheduler, time
slices and world switches go on exactly as without a debugger, and a guest's count and output do
not change (only the time it takes).

Stepping: ``stepi`` ends at the next boundary of the stepped thread whose position differs (an
instruction completed, or a trap entered: a step into ``ecall``, a fault or an interrupt stops at
the handler's first instruction, with epc/cause/tval set). Under the monitor a hidden page fault
is not a point of the guest's (it is invisible to it): the step goes on to the instruction's end.

Reverse execution (bare machine): ``bs``/``bc`` replay the history (reverse.py). ``bc`` scans the
history backwards segment by segment for the last point before the current one where a forward
run would have stopped, then runs to it; with nothing there it stops at the start of history.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..machine import Stop
from .commands import run_command
from .points import Points
from .protocol import INTERRUPT, MAX_PACKET, escape, unescape
from .target import NUM_REGISTERS, PC, TARGET_XML, decode_word, encode_word

POLL_EVERY = 1024          # instruction boundaries between looks for gdb's Ctrl-C
EXIT_KILLED = 137          # 128 + SIGKILL: the exit status after gdb's kill
SIGTRAP, SIGINT, SIGSEGV = 5, 2, 11
MAX_MEMORY = MAX_PACKET // 2 - 16      # bytes of one m/M answer or request, hex-encoded
RESUME = object()          # a handler's answer: gdb resumed, leave the packet loop


@dataclass
class Replay:
    """A reverse request under way: ``scan`` a segment of history for the last point where a
    forward run would stop (before ``end``), or ``goto`` a point and stop there."""
    goal: str
    end: tuple                             # a position of the timeline (History.position)
    snap: object = None
    step: bool = False
    tid: int = 0                           # a reverse step: of this thread,
    tpos: tuple = ()                       # from this position of it
    reason: str = ""
    found: tuple | None = None
    prev: dict = field(default_factory=dict)    # tid -> (its position, access) at its last point


@dataclass
class Debugger:
    conn: object
    machine: object
    threads: list
    monitor: object = None                 # the Monitor, under --vmm
    history: object = None                 # reverse.History (bare machine)
    server: object = None                  # to turn away other clients
    points: Points = field(default_factory=Points)

    def __post_init__(self):
        self.running = False               # gdb waits for a stop reply
        self.step_tid: int | None = None   # stepping this thread (0: whichever runs)
        self.last: dict[int, tuple] = {}   # tid -> position at its last boundary
        self.resume_at: dict[int, tuple] = {}   # tid -> position a resume started at
        self.reply = f"T05thread:{self.threads[0].tid:x};"
        self.g_tid = self.threads[0].tid   # Hg: whose registers
        self.stop_tid = self.g_tid         # the thread of the last stop (monitor commands)
        self.c_tid = 0                     # Hc: which thread s/c name (0: any)
        self.replay: Replay | None = None
        self.ended: Stop | None = None     # the run ended and gdb looks at its last state
        self.exit_status = 0
        self._ticks = 0
        self._starting = True              # stop before the first instruction

    # --- the hook ----------------------------------------------------------------------------------
    def current(self):
        if self.monitor is None:
            return self.threads[0]
        return self.threads[self.monitor.dispatcher.guest.index]

    def before_instruction(self, machine) -> bool:
        thread = self.current()
        if self.replay is not None:
            reason = self._replay_point(thread, self.history.position())
            if reason is None:
                return False
            if reason is RESUME:          # restored a snapshot: run from there
                return True
        else:
            pos = thread.position()
            if self.history is not None:
                self.history.at_point(pos)
            reason = self._check(thread, pos)
            if self._starting:
                self._starting = False
                reason = f"T{SIGTRAP:02x}"
            if reason is None:
                self._ticks += 1
                if self._ticks % POLL_EVERY:
                    return False
                if self.server is not None:
                    self.server.turn_away()
                if not self.conn.interrupt_pending():
                    return False
                if self.conn.closed:
                    self.detach()
                    return True
                reason = f"T{SIGINT:02x}"
        self._stop(thread, reason)
        return True

    def _check(self, thread, pos) -> str | None:
        """Why to stop at this boundary of ``thread``, or None."""
        tid, points = thread.tid, self.points
        prev = self.last.get(tid)
        self.last[tid] = pos
        if prev is not None and prev != pos:
            if pos[1] > prev[1] and points.stops_on_trap(thread.trap_cause()):
                return f"T{SIGTRAP:02x}"
            if self.step_tid is not None and self.step_tid in (0, tid):
                return f"T{SIGTRAP:02x}"
        if self.step_tid and not self.threads[self.step_tid - 1].alive:
            return f"T{SIGTRAP:02x}"          # the stepped guest ended: stop where we are
        if points.breakpoints or points.watchpoints:
            pc = thread.read_register(PC)
            if pc in points.breakpoints and self.resume_at.get(tid) != pos:   # not where it resumed
                return f"T{SIGTRAP:02x}swbreak:;"
            if points.watchpoints:
                # before the access, as RISC-V triggers fire: gdb then steps over it itself
                # (gdbarch have_nonsteppable_watchpoint) and compares the values
                access = points.access_of(thread, pc)
                hit = points.watch_hit(access) if access is not None else None
                if hit:
                    return f"T{SIGTRAP:02x}{hit};"
        return None

    def _stop(self, thread, reason: str) -> None:
        self.g_tid = self.stop_tid = thread.tid
        self.reply = f"{reason}thread:{thread.tid:x};"
        if self.running:
            self.running = False
            self.conn.send(self.reply)
        self.serve()

    # --- reverse -----------------------------------------------------------------------------------
    def _replay_point(self, thread, pos):
        r = self.replay
        if r.goal == "goto":
            if pos < r.end:
                return None
            self.replay = None
            tpos = thread.position()
            self.last = {thread.tid: tpos}
            self.resume_at = {thread.tid: tpos}
            return r.reason
        points = self.points
        tpos = thread.position()
        prev = r.prev.get(thread.tid)
        access = points.access_of(thread, thread.read_register(PC)) if points.watchpoints else None
        r.prev[thread.tid] = (tpos, access)
        if not r.step and prev is not None and prev[1] is not None and tpos[0] > prev[0][0]:
            hit = points.watch_hit(prev[1])
            if hit:       # the point after the access: gdb steps back over it itself
                r.found = (pos, f"T{SIGTRAP:02x}{hit};")
        if pos >= r.end:
            return self._next_segment(r)
        if r.step:
            if thread.tid == r.tid and tpos != r.tpos:
                r.found = (pos, f"T{SIGTRAP:02x}")
        elif thread.tid == r.tid and tpos == r.tpos:
            pass              # where it stands now, as the guest sees it (a hidden fault's retry)
        elif prev is not None and tpos[1] > prev[0][1] and points.stops_on_trap(thread.trap_cause()):
            r.found = (pos, f"T{SIGTRAP:02x}")
        elif thread.read_register(PC) in points.breakpoints:
            r.found = (pos, f"T{SIGTRAP:02x}swbreak:;")
        return None

    def _next_segment(self, r: Replay):
        history = self.history
        if r.found is not None:
            self.replay = Replay("goto", r.found[0], reason=r.found[1])
            history.restore(r.snap)
            return RESUME
        earlier = history.before(r.snap.position)
        if earlier is None:                 # nothing in all of history: stop at its start
            self.replay = Replay("goto", r.snap.position, reason=f"T{SIGTRAP:02x}replaylog:begin;")
            history.restore(r.snap)
        else:
            self.replay = Replay("scan", r.snap.position, snap=earlier, step=r.step, tid=r.tid, tpos=r.tpos)
            history.restore(earlier)
        return RESUME

    def _reverse(self, step: bool):
        if self.history is None:
            return ""
        thread = self.thread(self.c_tid or self.stop_tid)
        pos = self.history.position()
        snap = self.history.before(pos)
        if snap is None:
            self.reply = f"T{SIGTRAP:02x}replaylog:begin;thread:{thread.tid:x};"
            return self.reply
        self.ended = None
        self.replay = Replay("scan", pos, snap=snap, step=step, tid=thread.tid, tpos=thread.position())
        self.running = True
        self.last = {}
        self.history.restore(snap)          # under the monitor this unwinds to the scheduler
        return RESUME

    # --- serving gdb -------------------------------------------------------------------------------
    def serve(self) -> None:
        """Answer packets until gdb resumes, detaches, kills or goes away."""
        while True:
            packet = self.conn.receive(timeout=0.5)
            if packet is None:
                self.detach()
                return
            if packet == "" or packet == INTERRUPT:
                if self.server is not None:
                    self.server.turn_away()
                continue
            try:
                answer = self.handle(packet)
            except (ValueError, IndexError, KeyError, OverflowError):
                answer = "E01"                # a malformed packet: an error, never a traceback
            if answer is RESUME:
                return
            if answer is RESUME_NOTHING:      # answered already
                continue
            self.conn.send(answer)
            if self.conn.closed:
                self.detach()
                return

    def handle(self, packet: str):
        head = packet[:1]
        handler = _HANDLERS.get(head)
        if handler is None:
            return ""
        return handler(self, packet[1:])

    def thread(self, tid: int | None = None):
        tid = self.g_tid if tid is None else tid
        if tid <= 0 or tid > len(self.threads):
            return self.current()
        return self.threads[tid - 1]

    # registers ------------------------------------------------------------------------------------
    def _g(self, _):
        t = self.thread()
        return "".join(encode_word(t.read_register(n)) for n in range(NUM_REGISTERS))

    def _G(self, body: str):
        t = self.thread()
        values = [decode_word(body[i:i + 8]) for i in range(0, min(len(body), 8 * NUM_REGISTERS), 8)]
        if any(v is None for v in values):
            return "E01"
        changed = False
        for n, value in enumerate(values):
            if t.read_register(n) != value:
                if not t.write_register(n, value):
                    return "E02"
                changed = True
        if changed:
            self._changed()
        return "OK"

    def _p(self, body: str):
        n = int(body, 16)
        if not 0 <= n < NUM_REGISTERS:
            return "E01"
        return encode_word(self.thread().read_register(n))

    def _P(self, body: str):
        number, _, text = body.partition("=")
        n, value = int(number, 16), decode_word(text)
        if not 0 <= n < NUM_REGISTERS or value is None:
            return "E01"
        if not self.thread().write_register(n, value):
            return "E02"
        self._changed()
        return "OK"

    # memory ----------------------------------------------------------------------------------------
    @staticmethod
    def _range(text: str) -> tuple[int, int]:
        addr, _, length = text.partition(",")
        a, n = int(addr, 16), int(length, 16)
        if not 0 <= a <= 0xFFFFFFFF or n < 0:
            raise ValueError("address")
        return a, min(n, MAX_MEMORY, 0x100000000 - a)

    def _m(self, body: str):
        addr, length = self._range(body)
        data = self.thread().read_memory(addr, length)
        return data.hex() if data or not length else "E14"

    def _write_memory(self, addr: int, data: bytes):
        if not self.thread().write_memory(addr, data):
            return "E14"
        if data:
            self._changed()
        return "OK"

    def _M(self, body: str):
        where, _, text = body.partition(":")
        addr, length = self._range(where)
        data = bytes.fromhex(text)
        return self._write_memory(addr, data[:length]) if len(data) >= length else "E01"

    def _X(self, body: str):
        where, _, raw = body.partition(":")
        addr, length = self._range(where)
        data = unescape(raw.encode("latin-1"))
        return self._write_memory(addr, data[:length]) if len(data) >= length else "E01"

    def _changed(self) -> None:
        """gdb changed the state: reverse history starts again here (reverse.py)."""
        if self.history is not None:
            self.history.restart()

    # breakpoints -----------------------------------------------------------------------------------
    def _Z(self, body: str, insert: bool = True):
        kind, addr, length = body.split(";")[0].split(",")
        ok = (self.points.insert if insert else self.points.remove)(int(kind), int(addr, 16), int(length, 16))
        return "OK" if ok else ("" if int(kind) > 4 else "E01")

    def _z(self, body: str):
        return self._Z(body, insert=False)

    # running ---------------------------------------------------------------------------------------
    def _resume(self, step_tid: int | None, addr: str = ""):
        if self.ended is not None:          # nothing runs after the end: say so
            self.conn.send(self._exit_packet())
            self.conn.close()
            return RESUME
        if addr:
            self.thread(self.c_tid or None).write_register(PC, int(addr, 16))
            self._changed()
        self.step_tid = step_tid
        stopped = self.threads[self.stop_tid - 1]    # only it was stopped at its current point
        self.resume_at = {stopped.tid: stopped.position()}
        self.running = True
        return RESUME

    def _c(self, body: str):
        return self._resume(None, body)

    def _s(self, body: str):
        return self._resume(self.c_tid or self.current().tid, body)

    def _C(self, body: str):
        return self._resume(None, body.partition(";")[2])

    def _S(self, body: str):
        return self._resume(self.c_tid or self.current().tid, body.partition(";")[2])

    def _v(self, body: str):
        if body == "Cont?":
            return "vCont;c;C;s;S"
        if body.startswith("Cont;"):
            step = None
            for action in body[5:].split(";"):
                what, _, tid = action.partition(":")
                if what[:1] in ("s", "S"):
                    step = _tid(tid) if tid else (self.c_tid or self.current().tid)
                    if step <= 0:
                        step = self.current().tid
                elif what[:1] not in ("c", "C"):
                    return "E01"
            return self._resume(step)
        if body.startswith("Kill"):
            self._kill()
            return "OK"
        if body == "MustReplyEmpty":
            return ""
        return ""

    def _b(self, body: str):
        if body in ("s", "c"):
            return self._reverse(step=body == "s")
        return ""

    def _question(self, _):
        return self.reply

    def _k(self, _):
        self._kill()
        self.conn.close()
        return RESUME

    def _kill(self) -> None:
        stop = Stop("killed", EXIT_KILLED, "toyvm: killed by gdb")
        if self.monitor is not None:
            for guest in self.monitor.guests:
                if guest.exit is None:
                    guest.end(Stop("killed", EXIT_KILLED, f"toyvm: {guest.name}: killed by gdb"))
        self.machine.stop(stop)
        self.ended = None
        self.detach()

    def _D(self, _):
        self.conn.send("OK")
        self.detach()
        return RESUME

    def detach(self) -> None:
        """gdb detached or went away: the machine runs on at full speed, as if never debugged."""
        self.conn.close()
        if self.server is not None:      # no later client: it would wait on a stub nobody serves
            self.server.close()
            self.server = None
        self.replay = None
        if self.machine.debugger is self:
            self.machine.debugger = None

    # threads ---------------------------------------------------------------------------------------
    def _H(self, body: str):
        tid = _tid(body[1:])
        if tid > len(self.threads):
            return "E01"
        if body[:1] == "g":
            self.g_tid = tid if tid > 0 else self.current().tid
        else:
            self.c_tid = max(tid, 0)
        return "OK"

    def _T(self, body: str):
        tid = _tid(body)
        return "OK" if 0 < tid <= len(self.threads) and self.threads[tid - 1].alive else "E01"

    # queries ---------------------------------------------------------------------------------------
    def _q(self, body: str):
        name, _, args = body.partition(":")
        if name == "Supported":
            features = [f"PacketSize={MAX_PACKET:x}", "qXfer:features:read+", "QStartNoAckMode+",
                        "vContSupported+", "swbreak+"]
            if self.history is not None:
                features += ["ReverseStep+", "ReverseContinue+"]
            return ";".join(features)
        if name == "Xfer" and args.startswith("features:read:target.xml:"):
            offset, length = (int(x, 16) for x in args.rsplit(":", 1)[1].split(","))
            length = min(length, MAX_MEMORY)
            chunk = TARGET_XML.encode()[offset:offset + length]
            more = offset + length < len(TARGET_XML.encode())
            return (b"m" if more else b"l") + escape(chunk)
        if name == "Attached":
            return "1"
        if name == "C":
            return f"QC{self.current().tid:x}"
        if name == "fThreadInfo":
            return "m" + ",".join(f"{t.tid:x}" for t in self.threads if t.alive)
        if name == "sThreadInfo":
            return "l"
        if name.startswith("ThreadExtraInfo,"):
            return self.thread(_tid(name.split(",", 1)[1])).describe().encode().hex()
        if name.startswith("Rcmd,"):
            text = bytes.fromhex(name[5:]).decode("utf-8", "replace")
            output = run_command(self, text)
            for i in range(0, len(output), MAX_MEMORY // 2):
                self.conn.send("O" + output[i:i + MAX_MEMORY // 2].encode().hex())
            return "OK"
        if name == "Symbol":
            return "OK"
        return ""

    def _Q(self, body: str):
        if body == "StartNoAckMode":
            self.conn.send("OK")
            self.conn.ack = False
            return RESUME_NOTHING
        return ""

    # --- the end of the run -----------------------------------------------------------------------
    def _exit_packet(self) -> str:
        return f"W{self.exit_status & 0xFF:02x}"

    def after_run(self, stop: Stop, status: int) -> bool:
        """The run ended (``stop``; the command's exit status ``status``). A crash or the
        instruction bound leaves gdb looking at the last state (and, on the bare machine, free to
        go back); anything else tells gdb the program exited. True: run the machine again (gdb
        went back in time)."""
        self.exit_status = status
        if self.conn.closed or self.machine.debugger is not self:
            return False
        if stop.kind in ("crash", "limit"):
            thread = self.current() if self.monitor is None else self.threads[0]
            self.ended = stop
            self.running = True
            self._stop(thread, f"T{SIGSEGV if stop.kind == 'crash' else SIGTRAP:02x}")
            return self.machine.debugger is self and self.ended is None and not self.conn.closed
        if self.running:
            self.conn.send(self._exit_packet())
        self.detach()
        return False


RESUME_NOTHING = object()


def _tid(text: str) -> int:
    """A thread id of the protocol: hex, -1 for all, 0 for any; ``p1.2`` multiprocess form."""
    if text.startswith("p"):
        text = text.partition(".")[2] or "0"
    return -1 if text == "-1" else int(text, 16)


_HANDLERS = {
    "g": Debugger._g, "G": Debugger._G, "p": Debugger._p, "P": Debugger._P,
    "m": Debugger._m, "M": Debugger._M, "X": Debugger._X,
    "Z": Debugger._Z, "z": Debugger._z,
    "c": Debugger._c, "s": Debugger._s, "C": Debugger._C, "S": Debugger._S, "v": Debugger._v,
    "b": Debugger._b, "?": Debugger._question, "k": Debugger._k, "D": Debugger._D,
    "H": Debugger._H, "T": Debugger._T, "q": Debugger._q, "Q": Debugger._Q,
}
