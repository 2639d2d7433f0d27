"""`toyvm classify` finds Popek and Goldberg's classes by running the instructions. The
expectations here come from SPEC §3 and from the isa table's flags, which only the tests may
read: the classifier is handed a table on which reading them fails."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from isa import INSTRUCTIONS
from vmm.lab.classify.report import classify

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli", "classify"]
# SPEC §3: "Deliberately non-virtualizable -- sensitive but unprivileged"
SPEC_NON_VIRTUALIZABLE = {"rdpsw", "wrpsw"}
ISA_PRIVILEGED = {ins.mnemonic for ins in INSTRUCTIONS if ins.privileged}
ISA_SENSITIVE = {ins.mnemonic for ins in INSTRUCTIONS if ins.sensitive}
ALWAYS_TRAP = {ins.mnemonic for ins in INSTRUCTIONS if ins.kind in ("ecall", "ebreak", "hypercall")}


@pytest.fixture(scope="module")
def plain():
    return classify(hw_assist=False)


@pytest.fixture(scope="module")
def assisted():
    return classify(hw_assist=True)


def by_name(report) -> dict:
    return {v.mnemonic: v for v in report.verdicts}


def names(report, test) -> set[str]:
    return {v.mnemonic for v in report.verdicts if test(v)}


def test_every_instruction_is_classified_once_in_table_order(plain):
    assert [v.mnemonic for v in plain.verdicts] == [ins.mnemonic for ins in INSTRUCTIONS]


def test_theorem1_offenders_are_exactly_spec_sensitive_unprivileged(plain):
    expected = {ins.mnemonic for ins in INSTRUCTIONS if ins.sensitive and not ins.privileged}
    assert expected == SPEC_NON_VIRTUALIZABLE
    assert set(plain.offending) == expected
    assert plain.to_json()["theorem1"] is False


def test_privileged_and_sensitive_sets_are_the_isa_flags(plain):
    assert names(plain, lambda v: v.privileged) == ISA_PRIVILEGED
    assert names(plain, lambda v: v.sensitive) == ISA_SENSITIVE
    for mnemonic in ISA_PRIVILEGED:
        assert by_name(plain)[mnemonic].traps == {"kernel": "completes", "user": "PRIVILEGED_INSTRUCTION"}


def test_the_two_broken_instructions_differ_as_spec_describes(plain):
    v = by_name(plain)
    # rdpsw: reads psw in both modes, so the value depends on the mode (the leaked U bit)
    assert v["rdpsw"].behaviour_sensitive and not v["rdpsw"].control_sensitive
    assert v["rdpsw"].kind == "behaviour-sensitive"
    assert "kernel 0x00000000, user 0x00000001" in v["rdpsw"].evidence[0]
    # wrpsw: changes IE in kernel mode, is silently ignored in user mode
    assert v["wrpsw"].control_sensitive and v["wrpsw"].behaviour_sensitive
    assert v["wrpsw"].kind == "control-sensitive"
    assert any("psw.IE" in e and "user unchanged" in e for e in v["wrpsw"].evidence)


def test_theorem3_hybrid_condition(plain):
    # In user mode wrpsw does nothing whatever the configuration (like the PDP-10's JRST 1), but
    # rdpsw still reads the real psw's IE/PU/PIE: only rdpsw is user-sensitive.
    assert names(plain, lambda v: v.user_sensitive) == {"rdpsw"}
    assert plain.theorem3_offending == ["rdpsw"]
    assert plain.to_json()["theorem3"] is False


def test_instructions_that_trap_in_both_modes_are_neither_privileged_nor_sensitive(plain):
    v = by_name(plain)
    for mnemonic in ALWAYS_TRAP:
        assert not v[mnemonic].privileged and not v[mnemonic].sensitive, mnemonic
        assert v[mnemonic].traps["kernel"] == v[mnemonic].traps["user"] != "completes"
    assert v["ecall"].traps["user"] == "SVC" and v["hypercall"].traps["user"] == "VIRTUALIZATION_TRAP"


def test_control_changes_are_observed(plain):
    v = by_name(plain)
    assert any("flushes cached translations" in e for e in v["tlbflush"].evidence)
    assert any("flushes cached translations" in e for e in v["stpmar"].evidence)
    assert any("halts the machine" in e for e in v["halt"].evidence)
    # ldpmar changes nothing but reads the real pmar: a relocated map with the same virtual view shows it
    assert v["ldpmar"].behaviour_sensitive and not v["ldpmar"].control_sensitive
    assert any("relocated map" in e for e in v["ldpmar"].evidence)


def test_ordinary_instructions_are_innocuous(plain):
    ordinary = {ins.mnemonic for ins in INSTRUCTIONS if not ins.sensitive}
    assert names(plain, lambda v: v.kind == "innocuous") == ordinary


def test_hardware_assist_flips_the_verdicts(assisted):
    assert assisted.offending == [] and assisted.theorem3_offending == []
    data = assisted.to_json()
    assert data["theorem1"] is True and data["theorem3"] is True
    assert names(assisted, lambda v: v.privileged) == ISA_PRIVILEGED | SPEC_NON_VIRTUALIZABLE
    for mnemonic in SPEC_NON_VIRTUALIZABLE:
        assert by_name(assisted)[mnemonic].traps == {"kernel": "completes", "user": "VIRTUALIZATION_TRAP"}


class FlagGuard:
    """An instruction-table entry whose Popek-Goldberg flags cannot be read."""
    FORBIDDEN = {"privileged", "sensitive", "virtualizable", "kind"}

    def __init__(self, ins):
        self._ins = ins

    def __getattr__(self, name):
        if name in self.FORBIDDEN:
            raise AssertionError(f"the classifier read Instr.{name}")
        return getattr(self._ins, name)


@pytest.mark.parametrize("hw_assist", [False, True])
def test_the_classifier_does_not_read_the_flags(hw_assist):
    guarded = classify(hw_assist, table=[FlagGuard(ins) for ins in INSTRUCTIONS], states=2)
    assert guarded.to_json() == classify(hw_assist, states=2).to_json()
    assert set(guarded.offending) == (set() if hw_assist else SPEC_NON_VIRTUALIZABLE)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + list(args), capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_json_describes_both_machines():
    result = run_cli("--json", "--states", "1")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert data["machine"] == {"hw_assist": False}
    assert [row["mnemonic"] for row in data["instructions"]] == [ins.mnemonic for ins in INSTRUCTIONS]
    for row in data["instructions"]:
        assert {type(row[key]) for key in ("privileged", "sensitive", "control_sensitive",
                                           "behaviour_sensitive", "user_sensitive")} == {bool}
        assert row["sensitive"] == (row["control_sensitive"] or row["behaviour_sensitive"])
        assert row["kind"] in ("privileged", "control-sensitive", "behaviour-sensitive", "innocuous")
        assert isinstance(row["evidence"], str)
    assert (data["theorem1"], data["theorem3"]) == (False, False)
    assert set(data["offending"]) == SPEC_NON_VIRTUALIZABLE
    assisted = data["hw_assist"]
    assert assisted["machine"] == {"hw_assist": True}
    assert (assisted["theorem1"], assisted["theorem3"], assisted["offending"]) == (True, True, [])


def test_cli_hw_assist_shows_that_machine_only():
    result = run_cli("--json", "--hw-assist", "--states", "1")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert data["machine"] == {"hw_assist": True} and "hw_assist" not in data
    assert data["theorem1"] is True


def test_cli_text_names_the_offenders_and_the_flip():
    result = run_cli("--states", "1")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    off, on = result.stdout.split("hardware assist ON")
    assert "Offending: rdpsw, wrpsw" in off and "Theorem 3" in off
    assert "sensitive <= privileged?  YES" in on and "Offending" not in on


def test_cli_rejects_bad_options_without_traceback():
    result = run_cli("--states", "0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
