# Everything starts from a fresh machine: `make test` and `make demo` create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TOYASM := $(BIN)/toyasm
TOYVM  := $(BIN)/toyvm
BUILD  := build

.PHONY: setup test demo bench programs docs clean

setup: $(STAMP)

# pip compiles what it installs, not an editable project: compileall does it once, so that
# start-up reads bytecode even where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m compileall -q asm isa vmm toyvm guestos > /dev/null
	touch $@

test: setup
	$(BIN)/python -m pytest -n 2 tests

# Each program is one .s file under programs/ (toyasm, linked at 0x10000), or one .c file built
# with clang/ld.lld against the tiny runtime in programs/runtime/ when clang is installed.
# How the kernel is built -- its sources in link order (GUESTOS_SOURCES) and its layout
# (GUESTOS_LAYOUT) -- is said once, in guestos/build.mk, which bench/ and tests/ read too.
PROGRAM_SRCS := $(wildcard programs/*.s)
PROGRAM_ELFS := $(patsubst programs/%.s,$(BUILD)/programs/%.elf,$(PROGRAM_SRCS))
include guestos/build.mk
GUESTOS_SRCS := $(addprefix guestos/,$(GUESTOS_SOURCES))
# The microkernel (docs/microkernel.md): its sources are said in guestos/micro/build.mk, its
# layout is guestos's.
include guestos/micro/build.mk
MICRO_SRCS := $(addprefix guestos/,$(MICRO_SOURCES))
MICRO_DEMO_ELFS := $(BUILD)/guestos-bug.elf $(BUILD)/microkernel-bug.elf   # the fault-isolation demo
CLANG := $(if $(shell command -v ld.lld 2>/dev/null),$(shell command -v clang 2>/dev/null))
C_ELFS := $(if $(CLANG),$(patsubst programs/%.c,$(BUILD)/programs/%.elf,$(wildcard programs/*.c)))
C_RUNTIME := programs/runtime/crt0.s programs/runtime/syscalls.s programs/runtime/lib.c
C_FLAGS := --target=riscv32 -march=rv32im -mabi=ilp32 -nostdlib -ffreestanding -O2 -fuse-ld=lld \
           -Iprograms/runtime -Iguestos
# Bare-machine kernels (the virtualizability demos, docs/virtualizability.md): each .s under
# programs/kernels/ is a whole image, run as `toyvm run build/programs/<name>.elf`, not a guestos
# program. One that tests PARAVIRT also gets a paravirtual build, <name>-para.elf (it makes
# hypercalls instead of rdpsw/wrpsw, and runs only under --strategy para).
KERNEL_SRCS := $(wildcard programs/kernels/*.s)
KERNEL_ELFS := $(patsubst programs/kernels/%.s,$(BUILD)/programs/%.elf,$(KERNEL_SRCS))
KERNEL_PARA_ELFS := $(patsubst programs/kernels/%.s,$(BUILD)/programs/%-para.elf,\
                      $(if $(KERNEL_SRCS),$(shell grep -l PARAVIRT $(KERNEL_SRCS))))

programs: setup $(PROGRAM_ELFS) $(C_ELFS) $(KERNEL_ELFS) $(KERNEL_PARA_ELFS) $(BUILD)/guestos.elf \
          $(BUILD)/guestos-para.elf $(BUILD)/microkernel.elf $(BUILD)/microkernel-para.elf $(MICRO_DEMO_ELFS)

$(BUILD)/programs/%.elf: programs/%.s guestos/syscalls.inc $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build $< -o $@

$(BUILD)/programs/%.elf: programs/%.c $(C_RUNTIME) programs/runtime/guestos.h guestos/syscalls.inc
	@mkdir -p $(dir $@)
	$(CLANG) $(C_FLAGS) -o $@ $< $(C_RUNTIME)

$(KERNEL_ELFS): $(BUILD)/programs/%.elf: programs/kernels/%.s $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build $< -o $@

$(KERNEL_PARA_ELFS): $(BUILD)/programs/%-para.elf: programs/kernels/%.s $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build --defsym PARAVIRT=1 $< -o $@

$(BUILD)/guestos.elf: $(GUESTOS_SRCS) $(wildcard guestos/*.inc) guestos/build.mk $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build $(GUESTOS_LAYOUT) $(GUESTOS_SRCS) -o $@

MICRO_DEPS := $(MICRO_SRCS) $(wildcard guestos/*.inc guestos/micro/*.inc) guestos/build.mk guestos/micro/build.mk \
              $(STAMP)
$(BUILD)/microkernel.elf: $(MICRO_DEPS)
	@mkdir -p $(dir $@)
	$(TOYASM) build $(GUESTOS_LAYOUT) $(MICRO_SRCS) -o $@

$(BUILD)/microkernel-para.elf: $(MICRO_DEPS)
	@mkdir -p $(dir $@)
	$(TOYASM) build --defsym PARAVIRT=1 $(GUESTOS_LAYOUT) $(MICRO_SRCS) -o $@

# The fault-isolation demonstration (docs/microkernel.md): both kernels with the console driver's
# deliberate bug switched on. guestos panics; the microkernel loses (and restarts) only its driver.
$(BUILD)/guestos-bug.elf: $(GUESTOS_SRCS) $(wildcard guestos/*.inc) guestos/build.mk $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build --defsym CONSOLE_BUG=1 $(GUESTOS_LAYOUT) $(GUESTOS_SRCS) -o $@

$(BUILD)/microkernel-bug.elf: $(MICRO_DEPS)
	@mkdir -p $(dir $@)
	$(TOYASM) build --defsym CONSOLE_BUG=1 $(GUESTOS_LAYOUT) $(MICRO_SRCS) -o $@

# The paravirtual variant, from the same sources with PARAVIRT defined (docs/guest-kernel.md):
# runs only as `toyvm run --vmm --strategy para build/guestos-para.elf --module ...`.
.PHONY: guestos-para
guestos-para: $(BUILD)/guestos-para.elf

$(BUILD)/guestos-para.elf: $(GUESTOS_SRCS) $(wildcard guestos/*.inc) guestos/build.mk $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build --defsym PARAVIRT=1 $(GUESTOS_LAYOUT) $(GUESTOS_SRCS) -o $@

# The demo in three acts: the guest OS on the bare machine (one program is killed: status 1); the
# same kernel as two guests of the monitor side by side; then why rdpsw/wrpsw break
# trap-and-emulate, and the four strategies, on the popf demonstration.
DEMO_PROGRAMS := hello primes spin fault $(if $(CLANG),hailstone) ticker ticker
DEMO := $(TOYVM) run $(BUILD)/guestos.elf $(foreach p,$(DEMO_PROGRAMS),--module $(BUILD)/programs/$(p).elf)
DEMO_VMM := $(TOYVM) run --vmm \
	--guest "$(BUILD)/guestos.elf --module $(BUILD)/programs/hello.elf --module $(BUILD)/programs/ticker.elf" \
	--guest "$(BUILD)/guestos.elf --module $(BUILD)/programs/fault.elf --module $(BUILD)/programs/hello.elf"
DEMO_COMPARE := $(TOYVM) compare $(BUILD)/programs/popf.elf --para-image $(BUILD)/programs/popf-para.elf

demo: programs
	@echo "== 1. guestos on the bare machine =="
	@echo "$(DEMO)"
	@$(DEMO); echo "(exit status $$?)"
	@echo
	@echo "== 2. the same kernel, twice, as guests of the monitor =="
	@echo '$(DEMO_VMM)'
	@$(DEMO_VMM); echo "(exit status $$?: bit k-1 set when guest k did not end cleanly)"
	@echo
	@echo "== 3. a guest kernel that disables interrupts with wrpsw, on the bare machine and under each strategy =="
	@echo "$(DEMO_COMPARE)"
	@$(DEMO_COMPARE)

bench: setup
	$(BIN)/python bench/run_all.py

# The timeline pictures of the README and docs/observe.md (toyvm timeline-plot; matplotlib is in
# the test extra): the demo's two guests, and popf under trap and under hw.
.PHONY: pictures
pictures: programs
	@mkdir -p docs/img
	$(DEMO_VMM) --timeline $(BUILD)/two-guests.json > /dev/null 2>&1 || true
	$(TOYVM) timeline-plot $(BUILD)/two-guests.json --title "two guests of the monitor (make demo, act 2)" \
	    -o docs/img/two-guests.svg
	$(TOYVM) run --vmm --strategy trap --timeline $(BUILD)/popf-trap.json $(BUILD)/programs/popf.elf > /dev/null || true
	$(TOYVM) run --vmm --strategy hw --timeline $(BUILD)/popf-hw.json $(BUILD)/programs/popf.elf > /dev/null
	$(TOYVM) timeline-plot $(BUILD)/popf-trap.json $(BUILD)/popf-hw.json --from 1000 --until 1400 \
	    --title "popf under --strategy trap: wrpsw is lost, the timer lands anywhere" \
	    --title "popf under --strategy hw: wrpsw traps, interrupts wait for the end of each critical section" \
	    -o docs/img/popf-trap-vs-hw.svg

docs: setup
	$(TOYASM) isa --markdown > docs/isa.md

clean:
	rm -rf $(BUILD)
