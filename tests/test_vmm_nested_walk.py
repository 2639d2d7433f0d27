"""Nested paging's walk (SPEC §9), checked against an independent composition of the guest's
page map and the machine map on random maps: both maps are drawn as Python dicts, written into
host RAM, and the machine's MMU must give, for every access, what composing the dicts gives --
the host address, the guest's own page fault, or MMAP_FAULT with the right gpa and gpainfo."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from isa.machine import (CAUSE_BY_NAME, MMAP_FAULT_WALK, MMAP_GUEST_KERNEL, MMAP_ON, PMAR_ON, PTE_R, PTE_U,
                         PTE_V, PTE_W, PTE_X)
from vmm.machine import Machine
from vmm.machine.mmu import TranslationFault

HOST_PAGES = 48
MMAP_ROOT, MMAP_TABLE = 1, 2            # host pages of the machine map
GUEST_PAGES = 6                         # guest-physical pages 0..5 (and a few beyond, unbacked)
INDEXES = 8                             # entries 0..7 of each map page are drawn (and used)
FAULT = {PTE_R: "PAGE_FAULT_LOAD", PTE_W: "PAGE_FAULT_STORE", PTE_X: "PAGE_FAULT_FETCH"}

guest_page = st.integers(0, GUEST_PAGES)                    # one beyond the machine map
flags = st.integers(0, 0x1F)
pointer = st.builds(lambda p: p << 12 | PTE_V, st.integers(0, GUEST_PAGES - 1))                   # a root entry SPEC §5 takes
leaf = st.builds(lambda p, f: p << 12 | PTE_V | f, st.integers(0, GUEST_PAGES - 1), flags)        # a valid leaf, any flags
entry = st.one_of(st.just(0), pointer, leaf, st.builds(lambda p, f: p << 12 | f, guest_page, flags))


@st.composite
def worlds(draw):
    backed = draw(st.sets(st.integers(0, GUEST_PAGES - 1), min_size=GUEST_PAGES - 1))   # most pages backed
    hosts = draw(st.permutations(range(8, HOST_PAGES)))
    mmap = {g: hosts[i] for i, g in enumerate(sorted(backed))}            # gppn -> hppn
    keys = [(gppn, index) for gppn in range(GUEST_PAGES + 3) for index in range(INDEXES)]
    # (gppn, index) -> entry; the first 4 words of a page mostly pointers, the others mostly leaves
    words = {key: draw(st.one_of(pointer if key[1] < 4 else leaf, entry)) for key in keys}
    root = draw(guest_page)
    pmar = (root << 12) | draw(st.sampled_from([0, PMAR_ON]))
    mmap_bits = MMAP_ON | draw(st.sampled_from([0, MMAP_GUEST_KERNEL]))
    root_valid = draw(st.sampled_from([True, True, True, False]))   # (False: an empty machine map)
    return mmap, words, pmar, mmap_bits, root_valid


def build(mmap, words, pmar, mmap_bits, root_valid):
    machine = Machine(HOST_PAGES << 12)
    if root_valid:
        machine.write_word(MMAP_ROOT << 12, (MMAP_TABLE << 12) | PTE_V)
    for gppn, hppn in mmap.items():
        machine.write_word((MMAP_TABLE << 12) + 4 * gppn, (hppn << 12) | PTE_V)
    for (gppn, index), value in words.items():
        if gppn in mmap:                      # a word of an unbacked page exists nowhere
            machine.write_word((mmap[gppn] << 12) + 4 * index, value)
    machine.set_nested((MMAP_ROOT << 12) | mmap_bits, pmar)
    return machine


def compose(mmap, words, pmar, mmap_bits, root_valid, va, access, user):
    """The expected outcome, from the dicts alone: ('ok', host) | ('fault', cause) | ('mmap', gpa, info)."""
    def host(gpa, info):
        if not root_valid or (gpa >> 12) not in mmap:
            raise LookupError(gpa, info)
        return (mmap[gpa >> 12] << 12) | (gpa & 0xFFF)

    def word(gpa):
        return words.get((gpa >> 12, (gpa & 0xFFF) >> 2), 0)

    try:
        if pmar & PMAR_ON:
            root_gpa = (pmar & ~0xFFF) + 4 * (va >> 22)
            host(root_gpa, access | MMAP_FAULT_WALK)
            root = word(root_gpa)
            if (root & 0x1F) != PTE_V:
                return ("fault", CAUSE_BY_NAME[FAULT[access]])
            leaf_gpa = (root & ~0xFFF) + 4 * ((va >> 12) & 0x3FF)
            host(leaf_gpa, access | MMAP_FAULT_WALK)
            leaf = word(leaf_gpa)
        else:
            leaf = (va & ~0xFFF) | 0x1F
        if mmap_bits & MMAP_GUEST_KERNEL:
            leaf |= PTE_U
        if not (leaf & PTE_V and leaf & access and (not user or leaf & PTE_U)):
            return ("fault", CAUSE_BY_NAME[FAULT[access]])
        return ("ok", host((leaf & ~0xFFF) | (va & 0xFFF), access))
    except LookupError as missing:
        return ("mmap",) + missing.args


def outcome(machine, va, access, user):
    try:
        return ("ok", machine.mmu.translate(machine.pmar, va, access, user))
    except TranslationFault as fault:
        if fault.cause == CAUSE_BY_NAME["MMAP_FAULT"]:
            return ("mmap",) + machine.fault_gpa
        return ("fault", fault.cause)


addresses = st.builds(lambda hi, lo, off: (hi << 22) | (lo << 12) | off,
                      st.integers(0, 3), st.integers(4, INDEXES - 1), st.integers(0, 0xFFF))


@settings(max_examples=300, deadline=None)
@given(worlds(), st.lists(st.tuples(addresses, st.sampled_from([PTE_R, PTE_W, PTE_X]), st.booleans()),
                          min_size=1, max_size=6))
def test_nested_walk_is_the_composition_of_the_two_maps(world, accesses):
    machine = build(*world)
    for va, access, user in accesses:
        # kernel mode first, so that user mode may meet the translation the TLB kept
        for mode in (False, user, user):
            expected = compose(*world, va, access, mode)
            assert outcome(machine, va, access, mode) == expected, (hex(va), access, mode)


def test_a_miss_costs_eight_references_where_the_bare_machine_needs_two():
    mmap = {g: 8 + g for g in range(8)}
    words = {(3, 0): (4 << 12) | PTE_V, (4, 5): (6 << 12) | PTE_V | PTE_R}
    machine = build(mmap, words, (3 << 12) | PMAR_ON, MMAP_ON, True)
    assert machine.mmu.translate(machine.pmar, 0x5123, PTE_R, False) == (14 << 12) | 0x123
    assert (machine.mmu.misses, machine.mmu.walk_refs) == (1, 8)
    machine.mmu.translate(machine.pmar, 0x5000, PTE_R, False)          # a TLB hit: no walk
    assert (machine.mmu.misses, machine.mmu.walk_refs) == (1, 8)
    bare = Machine(HOST_PAGES << 12)
    bare.write_word(3 << 12, (4 << 12) | PTE_V)
    bare.write_word((4 << 12) + 20, (6 << 12) | PTE_V | PTE_R)
    assert bare.mmu.translate((3 << 12) | PMAR_ON, 0x5123, PTE_R, False) == (6 << 12) | 0x123
    assert bare.mmu.walk_refs == 2


def test_nested_walk_on_many_dense_random_worlds():
    """Hypothesis favours small values; here 400 seeded worlds where most walks reach a leaf."""
    rng = random.Random(14)
    outcomes = set()
    for _ in range(400):
        mmap = dict(zip(rng.sample(range(GUEST_PAGES), GUEST_PAGES - 1), rng.sample(range(8, HOST_PAGES), GUEST_PAGES - 1)))
        words = {(g, i): (rng.randrange(GUEST_PAGES + 1) << 12 | (PTE_V if i < 4 and rng.random() < 0.8
                                                                  else rng.randrange(32)))
                 for g in range(GUEST_PAGES + 3) for i in range(INDEXES)}
        world = (mmap, words, rng.randrange(GUEST_PAGES + 1) << 12 | rng.choice([0, PMAR_ON, PMAR_ON]),
                 MMAP_ON | rng.choice([0, MMAP_GUEST_KERNEL]), rng.random() < 0.95)
        machine = build(*world)
        for _ in range(4):
            va = rng.randrange(4) << 22 | rng.randrange(4, INDEXES) << 12 | rng.randrange(4096)
            access, user = rng.choice([PTE_R, PTE_W, PTE_X]), rng.random() < 0.5
            for mode in (False, user):
                expected = compose(*world, va, access, mode)
                assert outcome(machine, va, access, mode) == expected, (world, hex(va), access, mode)
                outcomes.add((expected[0], bool(world[2] & PMAR_ON), bool(world[3] & MMAP_GUEST_KERNEL), mode))
    # every outcome met, with and without each bit (but no page fault with translation off)
    assert len(outcomes) == 3 * 2 * 2 * 2 - 4
