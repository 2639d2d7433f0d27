# How the microkernel is built: the one place that says it (docs/microkernel.md). The Makefile
# includes this file after ../build.mk; tests and bench read it through guestos/micro/build.py.

# Its sources in link order, relative to guestos/: guestos's boot.s first (its _start begins the
# text, the boot contract is the same), guestos's page allocator, page maps, kernel output and
# trap report, then the microkernel's own files, sorted, the two servers last.
MICRO_SOURCES := boot.s console.s pages.s panic.s vm.s micro/ipc.s micro/kcall.s micro/sched.s \
                 micro/servers.s micro/trap.s micro/uvm.s micro/srv_console.s micro/srv_pm.s

# The layout is guestos's (GUESTOS_LAYOUT in ../build.mk): linked at KERNBASE + its load address.
