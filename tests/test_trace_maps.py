"""The maps at a moment (``--dump-maps-at COUNT``, ``--dump-maps``, ``--maps-format dot``): the
guest's own page map read through the monitor is the bare machine's page map at the same
count; every shadow leaf is the guest map composed with the machine map; the drawing has
exactly the text's mappings; dumping changes nothing in the run; the bare machine says why
it has no map when translation is off."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from asm.api import assemble_files

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from guestos.build import build_kernel  # noqa: E402

TOYVM = [sys.executable, "-m", "vmm.cli"]
SPAN = r"([0-9a-f]{8})-([0-9a-f]{8})"
# guestos turns translation on at its 114,851st instruction and runs hello in its own map
# from about 120,339 on; 120,500 is in hello's process, 125,000 back in the kernel's map.
MOMENTS = (120_500, 125_000)


def toyvm(*args) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + [str(a) for a in args], capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("maps")
    files = {"guestos": build_kernel(out / "guestos.elf"), "hello": out / "hello.elf"}
    files["hello"].write_bytes(assemble_files([str(ROOT / "programs/hello.s")]).to_elf())
    return files


def sections(text: str) -> list[list[str]]:
    """The dump's sections, each starting at a '===' heading."""
    out: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("==="):
            out.append([line])
        elif out and line.startswith(" "):
            out[-1].append(line)
    return out


def pages(first: str, last: str) -> range:
    return range(int(first, 16) >> 12, (int(last, 16) >> 12) + 1)


def mapping(lines: list[str], pattern: str) -> dict[int, tuple]:
    """page -> (mapped page, flags) for every page of the lines matching pattern."""
    result = {}
    for line in lines:
        m = re.search(pattern, line)
        if m:
            a, b = pages(m.group(1), m.group(2)), pages(m.group(3), m.group(4))
            flags = m.group(5) if m.lastindex >= 5 else ""
            result.update({p: (q, flags) for p, q in zip(a, b)})
    return result


def test_guest_map_through_the_monitor_is_the_bare_machines_map(built):
    args = [built["guestos"], "--module", built["hello"]]
    at = [x for m in MOMENTS for x in ("--dump-maps-at", m)]
    bare = toyvm("run", *at, *args)
    vmm = toyvm("run", "--vmm", *at, *args)
    plain = toyvm("run", "--vmm", *args)
    assert (vmm.returncode, vmm.stdout) == (plain.returncode, plain.stdout) == (bare.returncode, bare.stdout)
    bare_maps = [s for s in sections(bare.stderr.decode()) if s[0].startswith("=== page map")]
    guest_maps = [s for s in sections(vmm.stderr.decode()) if "guest page map" in s[0]]
    assert len(bare_maps) == len(guest_maps) == len(MOMENTS)
    for moment, bare_map, guest_map in zip(MOMENTS, bare_maps, guest_maps):
        assert f"at instruction {moment:,}" in bare_map[0]
        ours = mapping(guest_map[1:], rf"va {SPAN} -> guest-physical {SPAN} (\S+)")
        theirs = mapping(bare_map[1:], rf"va {SPAN} -> physical {SPAN} (\S+)")
        assert ours == theirs and len(ours) > 100
    heads = [s[0] for s in sections(vmm.stderr.decode()) if s[0].startswith("=== guest1 at")]
    assert heads == [f"=== guest1 at instruction {m:,}" for m in MOMENTS]


def test_every_shadow_leaf_is_the_guest_map_then_the_machine_map(built):
    r = toyvm("run", "--vmm", "--dump-maps-at", MOMENTS[0], built["guestos"], "--module", built["hello"])
    parts = sections(r.stderr.decode())
    guest_map = mapping(next(s for s in parts if "guest page map" in s[0])[1:],
                        rf"va {SPAN} -> guest-physical {SPAN} (\S+)")
    machine = mapping(next(s for s in parts if "machine map" in s[0])[1:], rf"guest {SPAN} -> host {SPAN}")
    shadows = next(s for s in parts if "shadow maps" in s[0])[1:]
    installed, checked = False, 0
    for line in shadows:
        if "shadow for" in line:
            installed = "installed in the real pmar" in line and "translation off" not in line
            continue
        m = re.search(rf"va {SPAN} -> guest-physical {SPAN} -> host {SPAN} (\S+)", line)
        if m and installed:
            for v, g, h in zip(pages(m[1], m[2]), pages(m[3], m[4]), pages(m[5], m[6])):
                assert guest_map[v][0] == g and machine[g][0] == h
                # R/W/X no more than the guest's leaf gives; always U (the guest kernel runs in user mode)
                assert set(m[7][:3]) - {"-"} <= set(guest_map[v][1][:3]) - {"-"} and m[7][3] == "U"
                checked += 1
    assert checked > 0


