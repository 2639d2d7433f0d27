"""The Popek-Goldberg lab: tools that answer, by running the machine, the question a monitor
designer asks of an instruction set.

``classify`` (``toyvm classify``) runs every instruction of the isa table in kernel and user
mode and finds which are privileged and which are sensitive, so Popek and Goldberg's Theorem 1
(and Theorem 3, for hybrid monitors) is checked by experiment, not read off the table.
``compare`` (``toyvm compare``) runs one guest on the bare machine and under each monitor
strategy and reports the first instruction where the guest can see the difference.

Both use only the machine's and the monitor's public interfaces; docs/virtualizability.md is
the lesson they illustrate.
"""
