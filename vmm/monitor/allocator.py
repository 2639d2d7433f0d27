"""Allocate: host RAM split between the monitor and its guests (the lecture's third function).

Host RAM is the real machine's physical memory. Its first pages are the *monitor region*: the
frames the monitor builds shadow page maps in, a fixed budget per guest so that no guest's
appetite for page maps can starve another's. The rest is the *guest pool*, handed out one page at
a time as guests first touch their guest-physical pages, each guest within its *quota* (its
memory size). No page is ever given to two owners, and nothing a guest can name reaches the
monitor region: shadow maps only ever point into the owning guest's pages.
"""
from __future__ import annotations

from isa.machine import PAGE_SHIFT, PAGE_SIZE


class OutOfMemory(Exception):
    """A quota or a pool is exhausted; the message says which."""


class Pool:
    """Host page numbers first..first+count-1: a bump pointer plus the pages given back."""

    def __init__(self, first: int, count: int):
        self.next, self.end = first, first + count
        self.free: list[int] = []

    def take(self) -> int | None:
        if self.free:
            return self.free.pop()
        if self.next < self.end:
            self.next += 1
            return self.next - 1
        return None

    def give_back(self, ppn: int) -> None:
        self.free.append(ppn)


class Account:
    """One owner's share: pages in use against a limit."""

    def __init__(self, owner: str, limit: int):
        self.owner, self.limit, self.used = owner, limit, 0


class HostAllocator:
    """The split of host RAM: ``shadow_frames`` monitor frames per guest, then the guest pool."""

    def __init__(self, quotas: list[int], shadow_frames: int):
        self.shadow_frames = shadow_frames
        monitor_pages = shadow_frames * len(quotas)
        guest_pages = sum(q >> PAGE_SHIFT for q in quotas)
        self.size = (monitor_pages + guest_pages) * PAGE_SIZE       # host RAM, bytes
        self.monitor_region = (0, monitor_pages)                    # host pages [first, end)
        self._monitor_pools = [Pool(i * shadow_frames, shadow_frames) for i in range(len(quotas))]
        self._guest_pool = Pool(monitor_pages, guest_pages)
        self.guest_accounts = [Account(f"guest{i + 1}", q >> PAGE_SHIFT) for i, q in enumerate(quotas)]

    def guest_page(self, guest: int) -> int:
        """A fresh (zero) host page for guest number ``guest`` (0-based), within its quota."""
        account = self.guest_accounts[guest]
        if account.used >= account.limit:
            raise OutOfMemory(f"{account.owner}: memory quota of {account.limit} pages used up")
        ppn = self._guest_pool.take()
        if ppn is None:
            raise OutOfMemory("host memory exhausted")
        account.used += 1
        return ppn

    def shadow_frame(self, guest: int) -> int | None:
        """A zero monitor frame for one of the guest's shadow maps, or None when its budget is spent."""
        return self._monitor_pools[guest].take()

    def release_shadow_frame(self, guest: int, ppn: int) -> None:
        """Give back a frame the caller has zeroed."""
        self._monitor_pools[guest].give_back(ppn)