def test_the_drawing_has_the_texts_mappings(built):
    args = ["run", "--vmm", "--dump-maps-at", MOMENTS[0], built["guestos"], "--module", built["hello"]]
    text = toyvm(*args).stderr.decode()
    dot = toyvm(*args, "--maps-format", "dot").stderr.decode()
    assert dot.startswith('digraph "guest1 maps" {') and dot.rstrip().endswith("}")
    edges = re.findall(r'"(\w):([0-9a-f]{8})-([0-9a-f]{8})" -> "(\w):([0-9a-f]{8})-([0-9a-f]{8})"(?: \[(.*?)\])?;', dot)
    parts = sections(text)
    guest_lines = next(s for s in parts if "guest page map" in s[0])[1:]
    machine_lines = next(s for s in parts if "machine map" in s[0])[1:]
    assert sorted((a, b, c, d, re.search(r'label="(\S+)"', attrs)[1]) for k, a, b, j, c, d, attrs in edges
                  if (k, j) == ("v", "g")) == sorted(re.search(rf"va {SPAN} -> guest-physical {SPAN} (\S+)", l).groups()
                                                     for l in guest_lines)
    assert sorted((a, b, c, d) for k, a, b, j, c, d, _ in edges if (k, j) == ("g", "h")) == \
        sorted(re.search(rf"guest {SPAN} -> host {SPAN}", l).groups() for l in machine_lines)
    assert any(k == "v" and j == "h" and "dashed" in attrs for k, a, b, j, c, d, attrs in edges)


def test_bare_machine_without_translation_says_why(tmp_path):
    elf = tmp_path / "k.elf"
    elf.write_bytes(assemble_files([str(ROOT / "programs/kernels/popf.s")]).to_elf())
    r = toyvm("run", "--dump-maps", elf)
    assert "=== page map: none: translation is off (pmar 00000000), every address is physical" in r.stderr.decode()


def test_the_json_lines_have_the_texts_mappings(built):
    """--maps-format json: one object per dump (JSON Lines), the same runs the text shows."""
    args = ["run", "--vmm", *(a for m in MOMENTS for a in ("--dump-maps-at", m)), built["guestos"],
            "--module", built["hello"]]
    text = toyvm(*args).stderr.decode()
    dumps = [json.loads(line) for line in toyvm(*args, "--maps-format", "json").stderr.decode().splitlines()]
    assert [(d["name"], d["count"]) for d in dumps] == [("guest1", m) for m in MOMENTS]
    for dump, section in zip(dumps, [s for s in sections(text) if "guest page map" in s[0]]):
        shown = sorted(re.search(rf"va {SPAN} -> guest-physical {SPAN} (\S+)", line).groups() for line in section[1:])
        assert sorted((f"{v << 12:08x}", f"{(v + n << 12) - 1:08x}", f"{g << 12:08x}", f"{(g + n << 12) - 1:08x}", flags)
                      for v, g, n, flags in dump["guest_map"]) == shown
        assert sum(1 for s in dump["shadows"] if s["installed"]) == 1


def test_the_bare_machines_map_as_text_json_and_drawing_agree(built):
    args = ["run", "--dump-maps-at", MOMENTS[0], built["guestos"], "--module", built["hello"]]
    text = toyvm(*args).stderr.decode()
    runs = sorted(re.findall(rf"va {SPAN} -> physical {SPAN} (\S+)", text))
    (dump,) = [json.loads(line) for line in toyvm(*args, "--maps-format", "json").stderr.decode().splitlines()]
    assert dump["count"] == MOMENTS[0] and dump["pmar"] & 1
    assert sorted((f"{v << 12:08x}", f"{(v + n << 12) - 1:08x}", f"{p << 12:08x}", f"{(p + n << 12) - 1:08x}", flags)
                  for v, p, n, flags in dump["page_map"]) == runs
    dot = toyvm(*args, "--maps-format", "dot").stderr.decode()
    assert sorted(re.findall(rf'"v:{SPAN}" -> "p:{SPAN}" \[label="(\S+)"\];', dot)) == runs and runs
