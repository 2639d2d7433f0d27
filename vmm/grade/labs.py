"""The labs' skeletons, generated from the project's own code (docs/labs/).

The reference solution of every lab is the working code itself: in guestos/ and vmm/monitor/ the
regions a student writes are marked

    # LAB-HOLE begin NAME
    # LAB: what the code here must do (kept in the skeleton: the task)
    # LAB-STUB a line the skeleton has instead (the stub: it assembles or runs, and fails the tests)
    ... the reference code ...
    # LAB-HOLE end

and ``skeleton`` writes a lab's kit with each region replaced by its stub (``reference=True``:
by the reference code, with the stubs dropped). So a skeleton never drifts from the code it
teaches: it is made from it, and tests/test_labs.py grades the reference, the empty skeleton and
plausible wrong solutions with each lab's own suite.

A guest-kernel lab's kit is its source files, whole. A monitor lab's kit is one Python file: the
methods of a monitor class that hold holes, as a subclass (``LabShadows(Shadows)``), and strategy
classes that plug it in (``shadows_class``/``dispatcher_class``, vmm/monitor/strategies/plugin.py),
loaded by ``--strategy FILE.py:Lab``.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BEGIN = re.compile(r"^(\s*)# LAB-HOLE begin (\S+)\s*$")
END = re.compile(r"^\s*# LAB-HOLE end\s*$")
TASK = re.compile(r"^\s*# LAB: ?(.*)$")
STUB = re.compile(r"^\s*# LAB-STUB ?(.*)$")


class LabError(ValueError):
    """A lab that does not exist, or markers that do not pair."""


@dataclass
class PythonKit:
    """Methods of ``cls`` (in module ``module``) that hold holes, as a subclass ``subclass``,
    plugged into strategies {class name: "module:base strategy class"} through ``hook``."""
    file: str
    module: str
    cls: str
    subclass: str
    hook: str
    strategies: dict = field(default_factory=dict)


@dataclass
class Lab:
    name: str
    title: str
    sources: list[str] = field(default_factory=list)     # guest-kernel lab: repository paths, copied whole
    python: PythonKit | None = None


LABS = {
    "kernel": Lab("kernel", "a system call and a page-fault handler for a small kernel",
                  sources=["guestos/syscall.s", "guestos/vm.s"]),
    "shadow": Lab("shadow", "shadow page maps: the monitor's fill and invalidation",
                  python=PythonKit("shadow_lab.py", "vmm.monitor.shadow", "Shadows", "LabShadows", "shadows_class",
                                   {"Lab": "vmm.monitor.strategies.base:TrapAndEmulate",
                                    "LabBT": "vmm.monitor.strategies.bt:BinaryTranslation"})),
    "dispatch": Lab("dispatch", "trap dispatch: emulate, reflect or handle",
                    python=PythonKit("dispatch_lab.py", "vmm.monitor.dispatch", "Dispatcher", "LabDispatcher",
                                     "dispatcher_class",
                                     {"Lab": "vmm.monitor.strategies.base:TrapAndEmulate",
                                      "LabHW": "vmm.monitor.strategies.hw:HardwareAssist"})),
}


def blank(lines: list[str], reference: bool, where: str) -> tuple[list[str], list[str]]:
    """The lines with every hole replaced by its stub (or, for ``reference``, its code); the
    holes' names in order."""
    out, names, i = [], [], 0
    while i < len(lines):
        begin = BEGIN.match(lines[i])
        if begin is None:
            if END.match(lines[i]) or "LAB-STUB" in lines[i]:
                raise LabError(f"{where}:{i + 1}: a LAB-HOLE marker outside a hole")
            out.append(lines[i])
            i += 1
            continue
        indent, name = begin.groups()
        task, stub, body = [], [], []
        j = i + 1
        while j < len(lines) and not END.match(lines[j]):
            if BEGIN.match(lines[j]):
                raise LabError(f"{where}:{j + 1}: LAB-HOLE {name} is not ended before the next begins")
            if not body and not stub and TASK.match(lines[j]):
                task.append(lines[j])
            elif not body and STUB.match(lines[j]):
                stub.append(indent + STUB.match(lines[j]).group(1))
            else:
                body.append(lines[j])
            j += 1
        if j == len(lines):
            raise LabError(f"{where}:{i + 1}: LAB-HOLE {name} has no end")
        names.append(name)
        out.append(f"{indent}# LAB-HOLE {name}: {'the reference solution' if reference else 'your code here'}")
        out += task
        out += body if reference else stub
        out.append(f"{indent}# LAB-HOLE end {name}")
        i = j + 1
    return out, names


