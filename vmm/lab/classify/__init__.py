"""``toyvm classify``: the Popek-Goldberg classification of TOY32, found by experiment.

Every instruction of ``isa.INSTRUCTIONS`` is encoded from its match bits and operand fields
with representative operands and *run* on a fresh ``vmm.machine.Machine``; the classes come
from comparing what the runs did. The table's ``privileged``/``sensitive``/``virtualizable``/
``kind`` attributes are never read: only the mnemonic, the encoding and the operands
(tests/test_classify.py hands the classifier a table on which reading them raises).

The modules, in the order of the experiment:

  ``lab``       the laboratory machine and one run of one instruction: what it records
  ``starts``    the random starting states, each in four configurations of the privileged state
  ``evidence``  comparing two runs: on which bits they disagree, and saying so in words
  ``judge``     the classes of one instruction (privileged, control-, behaviour-, user-sensitive)
  ``report``    the whole table and the theorems' verdicts (``classify``, JSON)
  ``render``    the text for a student (what the command prints)

Import from the module that defines a name (``from vmm.lab.classify.report import classify``):
this package itself imports nothing, so the command line can name it without paying for it.
"""
