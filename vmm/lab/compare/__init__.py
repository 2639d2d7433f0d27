"""``toyvm compare``: the same guest on the bare machine and under each ``--strategy``, side by side.

Every run gets the same image, modules, memory size and console input, so every difference is
the monitor's doing. The table says, per run: is the console output identical to the bare
machine's, the exit status, the instructions the guest completed, why the monitor was entered,
how many instructions it emulated, and the time it took (the best of two runs) as a ratio to the
bare run.

When a run's output, status or instruction count differs from bare, both are run again,
instruction by instruction, recording what the guest can see after each one -- pc, the general
registers, its (virtual) psw -- until the first point where they differ. That point is reported
with the instruction and what differed, and with the reason when it is one of the two
sensitive-unprivileged instructions, so the lesson of Popek and Goldberg's Theorem 1 shows up
as the very instruction that breaks it.

The modules:

  ``runs``        one timed run of the guest, bare or under a strategy, and what it did
  ``divergence``  the instruction-by-instruction replay that finds the first visible difference
  ``report``      all the runs of one comparison, as a table for a student or as JSON

This package itself imports nothing, so the command line can name it (and its default) cheaply.
"""
DEFAULT_SEARCH = 1_000_000          # instructions recorded when looking for a divergence
