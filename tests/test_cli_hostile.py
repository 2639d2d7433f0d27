"""`toyvm run` against a hostile host and hostile files: a reader that closes the pipe, Ctrl-C,
an output that fails, a bad vms.toml, a guest printing one endless line. Each ends with a clear
message and a documented exit status (vmm/cli/), never a
traceback or an internal error. Pipes and signals need a real process; the rest runs in process."""
from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmm.cli import main
from vmm.cli.host import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_OUTPUT_ERROR
from vmm.machine import ConsoleOutput
from vmm.machine.devices import ConsoleClosed
from vmm.cli.run_vmm import MAX_LINE, PrefixedLines
from vmm_support import assemble

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]

# Prints "y\n" forever.
YES = """
_start:
    li a1, CONSOLE_TX
    li a0, 'y'
    li a2, 10
1:  sw a0, 0(a1)
    sw a2, 0(a1)
    j 1b
"""
# Prints "ready", looks at the console (which flushes the output: the test knows the guest runs),
# then spins with a0 = 0x5eed.
READY_SPIN = """
_start:
    la a2, message
    li a1, CONSOLE_TX
1:  lbu a0, 0(a2)
    beqz a0, 2f
    sw a0, 0(a1)
    addi a2, a2, 1
    j 1b
2:  li a1, CONSOLE_STATUS
    lw a0, 0(a1)
    li a0, 0x5eed
spin:
    addi s0, s0, 1
    j spin
.data
message: .asciz "ready\\n"
"""
HALT = "_start:\n    halt\n"
FORBIDDEN = ("Traceback", "internal error")


def clean(text: str) -> None:
    for word in FORBIDDEN:
        assert word not in text, text


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    clean(result.output)
    return result


# --- a closed pipe --------------------------------------------------------------------------------

