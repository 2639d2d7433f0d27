"""toyvm: the TOY32 machine (vmm.machine), the virtual machine monitor (vmm.monitor), the
Popek-Goldberg lab tools (vmm.lab: classify, compare), and the ``toyvm`` command line (vmm.cli)."""
