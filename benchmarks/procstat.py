"""CPU time and resident memory of a process and its descendants, read from ``/proc`` (Linux).

``/proc/<pid>/stat`` fields 14 and 15 are the user and system CPU time in clock ticks
(``SC_CLK_TCK``, usually 100 per second), field 4 the parent's pid; ``/proc/<pid>/status`` has
``VmRSS`` in kB (proc(5), "/proc/pid/stat" and "/proc/pid/status"). A server run with several
workers is a tree of processes: every figure here is summed over the tree, read at one instant.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def stat_fields(text: str) -> list[str]:
    """The fields of a ``/proc/<pid>/stat`` line, 1-based as proc(5) numbers them (index 0 unused).

    The command name (field 2) is in parentheses and may hold spaces and parentheses itself, so
    the line is split after its *last* closing parenthesis.
    """
    head, _, rest = text.rpartition(")")
    pid, _, name = head.partition(" (")
    return ["", pid, name, *rest.split()]


def _stat(pid: int) -> list[str] | None:
    try:
        return stat_fields((PROC / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None  # exited meanwhile


def descendants(root: int) -> list[int]:
    """``root`` and every process under it, alive now."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[4]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds spent so far by ``root`` and its descendants alive now."""
    total = 0
    for pid in descendants(root):
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[14]) + int(fields[15])
    return total / TICKS_PER_SECOND


def rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and its descendants, in bytes."""
    total = 0
    for pid in descendants(root):
        try:
            status = (PROC / str(pid) / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                break
    return total


def own_cpu_seconds() -> float:
    """CPU seconds of this process (every thread)."""
    times = os.times()
    return times.user + times.system
