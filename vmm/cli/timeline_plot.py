"""``toyvm timeline-plot``: the picture of ``toyvm run --vmm --timeline`` files (vmm/trace/plot.py)."""
from __future__ import annotations

import click


@click.command("timeline-plot")
@click.argument("timelines", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The picture: FILE.svg or FILE.png.")
@click.option("--title", "titles", multiple=True, help="A panel's title (repeatable, one per timeline).")
@click.option("--from", "start", type=click.IntRange(min=0), help="Draw from this tick.")
@click.option("--until", type=click.IntRange(min=1), help="Draw up to this tick.")
@click.option("--width", type=click.FloatRange(min=2, max=60), default=10.0, show_default=True,
              help="Width in inches.")
def timeline_plot_command(timelines, output, titles, start, until, width):
    """Draw TIMELINES (written by toyvm run --vmm --timeline FILE), one panel each: the guests'
    user and kernel mode, the monitor's work, each guest's virtual IE and its virtual interrupts
    (docs/observe.md). Needs matplotlib (pip install 'toyvm[plot]')."""
    from ..trace.plot import PlotError, plot
    if start is not None and until is not None and until <= start:
        raise click.BadParameter("--until must be after --from", param_hint="--until")
    try:
        plot(list(timelines), output, list(titles), start, until, width)
    except PlotError as e:
        raise click.ClickException(str(e)) from None
