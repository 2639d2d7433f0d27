"""Human-readable outputs of a build: the listing (``-l``) and the symbol map (``--map``)."""
from __future__ import annotations

from .executable import Executable
from .objfile import BSS, ObjectFile

BYTES_PER_ROW = 8
MAX_ROWS_PER_LINE = 64   # then one row counts the rest (a .space 1M, a .rept of 1000 lines)


def _hex(data: bytes) -> str:
    return " ".join(data[i:i + 4].hex() for i in range(0, len(data), 4))


def render_listing(objects: list[ObjectFile]) -> str:
    """Every source line with the address and bytes it assembled to:
    ``line  address  bytes  source``; long data continues on rows of its own."""
    out = []
    width = 9 + 2 * BYTES_PER_ROW + BYTES_PER_ROW // 4
    for obj in objects:
        chunks: dict[tuple[int, int], list[tuple[int, bytes, int]]] = {}
        for stmt, sec, start, end in obj.listing:
            if end > start:
                data = b"" if sec.kind == BSS else bytes(sec.data[start:end])
                chunks.setdefault((id(stmt.source), stmt.line), []).append(
                    (sec.address + start, data, end - start))
        for source in obj.sources:
            out.append(f"# {source.name}")
            shown = source.name
            for n, text in enumerate(source.text.split("\n"), 1):
                number = n
                if source.line_map is not None:     # preprocessed: the lines as written, by file
                    if n > len(source.line_map) or source.line_map[n - 1] is None:
                        continue                    # the preprocessor's line marker
                    name, number = source.line_map[n - 1]
                    if name != shown:
                        out.append(f"# {name}")
                        shown = name
                rows = _rows(chunks.get((id(source), n), []))
                first = rows[0] if rows else ""
                out.append(f"{number:5d} {first:<{width}} {text.rstrip()}".rstrip())
                out += [f"{'':5} {row}" for row in rows[1:]]
    return "\n".join(out) + "\n"


def _rows(chunks: list[tuple[int, bytes, int]]) -> list[str]:
    """The rows of one source line's bytes: at most MAX_ROWS_PER_LINE, then a count."""
    rows = []
    for k, (address, data, size) in enumerate(chunks):
        if not data:
            rows.append(f"{address:08x} <{size} bytes of zeros>")
        else:
            for i in range(0, len(data), BYTES_PER_ROW):
                if len(rows) == MAX_ROWS_PER_LINE:
                    rest = len(data) - i + sum(c[2] for c in chunks[k + 1:])
                    return rows + [f"{address + i:08x} <{rest} more bytes not listed>"]
                rows.append(f"{address + i:08x} {_hex(data[i:i + BYTES_PER_ROW])}")
        if len(rows) >= MAX_ROWS_PER_LINE and k + 1 < len(chunks):
            rest = sum(c[2] for c in chunks[k + 1:])
            return rows + [f"{chunks[k + 1][0]:08x} <{rest} more bytes not listed>"]
    return rows


def render_map(exe: Executable) -> str:
    """One line per symbol, by address: ``address  section  symbol  file``."""
    rows = [(s.value, s.section or "*ABS*", s.name, s.file) for s in exe.elf_symbols]
    rows.sort(key=lambda r: (r[1] == "*ABS*", r[0], r[2]))
    out = [f"entry {exe.entry:#010x}", "",
           "Sections:"]
    for sec in exe.sections:
        out.append(f"  {sec.name:<8} {sec.address:#010x} size {sec.size:#x}")
    out += ["", "Symbols:", f"  {'address':<10}  {'section':<8} {'symbol':<24} file"]
    for value, section, name, file in rows:
        out.append(f"  {value:#010x}  {section:<8} {name:<24} {file}")
    return "\n".join(out) + "\n"