@pytest.mark.parametrize("how", [
    ["run"], ["run", "--vmm"], ["run", "--stats"], ["run", "--vmm", "--stats"], ["run", "--vmm", "--guest"],
])
def test_a_closed_pipe_ends_the_run_quietly(tmp_path, how):
    """`toyvm run yes.elf | head -c 100`: exit 141 at once, no message, no report."""
    elf = assemble(tmp_path, YES, "yes")
    args = how + [elf] if how[-1] != "--guest" else how + [str(elf), "--guest", str(elf)]
    proc = subprocess.Popen(TOYVM + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    head = proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert head.replace(b"guest1| ", b"").replace(b"guest2| ", b"").startswith(b"y\ny\n")
    if "--stats" in how:          # asked for: still printed, and nothing else
        assert ("--- toyvm stats ---" in err) if "--vmm" not in how else ("--- guest1 ---" in err)
        assert "toyvm:" not in err.replace("--- toyvm stats ---", "")
    else:
        assert err == ""


def test_a_closed_pipe_on_stderr_ends_the_run_quietly(tmp_path):
    """`toyvm run --trace yes.elf 2>&1 | head -c 100`: the trace goes to the closed pipe."""
    elf = assemble(tmp_path, YES, "yes")
    proc = subprocess.Popen(TOYVM + ["run", "--trace", str(elf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=ROOT)
    head = proc.stdout.read(100)
    proc.stdout.close()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    clean(head.decode())


def test_console_output_remembers_a_closed_stream_and_raises():
    class Closed(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise BrokenPipeError(32, "Broken pipe")

    out = ConsoleOutput(Closed())
    with pytest.raises(ConsoleClosed) as caught:
        out.write(b"x")
    assert caught.value.broken_pipe and out.error is caught.value.error
    out.flush()                   # a cleanup: never raises
    with pytest.raises(ConsoleClosed):
        out.write(b"y")


@pytest.mark.parametrize("vmm", [[], ["--vmm"]])
def test_a_full_disk_is_an_error_with_a_message(tmp_path, vmm):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    elf = assemble(tmp_path, YES, "yes")
    with open("/dev/full", "wb") as full:
        done = subprocess.run(TOYVM + ["run", *vmm, str(elf)], stdout=full, stderr=subprocess.PIPE,
                              cwd=ROOT, timeout=60)
    err = done.stderr.decode()
    clean(err)
    assert done.returncode == EXIT_OUTPUT_ERROR and "toyvm: error: console output: No space left" in err


@pytest.mark.parametrize("vmm", [[], ["--vmm"]])
def test_stdout_closed_from_the_start(tmp_path, vmm):
    """`toyvm run yes.elf >&-`: Python has no sys.stdout at all; the first console byte fails."""
    elf = assemble(tmp_path, YES, "yes")
    done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *TOYVM, "run", *vmm, str(elf)],
                          stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    err = done.stderr.decode()
    clean(err)
    assert done.returncode == EXIT_OUTPUT_ERROR and "console output: standard output is closed" in err


def test_stderr_closed_from_the_start(tmp_path):
    """A Linux-syscall program writing to fd 2, and --stats, with stderr closed: no traceback."""
    elf = assemble(tmp_path, """
_start:
    li a7, 64
    li a0, 2
    la a1, message
    li a2, 3
    ecall
    li a7, 93
    li a0, 0
    ecall
.data
message: .ascii "hi\\n"
""", "hi")
    done = subprocess.run(["sh", "-c", 'exec "$@" 2>&-', "sh", *TOYVM, "run", "--stats", "--syscalls", "linux",
                           str(elf)], capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == EXIT_OUTPUT_ERROR and done.stdout == b""
    done = subprocess.run(["sh", "-c", 'exec "$@" 2>&-', "sh", *TOYVM, "run", "--vmm", "--stats",
                           str(assemble(tmp_path, HALT, "halt"))], capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0


# --- Ctrl-C ---------------------------------------------------------------------------------------

def interrupt(args, ready: bytes) -> tuple[int, str]:
    """Start toyvm, wait until the guest has printed ``ready`` (it spins then), send SIGINT."""
    proc = subprocess.Popen(TOYVM + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    seen, deadline = b"", time.monotonic() + 60
    while ready not in seen:
        assert time.monotonic() < deadline, seen
        if select.select([proc.stdout], [], [], 1)[0]:
            chunk = os.read(proc.stdout.fileno(), 4096)
            assert chunk, (seen, proc.stderr.read())
            seen += chunk
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    clean(err)
    return proc.returncode, err


@pytest.mark.parametrize("stats", [False, True])
def test_ctrl_c_on_the_bare_machine_prints_the_state_and_the_panel(tmp_path, stats):
    elf = assemble(tmp_path, READY_SPIN, "spin")
    (tmp_path / "in.txt").write_bytes(b"x")
    status, err = interrupt(["run", *(["--stats"] if stats else []), "--input", tmp_path / "in.txt", elf],
                            b"ready\n")
    assert status == EXIT_INTERRUPTED
    assert "toyvm: interrupted" in err and "pc=" in err and "x10/a0=" in err
    assert ("--- toyvm stats ---" in err) == stats
    assert_exact_spin_state(err)


def assert_exact_spin_state(report: str) -> None:
    """The machine stopped at an instruction boundary of the spin loop, its state written back:
    s0 counts the loop's turns, two instructions each, so it matches the instruction count."""
    count = int(re.search(r"instructions completed: (\d+)", report)[1])
    s0 = int(re.search(r"x8/s0=([0-9a-f]{8})", report)[1], 16)
    assert s0 > 1000 and abs(count - 2 * s0) < 100, (count, s0)


@pytest.mark.parametrize("stats", [False, True])
def test_ctrl_c_under_the_monitor_prints_every_guest_and_the_panel(tmp_path, stats):
    spin, halt = assemble(tmp_path, READY_SPIN, "spin"), assemble(tmp_path, HALT, "halt")
    (tmp_path / "in.txt").write_bytes(b"x")
    status, err = interrupt(["run", "--vmm", *(["--stats"] if stats else []),
                             "--guest", f"{spin} --input {tmp_path / 'in.txt'}", "--guest", spin,
                             "--guest", halt], b"guest1| ready\n")
    assert status == EXIT_INTERRUPTED
    for guest in ("guest1", "guest2"):      # still running: a crash report each
        report = err[err.index(f"toyvm: {guest}: interrupted"):]
        assert "pc=" in report and "x10/a0=" in report and "instructions completed" in report
        assert_exact_spin_state(report)
    assert "toyvm: guest3 (" in err and "halted before the interrupt" in err
    for guest in ("guest1", "guest2", "guest3"):
        assert (f"--- {guest} ---" in err) == stats


def test_ctrl_c_under_the_monitor_one_guest(tmp_path):
    elf = assemble(tmp_path, READY_SPIN, "spin")
    status, err = interrupt(["run", "--vmm", "--stats", elf], b"ready\n")
    assert status == EXIT_INTERRUPTED
    assert "toyvm: guest1: interrupted" in err and "x10/a0=00005eed" in err and "--- guest1 ---" in err


# --- vms.toml -------------------------------------------------------------------------------------

GUEST = '[[guest]]\nimage = "halt.elf"\n'


@pytest.mark.parametrize("toml, where, message", [
    ("input = 5\n" + GUEST, "", "unknown key 'input'"),
    (GUEST + "input = 5\n", "guest 1: ", "input must be a file name in quotes, not 5"),
    (GUEST + 'input = ""\n', "guest 1: ", "input must be a file name"),
    ("guest = 5\n", "", "guest must be an array of tables"),
    ('guest = "halt.elf"\n', "", "guest must be an array of tables"),
    ("guest = []\n", "", "no [[guest]] table"),
    ("slice = 5\n", "", "no [[guest]] table"),
    ('[guest]\nimage = "halt.elf"\n', "", "guest must be an array of tables"),
    ('slice = "x"\n' + GUEST, "", 'slice must be a whole number, not "x"'),
    ("slice = -3\n" + GUEST, "", "slice must be at least 1, not -3"),
    ("slice = 0\n" + GUEST, "", "slice must be at least 1, not 0"),
    ("slice = 1.5\n" + GUEST, "", "slice must be a whole number, not 1.5"),
    ("slice = true\n" + GUEST, "", "slice must be a whole number, not true"),
    ('strategy = "fast"\n' + GUEST, "", 'strategy must be one of trap, bt, hw, para, vt, not "fast"'),
    ("strategy = 1\n" + GUEST, "", "strategy must be one of"),
    ('paging = "flat"\n' + GUEST, "", 'paging must be one of shadow, nested, not "flat"'),
    ("unknown = 1\n" + GUEST, "", "unknown key 'unknown'"),
    (GUEST + "max_instructions = -5\n", "guest 1: ", "max_instructions must be at least 0, not -5"),
    (GUEST + 'max_instructions = "5"\n', "guest 1: ", 'max_instructions must be a whole number, not "5"'),
    (GUEST + "mem = true\n", "guest 1: ", "mem must be a size"),
    (GUEST + 'mem = "lots"\n', "guest 1: ", 'mem must be a size ("2M" or a number of bytes), not "lots"'),
    (GUEST + "mem = 3\n", "guest 1: ", "mem must be a positive multiple of 4096"),
    (GUEST + "mem = -4096\n", "guest 1: ", "mem must be a positive multiple of 4096"),
    (GUEST + 'mem = "8G"\n', "guest 1: ", "mem must be a positive multiple of 4096 up to 0xf0000000"),
    (GUEST + "mem = [1]\n", "guest 1: ", "mem must be a size"),
    (GUEST + "modules = \"m.elf\"\n", "guest 1: ", "modules must be a list of files"),
    (GUEST + "modules = [1]\n", "guest 1: ", "modules[0] must be a file name in quotes, not 1"),
    (GUEST + "colour = 1\n", "guest 1: ", "unknown key 'colour'"),
    ("[[guest]]\nmem = 3\n", "guest 1: ", 'needs image = "FILE"'),
    ("[[guest]]\nimage = 5\n", "guest 1: ", "image must be a file name in quotes, not 5"),
    ('[[guest]]\nimage = "a\\u0000b"\n', "guest 1: ", "image must be a file name"),
    (GUEST + GUEST + "max_instructions = 1.0\n", "guest 2: ", "max_instructions must be a whole number"),
    ("[[guest]\n", "", ""),                                 # not TOML at all
    (b"\xff\xfe[[guest]]\n", "", ""),                      # not UTF-8
])
def test_bad_vms_toml_is_a_usage_error_naming_file_guest_and_key(tmp_path, toml, where, message):
    assemble(tmp_path, HALT, "halt")
    path = tmp_path / "vms.toml"
    if isinstance(toml, bytes):
        path.write_bytes(toml)
    else:
        path.write_text(toml)
    result = invoke("run", "--vmm", path)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for PROGRAM: {path}: {where}{message}" in result.output, result.output


def test_good_vms_toml_still_runs(tmp_path):
    assemble(tmp_path, HALT, "halt")
    (tmp_path / "in.txt").write_bytes(b"")
    (tmp_path / "vms.toml").write_text('slice = 7\nstrategy = "bt"\n[[guest]]\nimage = "halt.elf"\nmem = "1M"\n'
                                       'input = "in.txt"\nmax_instructions = 0\nmodules = []\n'
                                       '[[guest]]\nimage = "halt.elf"\nmem = 1048576\n')
    result = invoke("run", "--vmm", tmp_path / "vms.toml")
    assert result.exit_code == 0b1, result.output      # guest 1 ran out of its 0 instructions
    assert "guest2 (" in result.output and "halted" in result.output


def test_bad_guest_output_directory_is_a_usage_error(tmp_path):
    elf = assemble(tmp_path, HALT, "halt")
    (tmp_path / "file").write_text("")
    result = invoke("run", "--vmm", "--guest-output", tmp_path / "file" / "sub", elf)
    assert result.exit_code == 2 and "--guest-output" in result.output


# --- one endless line on the shared console -------------------------------------------------------

class Recorder(io.RawIOBase):
    def __init__(self):
        self.writes: list[bytes] = []

    def writable(self):
        return True

    def write(self, data):
        self.writes.append(bytes(data))
        return len(data)


def test_prefixed_lines_split_long_lines_and_hold_back_little():
    """One byte at a time, as a guest writes its console: whole lines go out; what is held back
    never exceeds MAX_LINE bytes (the work per byte is constant); a line longer than MAX_LINE is
    split into prefixed pieces of MAX_LINE; a line of exactly MAX_LINE is one line."""
    stream = Recorder()
    lines = PrefixedLines("guest1", stream)
    text = b"a" * (3 * MAX_LINE + 5) + b"\n" + b"b" * MAX_LINE + b"\nshort\n" + b"c" * 10
    for i in range(len(text)):
        lines.write(text[i:i + 1])
        assert len(lines.partial) <= MAX_LINE
    lines.close()
    out = b"".join(stream.writes).split(b"\n")
    assert out[-1] == b"" and all(line.startswith(b"guest1| ") for line in out[:-1])
    body = [line[len(b"guest1| "):] for line in out[:-1]]
    assert body == [b"a" * MAX_LINE] * 3 + [b"a" * 5, b"b" * MAX_LINE, b"short", b"c" * 10]
    assert len(stream.writes) == 7


def test_prefixed_lines_one_long_write_and_many_lines_in_one_write():
    stream = Recorder()
    lines = PrefixedLines("g", stream)
    lines.write(b"x" * 300_000 + b"\n1\n2\n3")
    assert len(lines.partial) == 1
    out = b"".join(stream.writes).split(b"\n")[:-1]
    assert len(out) == -(-300_000 // MAX_LINE) + 2 and b"".join(l[3:] for l in out) == b"x" * 300_000 + b"12"


def test_a_guest_printing_one_long_line_under_the_monitor(tmp_path):
    n = 3 * MAX_LINE + 100
    elf = assemble(tmp_path, f"""
_start:
    li a1, CONSOLE_TX
    li a0, 'x'
    li a2, {n}
1:  sw a0, 0(a1)
    addi a2, a2, -1
    bnez a2, 1b
    halt
""", "long")
    result = invoke("run", "--guest", elf, "--guest", elf)
    assert result.exit_code == 0
    for guest in ("guest1", "guest2"):
        mine = [line for line in result.stdout.splitlines() if line.startswith(f"{guest}| ")]
        assert [len(line) - len(f"{guest}| ") for line in mine] == [MAX_LINE] * 3 + [100]


# --- no memory for the machine --------------------------------------------------------------------

@pytest.mark.parametrize("vmm", [[], ["--vmm"]], ids=["bare", "vmm"])
def test_ram_past_the_address_space_limit_is_a_message(tmp_path, vmm):
    """--mem larger than the process may map (ulimit -v): an error naming it, exit 1, no traceback."""
    elf = assemble(tmp_path, HALT, "halt")
    limit = 600 << 20       # the interpreter with toyvm imported needs well under this

    def limited():
        import resource
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

    done = subprocess.run(TOYVM + ["run", *vmm, "--mem", "1G", str(elf)], capture_output=True,
                          text=True, timeout=60, preexec_fn=limited)
    assert done.returncode == 1, done.stderr
    # (under --vmm the host machine holds the guest's 1 GiB and the monitor's frames)
    assert re.match(r"toyvm: error: out of memory: no room for 102[45] MiB of machine RAM", done.stderr), done.stderr
    clean(done.stderr)
