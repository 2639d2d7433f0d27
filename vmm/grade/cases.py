"""The suite of test cases: a TOML file (docs/grading.md).

    [build]                 how a submission of sources is assembled (toyasm build's options)
    sources = ["boot.s", "trap.s"]   link order of a directory submission (default: its *.s, sorted)
    base = "dir"            files of ``sources`` a submission lacks are taken from here
    submit = ["trap.s"]     files a submission must have (the rest may come from ``base``)
    text_base, data_base, phys_base = 0x...    defsyms = { NAME = 1 }    include = ["dir"]
    guestos = true          build as guestos is built (guestos/build.mk: its sources in link
                            order, its layout; guestos/ is the base and an include directory)

    [defaults]              any [[test]] key but name, for every [[test]] that does not say
    max_instructions = 5000000     timeout = 10.0 (s)     memory = "1G"     modes = ["bare"]

    [[test]]
    name = "hello"
    image = "{submission}"             the kernel (default: the submission)
    modules = ["../programs/hello.s"]  .s files are assembled, .elf used as they are
    input = "text"                     console input
    output = "Hello, world!\\n"        the whole console output, exactly
    output_contains = ["Hello"]        ... or lines/pieces it must contain
    status = 0                         the exit status (as toyvm run gives it)
    stopped = "power_off"              how it must end
    check = "checks.py:hello"          a function given the run's GuestResult: None passes,
                                       a string (or AssertionError) fails with that message
    modes = ["bare", "trap", "bt"]     bare, a strategy, or FILE.py:CLASS ({submission}: its path)
    points = 1

Paths are relative to the TOML file; ``{submission}`` stands for the submission's image (or
its file, for a Python submission). A test that says neither ``output``, ``output_contains``,
``status``, ``stopped`` nor ``check`` expects a clean end (halt, or POWER_OFF with 0). Every key
and value is checked: a mistake is a ``SuiteError`` naming the file, the test and the key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib

SUBMISSION = "{submission}"
ENDS = ("power_off", "halt", "crash", "limit", "timeout")
DEFAULTS = {"max_instructions": 5_000_000, "timeout": 10.0, "memory": 1 << 30, "modes": ["bare"]}
TOP_KEYS = ("build", "defaults", "test")
BUILD_KEYS = ("sources", "base", "submit", "text_base", "data_base", "phys_base", "defsyms", "include", "guestos")
TEST_KEYS = ("name", "image", "modules", "input", "output", "output_contains", "status", "stopped", "check",
             "modes", "points", "max_instructions", "timeout", "memory", "mem")
_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


class SuiteError(ValueError):
    """A mistake in the suite file; the message names the file, the test and the key."""


@dataclass
class Build:
    sources: list[str] | None = None
    base: Path | None = None
    layout: dict = field(default_factory=dict)     # text_base, data_base, phys_base
    defsyms: dict = field(default_factory=dict)
    include: list[str] = field(default_factory=list)
    submit: list[str] = field(default_factory=list)


@dataclass
class Case:
    name: str
    image: str                     # a path, or SUBMISSION
    modules: list[str]
    input: bytes
    modes: list[str]
    points: float
    max_instructions: int
    timeout: float
    memory: int                    # address-space limit of the run's process
    mem: int | None                # the guest's RAM (None: the default)
    output: bytes | None = None
    output_contains: list[bytes] | None = None
    status: int | None = None
    stopped: str | None = None
    check: str | None = None       # FILE.py:FUNCTION, the file's path absolute


@dataclass
class Suite:
    path: Path
    build: Build
    cases: list[Case]


def _show(value) -> str:
    return repr(value)


def _size(value, fail) -> int:
    if isinstance(value, bool):
        fail(f"must be a size (\"512M\" or a number of bytes), not {value!r}")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str):
        text = value.strip().upper().removesuffix("B").removesuffix("I")
        unit = _UNITS.get(text[-1:], 1)
        try:
            size = int(text[:-1] if text[-1:] in _UNITS else text, 0) * unit
        except ValueError:
            fail(f"must be a size (\"512M\" or a number of bytes), not {value!r}")
    else:
        fail(f"must be a size (\"512M\" or a number of bytes), not {value!r}")
    if size <= 0:
        fail(f"must be positive, not {value!r}")
    return size


def _whole(value, least, fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"must be a whole number, not {value!r}")
    if value < least:
        fail(f"must be at least {least}, not {value}")
    return value


def _text(value, fail) -> str:
    if not isinstance(value, str):
        fail(f"must be a string in quotes, not {value!r}")
    return value


def _strings(value, fail) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(f"must be a list of strings, not {value!r}")
    return value


def load_suite(path) -> Suite:
    """Read and check the suite file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except OSError as e:
        raise SuiteError(f"{path}: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as e:
        raise SuiteError(f"{path}: {e}") from None
    here = path.parent

    def failer(where):
        def fail(why):
            raise SuiteError(f"{where}: {why}")
        return fail

    for key in table:
        if key not in TOP_KEYS:
            failer(path)(f"unknown key {key!r} (a suite has {', '.join(TOP_KEYS)})")
    build = _build(table.get("build", {}), here, failer(f"{path}: [build]"))
    given = table.get("defaults", {})
    if not isinstance(given, dict):
        failer(path)("defaults must be a table: [defaults]")
    if "name" in given:
        failer(f"{path}: [defaults]")("a default name makes no sense: name each [[test]]")
    _case({**given, "name": "-"}, 0, here, DEFAULTS, failer, path, where=f"{path}: [defaults]")   # checked once
    entries = table.get("test")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        failer(path)("needs [[test]] tables: [[test]] then name = \"...\"")
    cases, names = [], set()
    for i, entry in enumerate(entries):
        case = _case({**given, **entry}, i, here, DEFAULTS, failer, path)
        if case.name in names:
            failer(f"{path}: test {i + 1}")(f"name {case.name!r} is used twice")
        names.add(case.name)
        cases.append(case)
    return Suite(path, build, cases)


def _seconds(value, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        fail(f"must be a positive number of seconds, not {value!r}")
    return float(value)


def _modes(value, fail) -> list[str]:
    modes = _strings(value, fail)
    if not modes:
        fail("must name at least one mode: \"bare\", a strategy, or FILE.py:CLASS")
    return modes


def _build(entry, here: Path, fail) -> Build:
    if not isinstance(entry, dict):
        fail("must be a table")
    build = Build()
    for key, value in entry.items():
        if key not in BUILD_KEYS:
            fail(f"unknown key {key!r} (a [build] has {', '.join(BUILD_KEYS)})")
        where = failer_key(fail, key)
        if key == "sources":
            build.sources = _strings(value, where)
        elif key == "base":
            build.base = here / _text(value, where)
        elif key in ("text_base", "data_base", "phys_base"):
            build.layout[key] = _whole(value, 0, where)
        elif key == "defsyms":
            if not isinstance(value, dict) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                      for v in value.values()):
                where(f"must be a table of integers, {{ NAME = 1 }}, not {value!r}")
            build.defsyms = dict(value)
        elif key == "include":
            build.include += [str(here / d) for d in _strings(value, where)]
        elif key == "submit":
            build.submit = _strings(value, where)
        elif key == "guestos":
            if not isinstance(value, bool):
                where(f"must be true or false, not {value!r}")
            if value:
                _as_guestos(build)
    return build


def _as_guestos(build: Build) -> None:
    """guestos/build.mk's sources and layout, read by guestos/build.py (the one place that says them)."""
    import importlib.util

    root = Path(__file__).resolve().parents[2] / "guestos"
    spec = importlib.util.spec_from_file_location("toyvm_guestos_build", root / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build.sources = build.sources or [path.name for path in module.sources()]
    build.base = build.base or root
    build.layout = {**module.layout(), **build.layout}
    build.include.append(str(root))


def failer_key(fail, key):
    return lambda why: fail(f"{key} {why}")


def _path(value: str, here: Path) -> str:
    return value if value == SUBMISSION else str(here / value)


def _case(entry: dict, i: int, here: Path, defaults: dict, failer, path: Path, where: str | None = None) -> Case:
    fail = failer(where or f"{path}: test {i + 1}")
    if "name" not in entry:
        fail("needs name = \"...\"")
    name = _text(entry["name"], failer_key(fail, "name"))
    if not name or not name.isprintable():
        fail(f"name must be printable text, not {name!r}")
    fail = failer(where or f"{path}: test {name!r}")
    for key in entry:
        if key not in TEST_KEYS:
            fail(f"unknown key {key!r} (a [[test]] has {', '.join(TEST_KEYS)})")

    def key_fail(key):
        return failer_key(fail, key)

    image = _path(_text(entry.get("image", SUBMISSION), key_fail("image")), here)
    modules = [_path(m, here) for m in _strings(entry.get("modules", []), key_fail("modules"))]
    data = entry.get("input", "")
    case = Case(name, image, modules, _text(data, key_fail("input")).encode(),
                _modes(entry.get("modes", defaults["modes"]), key_fail("modes")),
                1.0, defaults["max_instructions"], defaults["timeout"], defaults["memory"], None)
    if "points" in entry:
        points = entry["points"]
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            key_fail("points")(f"must be a number >= 0, not {points!r}")
        case.points = float(points)
    if "max_instructions" in entry:
        case.max_instructions = _whole(entry["max_instructions"], 1, key_fail("max_instructions"))
    if "timeout" in entry:
        case.timeout = _seconds(entry["timeout"], key_fail("timeout"))
    if "memory" in entry:
        case.memory = _size(entry["memory"], key_fail("memory"))
    if "mem" in entry:
        case.mem = _size(entry["mem"], key_fail("mem"))
    if "output" in entry:
        case.output = _text(entry["output"], key_fail("output")).encode()
    if "output_contains" in entry:
        case.output_contains = [s.encode() for s in _strings(entry["output_contains"], key_fail("output_contains"))]
    if "status" in entry:
        status = _whole(entry["status"], 0, key_fail("status"))
        if status > 255:
            key_fail("status")(f"must be an exit status 0..255, not {status}")
        case.status = status
    if "stopped" in entry:
        stopped = _text(entry["stopped"], key_fail("stopped"))
        if stopped not in ENDS:
            key_fail("stopped")(f"must be one of {', '.join(ENDS)}, not {stopped!r}")
        case.stopped = stopped
    if "check" in entry:
        check = _text(entry["check"], key_fail("check"))
        file, colon, function = check.rpartition(":")
        if not colon or not file.endswith(".py") or not function.isidentifier():
            key_fail("check")(f"must be FILE.py:FUNCTION, not {check!r}")
        if not (here / file).is_file():
            key_fail("check")(f"{here / file}: no such file")
        case.check = f"{here / file}:{function}"
    from ..monitor.strategies import STRATEGY_NAMES
    for mode in case.modes:
        if mode != "bare" and ":" not in mode and mode not in STRATEGY_NAMES:
            key_fail("modes")(f"{mode!r} is not a mode: bare, {', '.join(STRATEGY_NAMES)}, or FILE.py:CLASS")
        if mode != "bare" and ":" in mode and SUBMISSION not in mode:
            file = mode.rpartition(":")[0]
            if not (here / file).is_file():
                key_fail("modes")(f"{here / file}: no such file")
    case.modes = [m if m == "bare" or ":" not in m or m.startswith(SUBMISSION) else str(here / m)
                  for m in case.modes]
    return case
