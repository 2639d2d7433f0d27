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

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

test: setup
	$(BIN)/python -m pytest -n 2 tests

# Each program is one .s file under programs/; the kernel is every .s under guestos/ linked together.
PROGRAM_SRCS := $(wildcard programs/*.s)
PROGRAM_ELFS := $(patsubst programs/%.s,$(BUILD)/programs/%.elf,$(PROGRAM_SRCS))
GUESTOS_SRCS := $(wildcard guestos/*.s)

programs: setup $(PROGRAM_ELFS) $(if $(GUESTOS_SRCS),$(BUILD)/guestos.elf)

$(BUILD)/programs/%.elf: programs/%.s $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build $< -o $@

$(BUILD)/guestos.elf: $(GUESTOS_SRCS) $(wildcard guestos/*.inc) $(STAMP)
	@mkdir -p $(dir $@)
	$(TOYASM) build $(GUESTOS_SRCS) -o $@

demo: programs
	$(BIN)/python -m vmm.demo

bench: setup
	$(BIN)/python bench/run_all.py

docs: setup
	$(TOYASM) isa --markdown > docs/isa.md

clean:
	rm -rf $(BUILD)