def _methods(source: str, cls: str, where: str) -> list[tuple[int, int]]:
    """(first, end) line ranges (0-based, end exclusive) of the methods of ``cls`` that hold a
    hole; a method ends after its last statement and the comments indented under it."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            break
    else:
        raise LabError(f"{where}: no class {cls}")
    ranges = []
    for item in node.body:
        if not isinstance(item, ast.FunctionDef):
            continue
        first = min([item.lineno] + [d.lineno for d in item.decorator_list]) - 1
        end = item.end_lineno
        body_indent = len(lines[item.body[0].lineno - 1]) - len(lines[item.body[0].lineno - 1].lstrip())
        while end < len(lines) and lines[end].strip().startswith("#") and \
                len(lines[end]) - len(lines[end].lstrip()) >= body_indent:
            end += 1
        if any("# LAB-HOLE begin" in line for line in lines[first:end]):
            ranges.append((first, end))
    if not ranges:
        raise LabError(f"{where}: class {cls} has no LAB-HOLE")
    return ranges


def _imports(source: str, module: str) -> list[str]:
    """The module's top-level imports, relative ones made absolute."""
    package = module.rpartition(".")[0]
    lines = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                node = ast.ImportFrom(f"{base}.{node.module}" if node.module else base, node.names, 0)
            lines.append(ast.unparse(node))
        elif isinstance(node, ast.Import):
            lines.append(ast.unparse(node))
    return lines


def python_kit(lab: Lab, reference: bool) -> tuple[str, list[str]]:
    kit = lab.python
    path = ROOT / (kit.module.replace(".", "/") + ".py")
    source = path.read_text()
    where = str(path.relative_to(ROOT))
    lines = source.splitlines()
    methods, holes = [], []
    for first, end in _methods(source, kit.cls, where):
        text, names = blank(lines[first:end], reference, f"{where}:{first + 1}")
        methods.append("\n".join(text))
        holes += names
    imports = _imports(source, kit.module)
    future = [line for line in imports if line.startswith("from __future__")]
    imports = [line for line in imports if line not in future]
    what = "reference solution" if reference else "skeleton"
    parts = [
        f'"""The {lab.name} lab\'s {what} (docs/labs/{lab.name}/README.md): {lab.title}.',
        "",
        f"Generated by `toyvm lab {lab.name} DIR{' --reference' if reference else ''}` from {where}, the monitor's own code,",
        f"with its LAB-HOLE regions {'kept' if reference else 'blanked'}: {', '.join(holes)}. Everything else is the",
        "monitor as it is. Fill in each LAB-HOLE, then grade it with",
        f"    toyvm grade SUBMISSIONS docs/labs/{lab.name}/tests.toml",
        f'(a directory holding this file, or one folder per student holding it)."""',
        *future,
        "",
        *imports,
        f"from {kit.module} import *  # noqa: F401,F403 -- every name the methods below use",
        f"from {kit.module} import {kit.cls}",
    ]
    for base in sorted({spec for spec in kit.strategies.values()}):
        module, _, name = base.partition(":")
        parts.append(f"from {module} import {name}")
    parts += ["", "", f"class {kit.subclass}({kit.cls}):",
              f'    """{kit.cls} with the lab\'s methods."""', ""]
    parts.append("\n\n".join(methods))
    for name, base in kit.strategies.items():
        parts += ["", "", f"class {name}({base.partition(':')[2]}):",
                  f'    """`--strategy {kit.file}:{name}`: {base.partition(":")[2]} with {kit.subclass}."""',
                  f'    name = "{lab.name}-{name.lower()}"', f"    {kit.hook} = {kit.subclass}"]
    return "\n".join(parts) + "\n", holes


def skeleton(name: str, out, reference: bool = False) -> list[Path]:
    """Write lab ``name``'s kit into directory ``out``; the files written."""
    lab = LABS.get(name)
    if lab is None:
        raise LabError(f"no lab {name!r}: {', '.join(LABS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in lab.sources:
        path = ROOT / source
        text, _ = blank(path.read_text().split("\n"), reference, source)
        target = out / path.name
        target.write_text("\n".join(text))
        written.append(target)
    if lab.python is not None:
        text, _ = python_kit(lab, reference)
        target = out / lab.python.file
        target.write_text(text)
        written.append(target)
    return written
