"""The options of ``toyvm run`` that watch a run (bare or under ``--vmm``) without changing it:
the trace and its filters, the timeline, the maps at a moment, and the statistics' format.

    --trace[=WHAT]        WHAT: all (instructions and events, the default), events, instructions
    --trace-file FILE     the trace to FILE instead of standard error (implies --trace)
    --trace-guest NAME    only this guest's lines (repeatable; guest1, guest2, ...)
    --trace-from WHERE    from this instruction count, or the first time pc reaches a symbol
    --trace-until WHERE   up to and including this count, or the first time pc reaches a symbol
    --timeline FILE       the run as Chrome/Perfetto trace-event JSON (docs/observe.md)
    --dump-maps-at COUNT  the page maps when the count is reached (repeatable)
    --maps-format F       the maps as text (default), a Graphviz digraph (dot) or JSON lines
    --stats-format F      text (the panel) or json (docs/stats.md); --json: --stats --stats-format json
    --stats-file FILE     the statistics to FILE instead of standard error

``--trace=WHAT`` is an optional value of a flag, which click cannot parse without taking the
program's name after a bare ``--trace`` as the value; ``RunCommand`` turns ``--trace=WHAT``
into ``--trace --trace-what WHAT`` before click parses, so both spellings work.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import click

TRACE_WHAT = ("all", "events", "instructions")


class RunCommand(click.Command):
    """``toyvm run``: ``--trace=WHAT`` accepted (module doc)."""

    def parse_args(self, ctx, args):
        rewritten = []
        for i, arg in enumerate(args):
            if arg == "--":                 # the rest are arguments, whatever they look like
                rewritten += args[i:]
                break
            if arg.startswith("--trace="):
                rewritten += ["--trace", "--trace-what", arg[len("--trace="):]]
            else:
                rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


class WhereType(click.ParamType):
    """An instruction count (a whole number) or a symbol of the image."""
    name = "count|symbol"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        try:
            number = int(text, 0)
        except ValueError:
            if not text or not (text[0].isalpha() or text[0] in "_.$"):
                self.fail(f"{value!r} is neither an instruction count nor a symbol name", param, ctx)
            return text
        if number < 0:
            self.fail(f"{value!r}: an instruction count is not negative", param, ctx)
        return number


@dataclass
class Observe:
    """What the user asked to see of a run."""
    trace: str | None = None            # None, or one of TRACE_WHAT
    trace_file: str | None = None
    trace_guests: tuple[str, ...] = ()
    trace_from: int | str | None = None
    trace_until: int | str | None = None
    timeline: str | None = None
    dump_maps: bool = False
    dump_maps_at: tuple[int, ...] = ()
    maps_format: str = "text"
    stats: bool = False
    stats_format: str = "text"
    stats_file: str | None = None
    symbols: object = field(default=None, repr=False)   # vmm.trace.symbols.Symbols, once loaded

    @property
    def watching(self) -> bool:
        """Anything beyond the plain run and its text panel on standard error?"""
        return bool(self.trace or self.timeline or self.dump_maps or self.dump_maps_at
                    or (self.stats and (self.stats_format == "json" or self.stats_file)))

    @property
    def events(self) -> bool:
        return self.trace in ("all", "events")

    @property
    def instructions(self) -> bool:
        return self.trace in ("all", "instructions")


def observe_options(command):
    """The options of the module doc (``--trace`` and ``--trace-file`` included)."""
    for option in reversed([
        click.option("--trace", is_flag=True,
                     help="Print one line per instruction and per trap or monitor event (stderr); "
                          "--trace=events: only the events, --trace=instructions: only the instructions."),
        click.option("--trace-what", hidden=True),     # --trace=WHAT, checked in take_observe
        click.option("--trace-file", type=click.Path(dir_okay=False, writable=True),
                     help="Write the trace to this file instead of stderr (implies --trace)."),
        click.option("--trace-guest", "trace_guests", multiple=True, metavar="NAME",
                     help="Trace only this guest (guest1, guest2, ...; repeatable; implies --trace)."),
        click.option("--trace-from", type=WhereType(),
                     help="Trace from this instruction count or the first time pc reaches this symbol "
                          "(implies --trace)."),
        click.option("--trace-until", type=WhereType(),
                     help="Trace up to this instruction count or the first time pc reaches this symbol "
                          "(implies --trace)."),
        click.option("--timeline", type=click.Path(dir_okay=False, writable=True),
                     help="Write the run as Chrome/Perfetto trace-event JSON (time = instruction count): "
                          "under --vmm a track per guest and one for the monitor."),
        click.option("--dump-maps-at", "dump_maps_at", multiple=True, type=click.IntRange(min=0), metavar="COUNT",
                     help="Print the page maps when the instruction count reaches COUNT (repeatable; "
                          "under --vmm each guest's own count)."),
        click.option("--maps-format", type=click.Choice(["text", "dot", "json"]),
                     help="--dump-maps/--dump-maps-at as text (default), as a Graphviz digraph (dot -Tsvg), "
                          "or as JSON, one line per dump."),
        click.option("--stats-format", type=click.Choice(["text", "json"]),
                     help="--stats as the text panel (default) or JSON (docs/stats.md); implies --stats."),
        click.option("--json", "stats_json", is_flag=True, help="Same as --stats --stats-format json."),
        click.option("--stats-file", type=click.Path(dir_okay=False, writable=True),
                     help="Write the statistics to this file instead of stderr (implies --stats)."),
    ]):
        command = option(command)
    return command


OPTION_NAMES = ("trace", "trace_what", "trace_file", "trace_guests", "trace_from", "trace_until", "timeline",
                "dump_maps_at", "maps_format", "stats_format", "stats_json", "stats_file")


def take_observe(options: dict, stats: bool) -> Observe:
    """Remove this module's options from ``options`` (the command's keyword arguments); what to
    observe. Every filter implies --trace, every statistics option --stats."""
    o = {name: options.pop(name) for name in OPTION_NAMES}
    what = o["trace_what"]
    if what is not None and what not in TRACE_WHAT:
        choices = ", ".join(repr(w) for w in TRACE_WHAT)
        raise click.BadParameter(f"{what!r} is not one of {choices}.", param_hint="'--trace'")
    if what is None and (o["trace"] or o["trace_file"] or o["trace_guests"] or o["trace_from"] is not None
                         or o["trace_until"] is not None):
        what = "all"
    stats_format = "json" if o["stats_json"] else (o["stats_format"] or "text")
    if o["stats_json"] and o["stats_format"] == "text":
        raise click.UsageError("--json and --stats-format text contradict each other")
    return Observe(trace=what, trace_file=o["trace_file"], trace_guests=tuple(o["trace_guests"]),
                   trace_from=o["trace_from"], trace_until=o["trace_until"], timeline=o["timeline"],
                   dump_maps=bool(options.get("dump_maps")), dump_maps_at=tuple(sorted(set(o["dump_maps_at"]))),
                   maps_format=o["maps_format"] or "text",
                   stats=bool(stats or o["stats_json"] or o["stats_format"] or o["stats_file"]),
                   stats_format=stats_format, stats_file=o["stats_file"])


def open_output(path: str | None, option: str, default):
    """A file the user named for some output, or ``default`` (a standard stream)."""
    if path is None:
        return default
    try:
        return open(path, "w")
    except OSError as e:
        raise click.BadParameter(f"{path}: {e.strerror}", param_hint=option) from None


def write_stats(observe: Observe, text: str, stderr) -> None:
    """The statistics (panel or JSON, already rendered) to --stats-file or standard error."""
    if observe.stats_file is None:
        click.echo(text, err=True, nl=False)
        return
    out = open_output(observe.stats_file, "--stats-file", stderr)
    with out:
        out.write(text)
