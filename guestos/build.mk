# How guestos is built: the one place that says it (docs/guest-kernel.md, section 1). The Makefile
# includes this file; bench/ and tests/ read it through guestos/build.py. Plain `NAME := value`.

# The sources in link order: boot.s first (its _start begins the text, its kernel_data_start the
# data), then the others sorted by name. A new guestos/*.s is added here (a test checks).
GUESTOS_SOURCES := boot.s console.s pages.s panic.s proc.s sched.s syscall.s trap.s vm.s

# Linked at KERNBASE + its load address, so that the kernel's direct map of RAM contains it
# (docs/boot.md): toyasm build options.
GUESTOS_LAYOUT := --text-base 0x80010000 --phys-base 0x10000
