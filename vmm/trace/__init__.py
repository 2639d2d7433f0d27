"""Watching a run without changing it: the trace's filters and symbols (``symbols``, ``window``),
the monitor's event trace (``monitor_trace``), the Perfetto timeline (``timeline``) and its
static picture (``plot``), and the bare machine's watched run (``bare``). The monitor's events
themselves are vmm/monitor/events.py; the maps, vmm/monitor/dump.py. docs/observe.md."""
