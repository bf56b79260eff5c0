"""CPU time spent by processes during a measurement window, read from /proc (Linux): the
server (a process and its descendants), PostgreSQL's backends, a load generator. Figures
per request tell where a request's cost lies, independently of how the machine's speed
drifts between runs."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds used so far) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                found[int(entry)] = stat
    return found


def cpu_seconds(selector: Callable[[int, dict[int, tuple[str, int, float]]], bool]) -> float:
    """CPU seconds used so far by the live processes that `selector(pid, processes)` picks."""
    processes = _processes()
    return sum(stat[2] for pid, stat in processes.items() if selector(pid, processes))


def tree_of(root: int) -> Callable[[int, dict[int, tuple[str, int, float]]], bool]:
    """Selects `root` and its descendants."""

    def selected(pid: int, processes: dict[int, tuple[str, int, float]]) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = processes[pid][1] if pid in processes else 0
        return False

    return selected


def named(name: str) -> Callable[[int, dict[int, tuple[str, int, float]]], bool]:
    """Selects the processes with this command name (e.g. `postgres`, `pgbench`)."""
    return lambda pid, processes: processes[pid][0] == name


@dataclass
class CpuWindow:
    """CPU seconds each selector's processes used between `start()` and `stop()`."""

    selectors: dict[str, Callable[[int, dict[int, tuple[str, int, float]]], bool]]

    def start(self) -> None:
        self._before = {label: cpu_seconds(pick) for label, pick in self.selectors.items()}

    def stop(self) -> dict[str, float]:
        # a process that ended inside the window (a pgbench backend) takes its time with it:
        # measure while the processes still run, or pick long-lived ones
        return {
            label: cpu_seconds(pick) - self._before[label] for label, pick in self.selectors.items()
        }
