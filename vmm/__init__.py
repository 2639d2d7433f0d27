"""toyvm: the TOY32 machine (vmm.machine), later the monitor (vmm.monitor), and the `toyvm` CLI."""
